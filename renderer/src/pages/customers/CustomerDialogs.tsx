import { Code, List, ScrollArea, Stack, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Customer } from '../../../../shared/contract';
import { DialogActions } from '../../components/DialogActions';
import { DialogForm } from '../../components/DialogForm';
import { DialogModal } from '../../components/DialogModal';
import { ErrorAlert } from '../../components/ErrorAlert';
import { SavedFileView } from '../../components/SavedFileView';
import { useRequest } from '../../components/useRequest';
import { useStore } from '../../store';
import type { CustomerKit } from '../../store/customers';
import classes from './CustomersPage.module.css';

export function RemoveCustomerModal({
  customer,
  onClose,
}: {
  customer: Customer | null;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const remove = useStore((state) => state.customers.remove);
  const { busy, error, setError, run } = useRequest();
  const close = () => {
    if (busy) return;
    setError(null);
    onClose();
  };
  const confirm = async () => {
    if (!customer) return;
    const outcome = await run(() => remove(customer));
    if (outcome.ok) onClose();
  };
  return (
    <DialogModal
      opened={customer !== null}
      busy={busy}
      onClose={close}
      size="md"
      title={t('customers.confirmRemove.title', { name: customer?.name ?? '' })}
      testId="customer-remove-confirm"
    >
      <Stack gap="md">
        <Text size="sm">{t('customers.confirmRemove.body')}</Text>
        {error && (
          <ErrorAlert
            error={error}
            title={t('customers.confirmRemove.failed')}
            testId="customer-remove-error"
          />
        )}
        <DialogActions
          busy={busy}
          onCancel={close}
          onConfirm={() => void confirm()}
          label={t('customers.confirmRemove.confirm')}
          busyLabel={t('customers.confirmRemove.submitting')}
          color="red"
          testId="customer-remove-confirm-button"
        />
      </Stack>
    </DialogModal>
  );
}

/** Writes a customer's verification kit into a folder and lists what was written. */
export function KitModal({
  customer,
  onClose,
}: {
  customer: Customer | null;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const writeKit = useStore((state) => state.customers.kit);
  const [dir, setDir] = useState('');
  const [attempted, setAttempted] = useState(false);
  const { busy, error, setError, run } = useRequest();
  const [written, setWritten] = useState<CustomerKit | null>(null);

  const close = () => {
    if (busy) return;
    setDir('');
    setAttempted(false);
    setError(null);
    setWritten(null);
    onClose();
  };
  const dirProblem = dir.trim() === '' ? t('customers.kitForm.dirRequired') : null;

  const submit = async () => {
    setAttempted(true);
    if (!customer || dirProblem) return;
    const outcome = await run(() => writeKit(customer.name, dir.trim()));
    if (outcome.ok) setWritten(outcome.data);
  };

  return (
    <DialogModal
      opened={customer !== null}
      busy={busy}
      onClose={close}
      title={t('customers.kitForm.title', { name: customer?.name ?? '' })}
      testId="customer-kit-form"
    >
      {written ? (
        <SavedFileView
          title={t('customers.kitForm.doneTitle')}
          message={t('customers.kitForm.doneBody', { count: written.files.length })}
          path={written.dir}
          testId="customer-kit-done"
          pathTestId="customer-kit-dir"
          closeTestId="customer-kit-close"
          onClose={close}
        >
          <Stack gap={4}>
            <Text size="sm" fw={600} id="customer-kit-files-label">
              {t('customers.kitForm.files')}
            </Text>
            <ScrollArea.Autosize mah={280} type="auto">
              <List
                size="sm"
                spacing={2}
                aria-labelledby="customer-kit-files-label"
                data-testid="customer-kit-files"
              >
                {written.files.map((file) => (
                  <List.Item key={file} className={classes.wrapAnywhere}>
                    <Code>{file}</Code>
                  </List.Item>
                ))}
              </List>
            </ScrollArea.Autosize>
          </Stack>
        </SavedFileView>
      ) : (
        <DialogForm
          onSubmit={submit}
          busy={busy}
          onCancel={close}
          label={t('customers.kitForm.submit')}
          busyLabel={t('customers.kitForm.submitting')}
          testId="customer-kit-submit"
        >
          <Text size="sm" c="dimmed">
            {t('customers.kitForm.intro')}
          </Text>
          {error && (
            <ErrorAlert
              error={error}
              title={t('customers.kitForm.failed')}
              testId="customer-kit-error"
            />
          )}
          <TextInput
            label={t('customers.kitForm.dir')}
            description={t('customers.kitForm.dirHint')}
            placeholder={t('customers.kitForm.dirPlaceholder')}
            value={dir}
            onChange={(event) => setDir(event.currentTarget.value)}
            error={(attempted && dirProblem) || undefined}
            required
            spellCheck={false}
            autoComplete="off"
            classNames={{ input: classes.monoInput }}
            data-autofocus
            data-testid="customer-kit-dir-input"
          />
        </DialogForm>
      )}
    </DialogModal>
  );
}
