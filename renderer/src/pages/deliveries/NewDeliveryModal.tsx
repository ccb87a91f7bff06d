import {
  Alert,
  Badge,
  Button,
  Collapse,
  Group,
  Loader,
  MultiSelect,
  Paper,
  Progress,
  Stack,
  Stepper,
  Table,
  Text,
  UnstyledButton,
} from '@mantine/core';
import {
  IconChevronDown,
  IconChevronRight,
  IconInfoCircle,
  IconListCheck,
  IconPlayerStop,
  IconSend,
  IconShieldX,
} from '@tabler/icons-react';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Customer, DeliveryCustomer, DeliveryPlan } from '../../../../shared/contract';
import { DialogForm } from '../../components/DialogForm';
import { DialogModal } from '../../components/DialogModal';
import { Digest } from '../../components/Digest';
import { ErrorAlert } from '../../components/ErrorAlert';
import { useSigningKey } from '../../components/SigningKeySelect';
import { formatBytes } from '../../lib/format';
import { useStore } from '../../store';
import { destinationTotals, type BlobProgress } from '../../store/copy';
import { customerProgressStatus, layersInPlace, type DeliveryStep } from '../../store/deliveries';
import { CustomerTargets, ImagesTable } from './DeliveryDrawer';
import {
  checkDeliveryForm,
  customerChoices,
  deliveryRequest,
  emptyDeliveryForm,
  formFromRequest,
  isEntitled,
  productOf,
  type DeliveryFormValues,
} from './deliveryForm';
import { askNotificationPermission, notifyLongRun } from './notify';
import { CustomerStatusBadge, DeliveryStatusBadge, TargetStatusBadge, VerdictBadge } from './parts';
import { ReleaseFields } from './ReleaseFields';
import classes from './DeliveriesPage.module.css';

const STEPS: DeliveryStep[] = ['form', 'plan', 'run', 'done'];

/**
 * New delivery: the release and where it goes, then the checked plan (scan verdicts and gate),
 * then the live run per customer and layer, then what was delivered and verified. A resumed
 * delivery shows its run and outcome here too.
 */
export function NewDeliveryModal() {
  const { t } = useTranslation();
  const flow = useStore((state) => state.deliveries.flow);
  const closeFlow = useStore((state) => state.deliveries.closeFlow);
  const busy = flow.planning || flow.step === 'run';
  useLongRunNotification();

  return (
    <DialogModal
      opened={flow.open}
      busy={busy}
      onClose={closeFlow}
      title={t('deliveries.flow.title')}
      size="56rem"
      testId="delivery-flow"
    >
      <Stack gap="lg" data-testid="delivery-flow-body" data-step={flow.step}>
        <Stepper active={STEPS.indexOf(flow.step)} size="sm" allowNextStepsSelect={false}>
          <Stepper.Step label={t('deliveries.flow.step.form')} />
          <Stepper.Step label={t('deliveries.flow.step.plan')} />
          <Stepper.Step label={t('deliveries.flow.step.run')} />
          <Stepper.Step label={t('deliveries.flow.step.done')} />
        </Stepper>
        {flow.step === 'form' && <FormStep />}
        {flow.step === 'plan' && flow.plan && <PlanStep plan={flow.plan} />}
        {flow.step === 'run' && <RunStep />}
        {flow.step === 'done' && <DoneStep />}
      </Stack>
    </DialogModal>
  );
}

/** Tells the desktop when a long run ends, for someone who went on with other work. */
function useLongRunNotification() {
  const { t } = useTranslation();
  const endedAt = useStore((state) => state.deliveries.flow.endedAt);
  useEffect(() => {
    const { flow } = useStore.getState().deliveries;
    if (endedAt === null || flow.startedAt === null) return;
    const status = flow.live?.status;
    const release = flow.live?.release ?? flow.request?.release ?? '';
    notifyLongRun(
      endedAt - flow.startedAt,
      t('deliveries.notification.title', { release }),
      status
        ? t('deliveries.notification.body', { status: t(`deliveries.status.${status}`) })
        : t('deliveries.notification.failed'),
    );
  }, [endedAt, t]);
}

type FieldName = keyof ReturnType<typeof checkDeliveryForm>;

function FormStep() {
  const { t } = useTranslation();
  const flow = useStore((state) => state.deliveries.flow);
  const plan = useStore((state) => state.deliveries.plan);
  const cancel = useStore((state) => state.deliveries.cancel);
  const closeFlow = useStore((state) => state.deliveries.closeFlow);
  const customers = useStore((state) => state.customers);
  const loadCustomers = customers.load;
  const navigate = useStore((state) => state.ui.navigate);
  const picker = useSigningKey(true);
  // Back from the plan, the key chosen before is the starting choice.
  const signing = {
    ...picker,
    chosen: picker.chosen ?? picker.active.find((key) => key.id === flow.request?.keyId),
  };
  const [values, setValues] = useState<DeliveryFormValues>(() =>
    flow.request ? formFromRequest(flow.request) : emptyDeliveryForm(),
  );
  const [attempted, setAttempted] = useState(false);

  useEffect(() => {
    void loadCustomers();
  }, [loadCustomers]);

  const keyId = signing.chosen?.id ?? null;
  const current = { ...values, keyId };
  const problems = checkDeliveryForm(current);
  const problem = (field: FieldName) => {
    const found = problems[field];
    return attempted && found ? t(`deliveries.form.problem.${found}`) : undefined;
  };
  const set = <K extends keyof DeliveryFormValues>(field: K, value: DeliveryFormValues[K]) =>
    setValues((previous) => ({ ...previous, [field]: value }));
  const product = productOf(values.release);
  const unentitled = values.customers.filter((name) => {
    const customer = customers.items.find((item) => item.name === name);
    return customer && !isEntitled(customer, values.release);
  });

  return (
    <DialogForm
      onSubmit={async () => {
        setAttempted(true);
        const request = deliveryRequest(current);
        if (request) await plan(request);
      }}
      busy={flow.planning}
      onCancel={closeFlow}
      label={t('deliveries.form.check')}
      busyLabel={t('deliveries.form.checking')}
      icon={<IconListCheck size={16} aria-hidden />}
      testId="delivery-plan"
    >
      <Text size="sm" c="dimmed">
        {t('deliveries.form.intro')}
      </Text>
      <ReleaseFields
        texts="deliveries.form"
        values={values}
        onChange={set}
        errors={{
          release: problem('release'),
          images: problem('images'),
          keyId: problem('keyId'),
        }}
        signing={signing}
        onGoToKeys={() => {
          closeFlow();
          navigate('keys');
        }}
        disabled={flow.planning}
        testIds={{
          release: 'delivery-release',
          images: 'delivery-images-input',
          key: 'delivery',
          policy: 'delivery-policy',
        }}
        placeholders={{
          images: t('deliveries.form.imagesPlaceholder'),
          policy: t('deliveries.form.policyPlaceholder'),
        }}
      >
        <MultiSelect
          label={t('deliveries.form.customers')}
          description={
            product
              ? t('deliveries.form.customersHint', { product })
              : t('deliveries.form.customersHintNoProduct')
          }
          placeholder={
            customers.items.length === 0 && customers.loaded
              ? t('deliveries.form.noCustomers')
              : t('deliveries.form.customersPlaceholder')
          }
          data={customerChoices(customers.items)}
          renderOption={({ option }) => (
            <CustomerOption
              customer={customers.items.find((item) => item.name === option.value)}
              release={values.release}
            />
          )}
          value={values.customers}
          onChange={(names) => set('customers', names)}
          error={problem('customers')}
          disabled={flow.planning}
          searchable
          required
          data-testid="delivery-customers"
        />
        {customers.error && (
          <ErrorAlert error={customers.error} testId="delivery-customers-error" />
        )}
        {unentitled.length > 0 && (
          <Alert
            color="orange"
            variant="light"
            icon={<IconInfoCircle aria-hidden />}
            data-testid="delivery-unentitled"
          >
            {t('deliveries.form.unentitled', { names: unentitled.join(', '), product })}
          </Alert>
        )}
      </ReleaseFields>
      {flow.planning && (
        <PlanningProgress
          layers={flow.scanning}
          cancelling={flow.cancelling}
          onCancel={() => void cancel()}
        />
      )}
      {flow.error && <ErrorAlert error={flow.error} testId="delivery-plan-error" />}
    </DialogForm>
  );
}

function CustomerOption({ customer, release }: { customer?: Customer; release: string }) {
  const { t } = useTranslation();
  if (!customer) return null;
  const entitled = isEntitled(customer, release);
  return (
    <Group justify="space-between" wrap="nowrap" w="100%" gap="sm">
      <Stack gap={0}>
        <Text size="sm">{customer.name}</Text>
        <Text size="xs" c="dimmed" ff="monospace">
          {customer.registry}/{customer.namespace}
        </Text>
      </Stack>
      {productOf(release) && (
        <Badge color={entitled ? 'teal' : 'orange'} variant="light" radius="sm" size="sm">
          {entitled ? t('deliveries.entitled') : t('deliveries.notEntitled')}
        </Badge>
      )}
    </Group>
  );
}

/** While the plan resolves and scans: how much of the images' layers has been read. */
function PlanningProgress({
  layers,
  cancelling,
  onCancel,
}: {
  layers: Record<string, BlobProgress>;
  cancelling: boolean;
  /** Offers Stop; without it, the run's own Cancel applies. */
  onCancel?: () => void;
}) {
  const { t, i18n } = useTranslation();
  const totals = destinationTotals(layers);
  const percent = totals.total > 0 ? Math.floor((totals.done / totals.total) * 100) : 0;
  return (
    <Paper withBorder radius="md" p="sm" data-testid="delivery-planning" aria-live="polite">
      <Stack gap={6}>
        <Group gap="sm" justify="space-between">
          <Group gap="sm">
            <Loader size="xs" aria-hidden />
            <Text size="sm">
              {cancelling ? t('deliveries.form.cancelling') : t('deliveries.form.planning')}
            </Text>
          </Group>
          {onCancel && (
            <Button
              variant="subtle"
              color="red"
              size="compact-sm"
              onClick={onCancel}
              disabled={cancelling}
              data-testid="delivery-plan-cancel"
            >
              {t('deliveries.form.stop')}
            </Button>
          )}
        </Group>
        {totals.blobs > 0 && (
          <>
            <Progress
              value={percent}
              size="sm"
              radius="xl"
              aria-label={t('deliveries.form.planning')}
            />
            <Text size="xs" c="dimmed" className={classes.tabular}>
              {t('deliveries.layers', { finished: totals.finished, count: totals.blobs })} ·{' '}
              {formatBytes(totals.done, i18n.language)} / {formatBytes(totals.total, i18n.language)}
            </Text>
          </>
        )}
      </Stack>
    </Paper>
  );
}

function PlanStep({ plan }: { plan: DeliveryPlan }) {
  const { t } = useTranslation();
  const edit = useStore((state) => state.deliveries.edit);
  const start = useStore((state) => state.deliveries.start);
  const blocked = plan.gate === 'block';
  const refused = plan.customers.filter((customer) => !customer.entitled);
  return (
    <Stack gap="md" data-testid="delivery-plan-view" data-gate={plan.gate}>
      <Group gap="sm">
        <Text fw={600} ff="monospace">
          {plan.release}
        </Text>
        <VerdictBadge verdict={plan.gate} gate testId="delivery-gate" />
      </Group>
      {blocked && (
        <Alert
          color="red"
          variant="light"
          icon={<IconShieldX aria-hidden />}
          title={t('deliveries.plan.blockedTitle')}
          data-testid="delivery-gate-blocked"
        >
          {t('deliveries.plan.blocked')}
        </Alert>
      )}
      <ImagesTable images={plan.images} />
      <Paper withBorder radius="md" className={classes.tablePaper}>
        <Table verticalSpacing="xs" horizontalSpacing="sm" data-testid="delivery-plan-customers">
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">{t('deliveries.plan.customer')}</Table.Th>
              <Table.Th scope="col">{t('deliveries.plan.entitled')}</Table.Th>
              <Table.Th scope="col">{t('deliveries.plan.destinations')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {plan.customers.map((customer) => (
              <Table.Tr
                key={customer.name}
                data-testid="delivery-plan-customer"
                data-customer={customer.name}
                data-entitled={customer.entitled}
              >
                <Table.Td>
                  <Text size="sm" fw={500}>
                    {customer.name}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Badge color={customer.entitled ? 'teal' : 'red'} variant="light" radius="sm">
                    {customer.entitled ? t('deliveries.entitled') : t('deliveries.refused')}
                  </Badge>
                </Table.Td>
                <Table.Td>
                  {customer.entitled ? (
                    <Stack gap={2}>
                      {customer.refs.map((ref) => (
                        <Text
                          key={ref}
                          size="xs"
                          ff="monospace"
                          className={classes.wrapAnywhere}
                          data-testid="delivery-plan-ref"
                        >
                          {ref}
                        </Text>
                      ))}
                    </Stack>
                  ) : (
                    <Text size="xs" c="dimmed">
                      {t('deliveries.plan.refusedHint', { product: productOf(plan.release) })}
                    </Text>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Paper>
      {!blocked && refused.length > 0 && (
        <Text size="sm" c="dimmed">
          {t('deliveries.plan.someRefused', { count: refused.length })}
        </Text>
      )}
      <Group justify="flex-end" gap="sm">
        <Button variant="default" onClick={edit} data-testid="delivery-back">
          {t('deliveries.plan.back')}
        </Button>
        <Button
          leftSection={<IconSend size={16} aria-hidden />}
          disabled={blocked}
          title={blocked ? t('deliveries.plan.blockedShort') : undefined}
          onClick={() => {
            askNotificationPermission();
            void start();
          }}
          data-testid="delivery-start"
        >
          {t('deliveries.plan.deliver')}
        </Button>
      </Group>
    </Stack>
  );
}

function RunStep() {
  const { t } = useTranslation();
  const flow = useStore((state) => state.deliveries.flow);
  const cancel = useStore((state) => state.deliveries.cancel);
  const names =
    flow.live?.customers.map((customer) => customer.name) ?? flow.request?.customers ?? [];
  return (
    <Stack gap="md" data-testid="delivery-run">
      <Alert variant="light" color="indigo" icon={<IconInfoCircle aria-hidden />} py="xs">
        <Text size="sm">{t('deliveries.run.note')}</Text>
      </Alert>
      {/* The run checks the images again (from the scan cache when unchanged) before any push. */}
      {!flow.live?.gate && <PlanningProgress layers={flow.scanning} cancelling={flow.cancelling} />}
      {names.map((name) => (
        <CustomerProgress
          key={name}
          name={name}
          customer={flow.live?.customers.find((customer) => customer.name === name)}
          blobs={flow.progress[name]}
        />
      ))}
      <Group justify="flex-end">
        <Button
          variant="light"
          color="red"
          leftSection={<IconPlayerStop size={16} aria-hidden />}
          loading={flow.cancelling}
          loaderProps={{ 'aria-label': t('deliveries.run.cancelling') }}
          onClick={() => void cancel()}
          data-testid="delivery-cancel"
        >
          {t('deliveries.run.cancel')}
        </Button>
      </Group>
    </Stack>
  );
}

function CustomerProgress({
  name,
  customer,
  blobs,
}: {
  name: string;
  customer: DeliveryCustomer | undefined;
  blobs: Record<string, BlobProgress> | undefined;
}) {
  const { t, i18n } = useTranslation();
  const [showLayers, setShowLayers] = useState(false);
  const totals = destinationTotals(blobs);
  const status = customer ? customerProgressStatus(customer) : 'pending';
  // Layers the registry already had (or mounted) send no progress: the copy is done all the same.
  const copied = customer ? layersInPlace(customer) : false;
  const finished = status === 'delivered' || status === 'refused';
  const percent =
    finished || (copied && totals.blobs === 0)
      ? 100
      : totals.total > 0
        ? Math.floor((totals.done / totals.total) * 100)
        : 0;
  const active = status === 'running';
  const list = Object.values(blobs ?? {});
  return (
    <Paper
      withBorder
      radius="md"
      p="md"
      data-testid="delivery-run-customer"
      data-customer={name}
      data-status={status}
    >
      <Stack gap="sm">
        <Group justify="space-between">
          <Text fw={600}>{name}</Text>
          <CustomerStatusBadge status={status} />
        </Group>
        <Progress
          value={percent}
          color={status === 'failed' ? 'red' : finished ? 'teal' : 'indigo'}
          size="md"
          radius="xl"
          striped={active}
          animated={active}
          aria-label={t('deliveries.run.progressLabel', { name })}
          data-testid="delivery-run-progress"
          data-percent={percent}
        />
        <Group justify="space-between" gap="xs">
          <Text size="xs" c="dimmed">
            {totals.blobs === 0
              ? status === 'refused'
                ? t('deliveries.customerStatus.refused')
                : copied
                  ? t('deliveries.run.nothingToUpload')
                  : t('deliveries.run.waiting')
              : t('deliveries.layers', { finished: totals.finished, count: totals.blobs })}
          </Text>
          {totals.total > 0 && (
            <Text size="xs" c="dimmed" className={classes.tabular}>
              {formatBytes(totals.done, i18n.language)} / {formatBytes(totals.total, i18n.language)}{' '}
              · {percent}%
            </Text>
          )}
        </Group>
        {customer && customer.images.length > 0 && (
          <Stack gap={4}>
            {customer.images.map((target) => (
              <Group key={target.source} justify="space-between" wrap="nowrap" gap="sm">
                <Text size="xs" ff="monospace" className={classes.wrapAnywhere}>
                  {target.ref}
                </Text>
                <TargetStatusBadge status={target.status} />
              </Group>
            ))}
          </Stack>
        )}
        {list.length > 0 && (
          <>
            <UnstyledButton
              onClick={() => setShowLayers((shown) => !shown)}
              aria-expanded={showLayers}
              data-testid="delivery-layers-toggle"
            >
              <Group gap={4}>
                {showLayers ? (
                  <IconChevronDown size={14} aria-hidden />
                ) : (
                  <IconChevronRight size={14} aria-hidden />
                )}
                <Text size="xs" fw={500} span>
                  {t('deliveries.run.showLayers', { count: list.length })}
                </Text>
              </Group>
            </UnstyledButton>
            <Collapse expanded={showLayers}>
              <Stack gap={4} data-testid="delivery-layers">
                {list.map((blob) => (
                  <Group key={blob.digest} gap="sm" wrap="nowrap" data-state={blob.state}>
                    <Digest digest={blob.digest} size="xs" />
                    <Progress
                      value={blob.total > 0 ? Math.floor((blob.done / blob.total) * 100) : 0}
                      color={
                        blob.state === 'failed' ? 'red' : blob.state === 'done' ? 'teal' : 'indigo'
                      }
                      size="sm"
                      className={classes.grow}
                      aria-label={blob.digest}
                    />
                    <Text size="xs" c="dimmed" className={classes.tabular}>
                      {formatBytes(blob.total, i18n.language)}
                    </Text>
                  </Group>
                ))}
              </Stack>
            </Collapse>
          </>
        )}
      </Stack>
    </Paper>
  );
}

function DoneStep() {
  const { t } = useTranslation();
  const flow = useStore((state) => state.deliveries.flow);
  const closeFlow = useStore((state) => state.deliveries.closeFlow);
  const select = useStore((state) => state.deliveries.select);
  const delivery = flow.live;
  const verified = delivery?.customers.every(
    (customer) =>
      customer.status === 'refused' || customer.images.every((target) => target.verified),
  );
  return (
    <Stack gap="md" data-testid="delivery-done" data-status={delivery?.status}>
      {flow.error && <ErrorAlert error={flow.error} testId="delivery-run-error" />}
      {delivery && (
        <>
          <Group gap="sm">
            <Text fw={600} ff="monospace">
              {delivery.release}
            </Text>
            <DeliveryStatusBadge status={delivery.status} testId="delivery-done-status" />
            {delivery.status === 'delivered' && verified && (
              <Badge color="teal" variant="outline" radius="sm" data-testid="delivery-all-verified">
                {t('deliveries.done.verified')}
              </Badge>
            )}
          </Group>
          {delivery.error && (
            <Text size="sm" c="red">
              {delivery.error}
            </Text>
          )}
          {delivery.customers.map((customer) => (
            <CustomerTargets key={customer.id} customer={customer} busy={false} />
          ))}
        </>
      )}
      <Group justify="flex-end" gap="sm">
        {delivery && (
          <Button
            variant="default"
            onClick={() => {
              closeFlow();
              select(delivery.id);
            }}
            data-testid="delivery-show"
          >
            {t('deliveries.done.show')}
          </Button>
        )}
        <Button onClick={closeFlow} data-testid="delivery-close">
          {t('common.close')}
        </Button>
      </Group>
    </Stack>
  );
}
