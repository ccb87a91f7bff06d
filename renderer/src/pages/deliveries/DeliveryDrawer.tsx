import {
  Alert,
  Button,
  DataList,
  Group,
  Loader,
  Paper,
  Stack,
  Table,
  Text,
  Title,
} from '@mantine/core';
import {
  IconAlertCircle,
  IconFileCertificate,
  IconPlayerPlay,
  IconRotateClockwise,
} from '@tabler/icons-react';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Delivery, DeliveryCustomer, DeliveryImage } from '../../../../shared/contract';
import { CopyIconButton } from '../../components/CopyIconButton';
import { DetailDrawer } from '../../components/DetailDrawer';
import { Digest } from '../../components/Digest';
import { ErrorAlert, EngineText } from '../../components/ErrorAlert';
import { Fact } from '../../components/Fact';
import { formatDateTime } from '../../lib/format';
import { WriteFolderModal } from '../../components/WriteFolderModal';
import { shortFingerprint } from '../../lib/signatures';
import { useStore } from '../../store';
import { canResume } from '../../store/deliveries';
import {
  CustomerStatusBadge,
  DeliveryStatusBadge,
  PolicyReasons,
  ScanSummary,
  TargetStatusBadge,
  VerdictBadge,
  YesNo,
} from './parts';
import { askNotificationPermission } from './notify';
import classes from './DeliveriesPage.module.css';

/** One delivery in full: its images as scanned and judged, and every customer's targets. */
export function DeliveryDrawer() {
  const { t } = useTranslation();
  const selectedId = useStore((state) => state.deliveries.selectedId);
  const select = useStore((state) => state.deliveries.select);
  const detail = useStore((state) => state.deliveries.detail);
  const loading = useStore((state) => state.deliveries.detailLoading);
  const error = useStore((state) => state.deliveries.detailError);
  const loadDetail = useStore((state) => state.deliveries.loadDetail);

  // Also follows a selection made elsewhere (a trace result names a delivery).
  useEffect(() => {
    void loadDetail();
  }, [selectedId, loadDetail]);

  const shown = detail && detail.id === selectedId ? detail : null;
  return (
    <DetailDrawer
      opened={selectedId !== null}
      onClose={() => select(null)}
      title={
        shown
          ? t('deliveries.detail.title', { release: shown.release })
          : t('deliveries.detail.loading')
      }
      size="56rem"
      testId="delivery-drawer"
    >
      {error && <ErrorAlert error={error} testId="delivery-detail-error" />}
      {!shown && loading && (
        <Group gap="sm" aria-busy>
          <Loader size="sm" aria-label={t('deliveries.detail.loading')} />
          <Text size="sm" c="dimmed">
            {t('deliveries.detail.loading')}
          </Text>
        </Group>
      )}
      {shown && <DeliveryDetail delivery={shown} />}
    </DetailDrawer>
  );
}

function DeliveryDetail({ delivery }: { delivery: Delivery }) {
  const { t, i18n } = useTranslation();
  const resume = useStore((state) => state.deliveries.resume);
  const select = useStore((state) => state.deliveries.select);
  const busy = useStore(
    (state) => state.deliveries.flow.planning || state.deliveries.flow.step === 'run',
  );
  const resumable = canResume(delivery.status);
  const saveRecords = useStore((state) => state.deliveries.saveRecords);
  const [savingRecords, setSavingRecords] = useState(false);
  const recorded = delivery.customers.some((c) => c.images.some((i) => i.record));
  // The run shows in the New delivery dialog; the detail comes back with its outcome.
  const run = (customers?: string[]) => {
    askNotificationPermission();
    select(null);
    void resume(delivery.id, customers);
  };

  return (
    <Stack gap="lg" data-testid="delivery-detail" data-status={delivery.status}>
      <Group justify="space-between" align="flex-start">
        <DataList labelWidth={130} gap="xs">
          <Fact label={t('deliveries.detail.status')}>
            <DeliveryStatusBadge status={delivery.status} testId="delivery-detail-status" />
          </Fact>
          <Fact label={t('deliveries.detail.created')}>
            <Text size="sm">{formatDateTime(delivery.createdAt, i18n.language)}</Text>
          </Fact>
          {delivery.finishedAt && (
            <Fact label={t('deliveries.detail.finished')}>
              <Text size="sm">{formatDateTime(delivery.finishedAt, i18n.language)}</Text>
            </Fact>
          )}
          <Fact label={t('deliveries.detail.key')}>
            <Text size="sm" ff="monospace" title={delivery.keyFingerprint}>
              {shortFingerprint(delivery.keyFingerprint)}
            </Text>
          </Fact>
          <Fact label={t('deliveries.detail.policy')}>
            <Text size="sm">{delivery.policy ?? t('deliveries.detail.defaultPolicy')}</Text>
          </Fact>
          <Fact label={t('deliveries.detail.gate')}>
            <VerdictBadge verdict={delivery.gate} gate testId="delivery-detail-gate" />
          </Fact>
        </DataList>
        <Group gap="xs">
          {recorded && (
            <Button
              variant="default"
              leftSection={<IconFileCertificate size={16} aria-hidden />}
              onClick={() => setSavingRecords(true)}
              data-testid="delivery-save-records"
            >
              {t('deliveries.records.open')}
            </Button>
          )}
          {resumable && (
            <Button
              leftSection={<IconPlayerPlay size={16} aria-hidden />}
              onClick={() => run()}
              disabled={busy}
              data-testid="delivery-resume"
            >
              {t('deliveries.resume')}
            </Button>
          )}
        </Group>
      </Group>
      <WriteFolderModal
        opened={savingRecords}
        texts={{
          title: t('deliveries.records.title', { release: delivery.release }),
          intro: t('deliveries.records.intro'),
          dir: t('deliveries.records.dir'),
          dirHint: t('deliveries.records.dirHint'),
          dirPlaceholder: t('deliveries.records.dirPlaceholder'),
          dirRequired: t('deliveries.records.dirRequired'),
          submit: t('deliveries.records.submit'),
          submitting: t('deliveries.records.submitting'),
          failed: t('deliveries.records.failed'),
          doneTitle: t('deliveries.records.doneTitle'),
          doneBody: (count) => t('deliveries.records.doneBody', { count }),
          files: t('deliveries.records.files'),
        }}
        write={(dir) => saveRecords(delivery.id, dir)}
        onClose={() => setSavingRecords(false)}
        testId="delivery-records"
      />

      {delivery.error && (
        <Alert
          color="red"
          variant="light"
          icon={<IconAlertCircle aria-hidden />}
          data-testid="delivery-error"
        >
          <Text size="sm">
            <EngineText text={delivery.error} />
          </Text>
        </Alert>
      )}

      <Stack gap="xs">
        <Title order={3} fz="h4" fw={600}>
          {t('deliveries.detail.images', { count: delivery.images.length })}
        </Title>
        <ImagesTable images={delivery.images} />
      </Stack>

      <Stack gap="sm">
        <Title order={3} fz="h4" fw={600}>
          {t('deliveries.detail.customers', { count: delivery.customers.length })}
        </Title>
        {delivery.customers.map((customer) => (
          <CustomerTargets
            key={customer.id}
            customer={customer}
            onRetry={
              resumable && (customer.status === 'failed' || customer.status === 'partial')
                ? () => run([customer.name])
                : undefined
            }
            busy={busy}
          />
        ))}
      </Stack>
    </Stack>
  );
}

/** A release's images: where they came from, what customers get, and the scan's verdict. */
export function ImagesTable({ images }: { images: DeliveryImage[] }) {
  const { t } = useTranslation();
  return (
    <Paper withBorder radius="md" className={classes.tablePaper}>
      <Table.ScrollContainer minWidth={640} type="native">
        <Table verticalSpacing="xs" horizontalSpacing="sm" data-testid="delivery-images-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">{t('deliveries.image.source')}</Table.Th>
              <Table.Th scope="col">{t('deliveries.image.scan')}</Table.Th>
              <Table.Th scope="col">{t('deliveries.image.verdict')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {images.map((image) => (
              <Table.Tr
                key={image.source}
                data-testid="delivery-image"
                data-source={image.source}
                data-verdict={image.verdict}
              >
                <Table.Td>
                  <Stack gap={2}>
                    <Text size="sm" ff="monospace" className={classes.wrapAnywhere}>
                      {image.source}
                    </Text>
                    <Group gap={6} wrap="nowrap">
                      <Text size="xs" c="dimmed">
                        {image.name}:{image.tag}
                      </Text>
                      {image.digest && <Digest digest={image.digest} size="xs" copyable />}
                    </Group>
                  </Stack>
                </Table.Td>
                <Table.Td>
                  <ScanSummary scan={image.scan} />
                </Table.Td>
                <Table.Td>
                  <Stack gap={4} align="flex-start">
                    <VerdictBadge verdict={image.verdict} testId="delivery-image-verdict" />
                    <PolicyReasons image={image} />
                  </Stack>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Paper>
  );
}

/** One customer's part: every image's target, digest, steps done and the record attached. */
export function CustomerTargets({
  customer,
  onRetry,
  busy,
}: {
  customer: DeliveryCustomer;
  onRetry?: () => void;
  busy: boolean;
}) {
  const { t } = useTranslation();
  return (
    <Paper
      withBorder
      radius="md"
      p="md"
      data-testid="delivery-customer"
      data-customer={customer.name}
      data-status={customer.status}
    >
      <Stack gap="sm">
        <Group justify="space-between">
          <Group gap="sm">
            <Text fw={600}>{customer.name}</Text>
            <CustomerStatusBadge status={customer.status} />
          </Group>
          {onRetry && (
            <Button
              variant="default"
              size="compact-sm"
              leftSection={<IconRotateClockwise size={14} aria-hidden />}
              onClick={onRetry}
              disabled={busy}
              aria-label={t('deliveries.retryName', { name: customer.name })}
              data-testid="delivery-retry"
            >
              {t('deliveries.retry')}
            </Button>
          )}
        </Group>
        {customer.error && (
          <Text size="sm" c="red" data-testid="delivery-customer-error">
            <EngineText text={customer.error} />
          </Text>
        )}
        {customer.images.length > 0 && (
          <Table.ScrollContainer minWidth={640} type="native">
            <Table verticalSpacing={6} horizontalSpacing="sm" fz="sm">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col">{t('deliveries.target.ref')}</Table.Th>
                  <Table.Th scope="col">{t('deliveries.target.status')}</Table.Th>
                  <Table.Th scope="col">{t('deliveries.target.signed')}</Table.Th>
                  <Table.Th scope="col">{t('deliveries.target.verified')}</Table.Th>
                  <Table.Th scope="col">{t('deliveries.target.record')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {customer.images.map((target) => (
                  <Table.Tr
                    key={target.source}
                    data-testid="delivery-target"
                    data-ref={target.ref}
                    data-status={target.status}
                  >
                    <Table.Td>
                      <Stack gap={2}>
                        <Text size="sm" ff="monospace" className={classes.wrapAnywhere}>
                          {target.ref}
                        </Text>
                        {target.digest && (
                          <Digest
                            digest={target.digest}
                            size="xs"
                            testId="delivery-target-digest"
                          />
                        )}
                        {target.error && (
                          <Text size="xs" c="red" data-testid="delivery-target-error">
                            <EngineText text={target.error} />
                          </Text>
                        )}
                      </Stack>
                    </Table.Td>
                    <Table.Td>
                      <TargetStatusBadge status={target.status} />
                    </Table.Td>
                    <Table.Td>
                      <YesNo value={target.signed} testId="delivery-target-signed" />
                    </Table.Td>
                    <Table.Td>
                      <YesNo value={target.verified} testId="delivery-target-verified" />
                    </Table.Td>
                    <Table.Td>
                      {target.record ? (
                        <Group gap={2} wrap="nowrap">
                          <Text
                            size="xs"
                            ff="monospace"
                            maw={200}
                            truncate="start"
                            title={target.record}
                            data-testid="delivery-target-record"
                          >
                            {target.record}
                          </Text>
                          <CopyIconButton
                            value={target.record}
                            label={t('deliveries.target.copyRecord')}
                            copiedHint={t('deliveries.target.recordCopied')}
                          />
                        </Group>
                      ) : (
                        <Text size="sm" c="dimmed">
                          —
                        </Text>
                      )}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Stack>
    </Paper>
  );
}
