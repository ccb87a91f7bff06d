import {
  ActionIcon,
  Alert,
  Badge,
  Button,
  Checkbox,
  Collapse,
  Group,
  Loader,
  Modal,
  Paper,
  Progress,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
  Tooltip,
  UnstyledButton,
} from '@mantine/core';
import {
  IconChevronDown,
  IconChevronRight,
  IconInfoCircle,
  IconPlus,
  IconSearch,
  IconSend,
  IconTrash,
} from '@tabler/icons-react';
import { useState } from 'react';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import type { CopyResult } from '../../../../shared/contract';
import { Digest } from '../../components/Digest';
import { ErrorAlert, EngineText, Remedy } from '../../components/ErrorAlert';
import { formatBytes, formatNumber } from '../../lib/format';
import { checkDestinations, type DestinationCheck } from '../../lib/reference';
import { useStore } from '../../store';
import { destinationTotals, type BlobProgress } from '../../store/copy';
import classes from './ImagesPage.module.css';

type DestinationResult = CopyResult['destinations'][number];
type DestinationStatus = DestinationResult['status'] | 'pending' | 'running';

const statusColor: Record<DestinationStatus, string> = {
  pending: 'gray',
  running: 'indigo',
  copied: 'teal',
  unchanged: 'teal',
  conflict: 'orange',
  failed: 'red',
};

/** Copies one image to one or more registries, with live progress per destination. */
export function CopyDialog() {
  const { t } = useTranslation();
  const source = useStore((state) => state.copy.source);
  const phase = useStore((state) => state.copy.phase);
  const close = useStore((state) => state.copy.close);
  const running = phase === 'running';

  return (
    <Modal
      closeButtonProps={{ 'aria-label': t('common.closeDialog') }}
      opened={source !== null}
      onClose={close}
      size="xl"
      padding="lg"
      closeOnClickOutside={!running}
      closeOnEscape={!running}
      withCloseButton={!running}
      title={
        <Title order={2} fz="h3" fw={600}>
          {t('copy.title')}
        </Title>
      }
      data-testid="copy-dialog"
    >
      {source !== null && (
        <div data-testid="copy-body" data-phase={phase}>
          {phase === 'editing' ? <CopyForm source={source} /> : <CopyRun />}
        </div>
      )}
    </Modal>
  );
}

function CopyForm({ source }: { source: string }) {
  const { t } = useTranslation();
  const copy = useStore((state) => state.copy);
  const checks = checkDestinations(copy.destinations.map((row) => row.value));
  const example = t('copy.example');

  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        void copy.start();
      }}
      noValidate
    >
      <Stack gap="lg">
        <TextInput
          label={t('copy.source')}
          description={t('copy.sourceHint')}
          value={source}
          readOnly
          classNames={{ input: classes.monoInput }}
          data-testid="copy-source"
        />

        <Stack gap="xs" component="fieldset" className={classes.fieldset}>
          <Text component="legend" size="sm" fw={500}>
            {t('copy.destinations')}
          </Text>
          <Text size="xs" c="dimmed" mt={-4}>
            {t('copy.destinationsHint')}
          </Text>
          {copy.destinations.map((row, position) => {
            const check = checks[position]!;
            const touched = copy.attempted || row.value.trim() !== '';
            const problem = !check.ok && touched ? problemText(check, t, example) : null;
            const number = position + 1;
            return (
              <Group key={row.key} gap="xs" align="flex-start" wrap="nowrap">
                <TextInput
                  className={classes.grow}
                  aria-label={t('copy.destinationLabel', { number })}
                  placeholder={t('copy.destinationPlaceholder')}
                  value={row.value}
                  onChange={(event) => copy.setDestination(row.key, event.currentTarget.value)}
                  error={problem}
                  classNames={{ input: classes.monoInput }}
                  spellCheck={false}
                  autoComplete="off"
                  data-testid="copy-destination"
                  data-autofocus={position === 0 ? true : undefined}
                />
                <Tooltip label={t('copy.removeDestination', { number })} withArrow>
                  <ActionIcon
                    variant="subtle"
                    color="gray"
                    size={36}
                    onClick={() => copy.removeDestination(row.key)}
                    aria-label={t('copy.removeDestination', { number })}
                    disabled={copy.destinations.length === 1 && row.value === ''}
                  >
                    <IconTrash size={16} aria-hidden />
                  </ActionIcon>
                </Tooltip>
              </Group>
            );
          })}
          <Group>
            <Button
              variant="subtle"
              size="compact-sm"
              leftSection={<IconPlus size={14} aria-hidden />}
              onClick={copy.addDestination}
              data-testid="copy-add-destination"
            >
              {t('copy.addDestination')}
            </Button>
          </Group>
        </Stack>

        <Checkbox
          label={t('copy.overwrite')}
          description={t('copy.overwriteHint')}
          checked={copy.overwrite}
          onChange={(event) => copy.setOverwrite(event.currentTarget.checked)}
          data-testid="copy-overwrite"
        />

        <Group justify="flex-end" gap="sm">
          <Button variant="default" onClick={copy.close}>
            {t('common.cancel')}
          </Button>
          <Button
            type="submit"
            leftSection={<IconSend size={16} aria-hidden />}
            data-testid="copy-start"
          >
            {t('copy.start')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function problemText(
  check: Extract<DestinationCheck, { ok: false }>,
  t: TFunction,
  example: string,
): string {
  return t(PROBLEM_MESSAGES[check.problem], { example });
}

/** Each problem's message, named in full so the translation keys stay checked. */
const PROBLEM_MESSAGES = {
  empty: 'copy.invalid.empty',
  transport: 'copy.invalid.transport',
  host: 'copy.invalid.host',
  repository: 'copy.invalid.repository',
  tag: 'copy.invalid.tag',
  digest: 'copy.invalid.digest',
  duplicate: 'copy.invalid.duplicate',
} as const satisfies Record<Extract<DestinationCheck, { ok: false }>['problem'], string>;

function CopyRun() {
  const { t } = useTranslation();
  const copy = useStore((state) => state.copy);
  const openInspector = useStore((state) => state.inspector.open);
  const running = copy.phase === 'running';

  return (
    <Stack gap="lg">
      <Stack gap={2}>
        <Text size="xs" c="dimmed" fw={500} tt="uppercase">
          {t('copy.source')}
        </Text>
        <Text size="sm" ff="monospace" className={classes.wrapAnywhere}>
          {copy.source}
        </Text>
        {copy.result && (
          <Group gap={6}>
            <Text size="sm" c="dimmed">
              {t('inspector.digest')}
            </Text>
            <Digest digest={copy.result.digest} full copyable testId="copy-digest" />
          </Group>
        )}
      </Stack>

      {running && (
        <Alert variant="light" color="indigo" icon={<IconInfoCircle aria-hidden />} py="xs">
          <Text size="sm">{t('copy.runningNote')}</Text>
        </Alert>
      )}
      {copy.error && <ErrorAlert error={copy.error} testId="copy-error" />}

      <Stack gap="sm">
        {copy.targets.map((target, position) => {
          const result =
            copy.result?.destinations.find((destination) => destination.ref === target) ??
            copy.result?.destinations[position];
          return (
            <DestinationProgress
              key={target}
              destination={target}
              blobs={copy.progress[target]}
              running={running}
              failed={copy.error !== null}
              result={result}
              onInspect={() => {
                copy.close();
                void openInspector(target);
              }}
            />
          );
        })}
      </Stack>

      <Group justify="flex-end" gap="sm">
        {running ? (
          <Button
            variant="light"
            leftSection={<Loader size={14} aria-hidden />}
            aria-disabled
            data-testid="copy-running"
          >
            {t('copy.running')}
          </Button>
        ) : (
          <>
            <Button variant="default" onClick={copy.edit} data-testid="copy-edit">
              {t('copy.copyAgain')}
            </Button>
            <Button onClick={copy.close} data-testid="copy-close">
              {t('common.close')}
            </Button>
          </>
        )}
      </Group>
    </Stack>
  );
}

function DestinationProgress({
  destination,
  blobs,
  running,
  failed,
  result,
  onInspect,
}: {
  destination: string;
  blobs: Record<string, BlobProgress> | undefined;
  running: boolean;
  failed: boolean;
  result: DestinationResult | undefined;
  onInspect: () => void;
}) {
  const { t, i18n } = useTranslation();
  const locale = i18n.language;
  const [showBlobs, setShowBlobs] = useState(false);
  const totals = destinationTotals(blobs);
  const status: DestinationStatus = result?.status ?? (running ? 'running' : 'pending');
  const reached = totals.total > 0 ? Math.floor((totals.done / totals.total) * 100) : 0;
  // With nothing left to upload (every blob already there) a finished copy is complete.
  const percent =
    totals.blobs === 0 && (status === 'copied' || status === 'unchanged') ? 100 : reached;
  const color =
    status === 'failed' || (status === 'running' && totals.failed > 0)
      ? 'red'
      : status === 'conflict'
        ? 'orange'
        : status === 'copied' || status === 'unchanged'
          ? 'teal'
          : 'indigo';
  const list = Object.values(blobs ?? {});

  return (
    <Paper
      withBorder
      radius="md"
      p="md"
      data-testid="copy-destination-progress"
      data-destination={destination}
      data-status={status}
    >
      <Stack gap="sm">
        <Group justify="space-between" wrap="nowrap" align="flex-start">
          <Text size="sm" ff="monospace" fw={500} className={classes.wrapAnywhere}>
            {destination}
          </Text>
          <Group gap="xs" wrap="nowrap" className={classes.noShrink}>
            {result && (result.status === 'copied' || result.status === 'unchanged') && (
              <Button
                variant="subtle"
                size="compact-sm"
                leftSection={<IconSearch size={14} aria-hidden />}
                onClick={onInspect}
              >
                {t('copy.inspectDestination')}
              </Button>
            )}
            <Badge
              color={statusColor[status]}
              variant="light"
              radius="sm"
              data-testid="copy-status"
              data-status={status}
            >
              {t(`copy.status.${status}`)}
            </Badge>
          </Group>
        </Group>

        {!(totals.blobs === 0 && (status === 'conflict' || status === 'failed')) && (
          <Stack gap={4}>
            <Progress
              value={percent}
              color={color}
              size="md"
              radius="xl"
              striped={running && status === 'running'}
              animated={running && status === 'running'}
              aria-label={t('copy.progressLabel', { destination })}
              data-testid="copy-progress"
              data-percent={percent}
            />
            <Group justify="space-between" gap="xs">
              <Text size="xs" c="dimmed" data-testid="copy-progress-text">
                {totals.blobs === 0
                  ? running
                    ? t('copy.waiting')
                    : result && !failed
                      ? t('copy.nothingToUpload')
                      : ''
                  : t('copy.blobCount', { finished: totals.finished, count: totals.blobs })}
              </Text>
              {totals.total > 0 && (
                <Text size="xs" c="dimmed" className={classes.tabular}>
                  {t('copy.bytes', {
                    done: formatBytes(totals.done, locale),
                    total: formatBytes(totals.total, locale),
                  })}{' '}
                  · {percent}%
                </Text>
              )}
            </Group>
          </Stack>
        )}

        {result && result.status !== 'failed' && result.status !== 'conflict' && (
          <ResultCounts result={result} />
        )}

        {result?.error && (
          <Alert
            color={result.status === 'conflict' ? 'orange' : 'red'}
            variant="light"
            data-testid="copy-destination-error"
            data-code={result.error.code}
          >
            <Stack gap="xs">
              <Text size="sm" data-testid="error-message">
                <EngineText text={result.error.message} />
              </Text>
              {result.error.remedy && <Remedy remedy={result.error.remedy} />}
              {result.status === 'conflict' && (
                <Text size="sm" c="dimmed" data-testid="copy-conflict-hint">
                  {t('copy.conflictHint')}
                </Text>
              )}
            </Stack>
          </Alert>
        )}

        {list.length > 0 && (
          <>
            <UnstyledButton
              onClick={() => setShowBlobs((shown) => !shown)}
              aria-expanded={showBlobs}
              className={classes.disclosure}
              data-testid="copy-blobs-toggle"
            >
              {showBlobs ? (
                <IconChevronDown size={14} aria-hidden />
              ) : (
                <IconChevronRight size={14} aria-hidden />
              )}
              <Text size="xs" fw={500} span>
                {t('copy.blobs.show', { count: list.length })}
              </Text>
            </UnstyledButton>
            <Collapse expanded={showBlobs}>
              <BlobTable destination={destination} blobs={list} />
            </Collapse>
          </>
        )}
      </Stack>
    </Paper>
  );
}

const blobStateColor: Record<BlobProgress['state'], string> = {
  queued: 'gray',
  running: 'indigo',
  done: 'teal',
  failed: 'red',
  cancelled: 'gray',
};

function BlobTable({ destination, blobs }: { destination: string; blobs: BlobProgress[] }) {
  const { t, i18n } = useTranslation();
  return (
    <Table
      verticalSpacing={4}
      horizontalSpacing="sm"
      fz="xs"
      aria-label={t('copy.blobs.caption', { destination })}
      data-testid="copy-blobs"
    >
      <Table.Thead>
        <Table.Tr>
          <Table.Th scope="col">{t('copy.blobs.digest')}</Table.Th>
          <Table.Th scope="col" className={classes.numeric}>
            {t('copy.blobs.size')}
          </Table.Th>
          <Table.Th scope="col" w={180}>
            {t('copy.blobs.state')}
          </Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {blobs.map((blob) => (
          <Table.Tr key={blob.digest} data-testid="copy-blob" data-state={blob.state}>
            <Table.Td>
              <Digest digest={blob.digest} size="xs" />
            </Table.Td>
            <Table.Td className={`${classes.numeric} ${classes.nowrap}`}>
              {formatBytes(blob.total, i18n.language)}
            </Table.Td>
            <Table.Td>
              <Group gap="xs" wrap="nowrap">
                <Badge size="xs" variant="light" color={blobStateColor[blob.state]} radius="sm">
                  {t(`copy.blobState.${blob.state}`)}
                </Badge>
                {blob.state === 'running' && blob.total > 0 && (
                  <Progress
                    value={Math.floor((blob.done / blob.total) * 100)}
                    size="xs"
                    className={classes.grow}
                  />
                )}
              </Group>
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

function ResultCounts({ result }: { result: DestinationResult }) {
  const { t, i18n } = useTranslation();
  const locale = i18n.language;
  const counts: { key: string; label: string; value: string; hint?: string }[] = [
    {
      key: 'uploaded',
      label: t('copy.counts.uploaded'),
      value: formatNumber(result.blobsUploaded, locale),
    },
    {
      key: 'mounted',
      label: t('copy.counts.mounted'),
      value: formatNumber(result.blobsMounted, locale),
    },
    {
      key: 'present',
      label: t('copy.counts.present'),
      value: formatNumber(result.blobsPresent, locale),
    },
    {
      key: 'bytes',
      label: t('copy.counts.bytes'),
      value: formatBytes(result.bytesUploaded, locale),
    },
    {
      key: 'artifacts',
      label: t('copy.counts.artifacts'),
      hint: t('copy.counts.artifactsHint'),
      value: formatNumber(result.artifacts, locale),
    },
  ];
  return (
    <Stack gap={6}>
      <SimpleGrid cols={5} spacing="xs" data-testid="copy-result-counts">
        {counts.map((count) => (
          <Stack key={count.key} gap={0} data-testid={`copy-count-${count.key}`} title={count.hint}>
            <Text size="xs" c="dimmed">
              {count.label}
            </Text>
            <Text size="sm" fw={600} className={classes.tabular} data-value={count.value}>
              {count.value}
            </Text>
          </Stack>
        ))}
      </SimpleGrid>
      <Group gap={6}>
        <Text size="xs" c="dimmed">
          {t('inspector.digest')}
        </Text>
        <Digest digest={result.digest} size="xs" testId="copy-destination-digest" />
      </Group>
    </Stack>
  );
}
