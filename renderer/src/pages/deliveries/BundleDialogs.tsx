/**
 * Offline delivery bundles from the Deliveries page: "Export bundle…" writes a release, scanned,
 * judged, signed and attested, into one signed file for a machine that can reach the customers;
 * "Import bundle…" checks such a file and delivers it to chosen customers.
 */
import { Button, Group, Loader, MultiSelect, Stack, Table, Text, TextInput } from '@mantine/core';
import { IconFileExport, IconFileImport, IconPlayerStop } from '@tabler/icons-react';
import { useEffect, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { Delivery, ResponseOf } from '../../../../shared/contract';
import { call, subscribe, toApiError, type ApiError } from '../../api';
import { DialogForm } from '../../components/DialogForm';
import { DialogModal } from '../../components/DialogModal';
import { Digest } from '../../components/Digest';
import { ErrorAlert } from '../../components/ErrorAlert';
import { SavedFileView } from '../../components/SavedFileView';
import { useSigningKey } from '../../components/SigningKeySelect';
import { useStore } from '../../store';
import { checkReleaseFields, customerChoices, imageLines } from './deliveryForm';
import { CustomerStatusBadge, DeliveryStatusBadge, YesNo } from './parts';
import { ReleaseFields, type ReleaseFieldValues } from './ReleaseFields';
import classes from './DeliveriesPage.module.css';

/** A long request the user can stop: its task id, the step it reports, and Cancel. */
function useBundleTask() {
  const [taskId, setTaskId] = useState<string | null>(null);
  const [step, setStep] = useState<string | null>(null);
  const [cancelling, setCancelling] = useState(false);
  useEffect(() => {
    if (!taskId) return undefined;
    return subscribe('progress', (event) => {
      if (event.taskId === taskId && event.unit === 'items') setStep(event.label);
    });
  }, [taskId]);
  return {
    busy: taskId !== null,
    step,
    cancelling,
    async run<T>(work: (taskId: string) => Promise<T>): Promise<T> {
      const id = crypto.randomUUID();
      setTaskId(id);
      setStep(null);
      setCancelling(false);
      try {
        return await work(id);
      } finally {
        setTaskId(null);
      }
    },
    cancel() {
      if (!taskId) return;
      setCancelling(true);
      void call('tasks.cancel', { taskId }).catch(() => undefined);
    },
  };
}

function TaskProgress({
  task,
  testId,
}: {
  task: ReturnType<typeof useBundleTask>;
  testId: string;
}) {
  const { t } = useTranslation();
  if (!task.busy) return null;
  return (
    <Group justify="space-between" gap="sm" data-testid={testId}>
      <Group gap="sm">
        <Loader size="sm" aria-hidden />
        <Text size="sm">
          {task.cancelling ? t('bundles.cancelling') : (task.step ?? t('bundles.working'))}
        </Text>
      </Group>
      <Button
        variant="default"
        size="compact-sm"
        leftSection={<IconPlayerStop size={14} aria-hidden />}
        onClick={task.cancel}
        disabled={task.cancelling}
        data-testid={`${testId}-cancel`}
      >
        {t('bundles.cancel')}
      </Button>
    </Group>
  );
}

interface ExportValues extends ReleaseFieldValues {
  out: string;
}

const emptyExport: ExportValues = { release: '', images: '', policy: '', out: '' };

/** What is wrong with each field, as message keys under `bundles.export.problem`. */
function exportProblems(values: ExportValues, keyId: string | undefined) {
  return {
    ...checkReleaseFields({ ...values, keyId }),
    out: values.out.trim() ? undefined : ('outRequired' as const),
  };
}

/** A page action that opens its dialog; the dialog mounts afresh, with empty fields, each time. */
function DialogButton({
  icon,
  label,
  testId,
  dialog,
}: {
  icon: ReactNode;
  label: string;
  testId: string;
  dialog: (onClose: () => void) => ReactNode;
}) {
  const [opened, setOpened] = useState(false);
  return (
    <>
      <Button
        variant="default"
        leftSection={icon}
        onClick={() => setOpened(true)}
        data-testid={testId}
      >
        {label}
      </Button>
      {opened && dialog(() => setOpened(false))}
    </>
  );
}

export function BundleExportButton() {
  const { t } = useTranslation();
  return (
    <DialogButton
      icon={<IconFileExport size={16} aria-hidden />}
      label={t('bundles.export.open')}
      testId="bundle-export-open"
      dialog={(onClose) => <BundleExportModal onClose={onClose} />}
    />
  );
}

function BundleExportModal({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation();
  const navigate = useStore((state) => state.ui.navigate);
  const signing = useSigningKey(true);
  const task = useBundleTask();
  const [values, setValues] = useState<ExportValues>(emptyExport);
  const [attempted, setAttempted] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [result, setResult] = useState<ResponseOf<'bundles.export'> | null>(null);
  const keyId = signing.chosen?.id;
  const problems = exportProblems(values, keyId);
  const problem = (field: keyof typeof problems) => {
    const found = problems[field];
    return attempted && found ? t(`bundles.export.problem.${found}`) : undefined;
  };
  const set = (field: keyof ExportValues, value: string) =>
    setValues((previous) => ({ ...previous, [field]: value }));

  const submit = async () => {
    setAttempted(true);
    if (Object.values(problems).some(Boolean) || !keyId) return;
    setError(null);
    try {
      const written = await task.run((taskId) =>
        call('bundles.export', {
          release: values.release.trim(),
          images: imageLines(values.images),
          keyId,
          ...(values.policy.trim() ? { policy: values.policy.trim() } : {}),
          path: values.out.trim(),
          taskId,
        }),
      );
      setResult(written);
    } catch (failure) {
      setError(toApiError('bundles.export', failure));
    }
  };

  return (
    <DialogModal
      opened
      busy={task.busy}
      onClose={onClose}
      title={t('bundles.export.title')}
      testId="bundle-export"
    >
      {result ? (
        <SavedFileView
          message={t('bundles.export.saved', { count: result.images })}
          path={result.out}
          testId="bundle-export-done"
          pathTestId="bundle-export-path"
          onClose={onClose}
          closeTestId="bundle-export-close"
        >
          <Group gap="xs">
            <Text size="sm">{t('bundles.export.digest')}</Text>
            <Digest digest={result.digest} full copyable testId="bundle-export-digest" />
          </Group>
          <Text size="sm" c="dimmed">
            {t('bundles.export.next')}
          </Text>
        </SavedFileView>
      ) : (
        <DialogForm
          onSubmit={submit}
          busy={task.busy}
          onCancel={onClose}
          label={t('bundles.export.submit')}
          busyLabel={t('bundles.export.submitting')}
          icon={<IconFileExport size={16} aria-hidden />}
          testId="bundle-export-submit"
        >
          <Text size="sm" c="dimmed">
            {t('bundles.export.intro')}
          </Text>
          <ReleaseFields
            texts="bundles.export"
            values={values}
            onChange={set}
            errors={{
              release: problem('release'),
              images: problem('images'),
              keyId: problem('keyId'),
            }}
            signing={signing}
            onGoToKeys={() => {
              onClose();
              navigate('keys');
            }}
            disabled={task.busy}
            testIds={{
              release: 'bundle-export-release',
              images: 'bundle-export-images',
              key: 'bundle-export',
              policy: 'bundle-export-policy',
            }}
          />
          <TextInput
            label={t('bundles.export.out')}
            description={t('bundles.export.outHint')}
            placeholder={t('bundles.export.outPlaceholder')}
            value={values.out}
            onChange={(event) => set('out', event.currentTarget.value)}
            error={problem('out')}
            disabled={task.busy}
            required
            spellCheck={false}
            autoComplete="off"
            classNames={{ input: classes.monoInput }}
            data-testid="bundle-export-out"
          />
          <TaskProgress task={task} testId="bundle-export-progress" />
          {error && <ErrorAlert error={error} testId="bundle-export-error" />}
        </DialogForm>
      )}
    </DialogModal>
  );
}

export function BundleImportButton() {
  const { t } = useTranslation();
  return (
    <DialogButton
      icon={<IconFileImport size={16} aria-hidden />}
      label={t('bundles.import.open')}
      testId="bundle-import-open"
      dialog={(onClose) => <BundleImportModal onClose={onClose} />}
    />
  );
}

function BundleImportModal({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation();
  const customers = useStore((state) => state.customers);
  const loadCustomers = customers.load;
  const reloadDeliveries = useStore((state) => state.deliveries.load);
  const select = useStore((state) => state.deliveries.select);
  const task = useBundleTask();
  const [path, setPath] = useState('');
  const [names, setNames] = useState<string[]>([]);
  const [publicKey, setPublicKey] = useState('');
  const [attempted, setAttempted] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [delivery, setDelivery] = useState<Delivery | null>(null);

  useEffect(() => {
    void loadCustomers();
  }, [loadCustomers]);

  const problems = {
    path: path.trim() ? undefined : 'pathRequired',
    customers: names.length ? undefined : 'customersRequired',
  } as const;
  const problem = (field: keyof typeof problems) => {
    const found = problems[field];
    return attempted && found ? t(`bundles.import.problem.${found}`) : undefined;
  };

  const submit = async () => {
    setAttempted(true);
    if (Object.values(problems).some(Boolean)) return;
    setError(null);
    try {
      const done = await task.run((taskId) =>
        call('bundles.import', {
          path: path.trim(),
          customers: names,
          ...(publicKey.trim() ? { publicKeyFile: publicKey.trim() } : {}),
          taskId,
        }),
      );
      setDelivery(done);
    } catch (failure) {
      setError(toApiError('bundles.import', failure));
    } finally {
      void reloadDeliveries();
    }
  };

  return (
    <DialogModal
      opened
      busy={task.busy}
      onClose={onClose}
      title={t('bundles.import.title')}
      size="48rem"
      testId="bundle-import"
    >
      {delivery ? (
        <Stack gap="md" data-testid="bundle-import-done">
          <Group gap="sm">
            <Text size="sm">{t('bundles.import.result', { release: delivery.release })}</Text>
            <DeliveryStatusBadge status={delivery.status} />
          </Group>
          <Table.ScrollContainer minWidth={560}>
            <Table striped withTableBorder data-testid="bundle-import-customers">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('bundles.import.customer')}</Table.Th>
                  <Table.Th>{t('bundles.import.status')}</Table.Th>
                  <Table.Th>{t('bundles.import.image')}</Table.Th>
                  <Table.Th>{t('bundles.import.signed')}</Table.Th>
                  <Table.Th>{t('bundles.import.verified')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {delivery.customers.flatMap((customer) =>
                  customer.images.map((target, index) => (
                    <Table.Tr key={`${customer.id} ${target.ref}`}>
                      <Table.Td>{index === 0 ? customer.name : ''}</Table.Td>
                      <Table.Td>
                        {index === 0 && <CustomerStatusBadge status={customer.status} />}
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm" ff="monospace" style={{ overflowWrap: 'anywhere' }}>
                          {target.ref}
                        </Text>
                        {target.error && (
                          <Text size="xs" c="red">
                            {target.error}
                          </Text>
                        )}
                      </Table.Td>
                      <Table.Td>
                        <YesNo value={target.signed} />
                      </Table.Td>
                      <Table.Td>
                        <YesNo value={target.verified} />
                      </Table.Td>
                    </Table.Tr>
                  )),
                )}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          <Group justify="flex-end">
            <Button
              variant="default"
              onClick={() => {
                select(delivery.id);
                onClose();
              }}
              data-testid="bundle-import-show"
            >
              {t('bundles.import.show')}
            </Button>
            <Button onClick={onClose} data-testid="bundle-import-close">
              {t('bundles.close')}
            </Button>
          </Group>
        </Stack>
      ) : (
        <DialogForm
          onSubmit={submit}
          busy={task.busy}
          onCancel={onClose}
          label={t('bundles.import.submit')}
          busyLabel={t('bundles.import.submitting')}
          icon={<IconFileImport size={16} aria-hidden />}
          testId="bundle-import-submit"
        >
          <Text size="sm" c="dimmed">
            {t('bundles.import.intro')}
          </Text>
          <TextInput
            label={t('bundles.import.path')}
            description={t('bundles.import.pathHint')}
            value={path}
            onChange={(event) => setPath(event.currentTarget.value)}
            error={problem('path')}
            disabled={task.busy}
            required
            spellCheck={false}
            autoComplete="off"
            classNames={{ input: classes.monoInput }}
            data-autofocus
            data-testid="bundle-import-path"
          />
          <MultiSelect
            label={t('bundles.import.customers')}
            description={t('bundles.import.customersHint')}
            placeholder={
              customers.loaded && customers.items.length === 0
                ? t('bundles.import.noCustomers')
                : undefined
            }
            data={customerChoices(customers.items)}
            value={names}
            onChange={setNames}
            error={problem('customers')}
            disabled={task.busy}
            searchable
            required
            data-testid="bundle-import-customers-input"
          />
          {customers.error && (
            <ErrorAlert error={customers.error} testId="bundle-import-customers-error" />
          )}
          <TextInput
            label={t('bundles.import.publicKey')}
            description={t('bundles.import.publicKeyHint')}
            value={publicKey}
            onChange={(event) => setPublicKey(event.currentTarget.value)}
            disabled={task.busy}
            spellCheck={false}
            autoComplete="off"
            classNames={{ input: classes.monoInput }}
            data-testid="bundle-import-public-key"
          />
          <TaskProgress task={task} testId="bundle-import-progress" />
          {error && <ErrorAlert error={error} testId="bundle-import-error" />}
        </DialogForm>
      )}
    </DialogModal>
  );
}
