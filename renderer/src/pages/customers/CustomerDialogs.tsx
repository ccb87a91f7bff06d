import { Stack, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { Customer } from '../../../../shared/contract';
import { DialogActions } from '../../components/DialogActions';
import { DialogModal } from '../../components/DialogModal';
import { ErrorAlert } from '../../components/ErrorAlert';
import { useRequest } from '../../components/useRequest';
import { WriteFolderModal } from '../../components/WriteFolderModal';
import { useStore } from '../../store';

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
  return (
    <WriteFolderModal
      opened={customer !== null}
      texts={{
        title: t('customers.kitForm.title', { name: customer?.name ?? '' }),
        intro: t('customers.kitForm.intro'),
        dir: t('customers.kitForm.dir'),
        dirHint: t('customers.kitForm.dirHint'),
        dirPlaceholder: t('customers.kitForm.dirPlaceholder'),
        dirRequired: t('customers.kitForm.dirRequired'),
        submit: t('customers.kitForm.submit'),
        submitting: t('customers.kitForm.submitting'),
        failed: t('customers.kitForm.failed'),
        doneTitle: t('customers.kitForm.doneTitle'),
        doneBody: (count) => t('customers.kitForm.doneBody', { count }),
        files: t('customers.kitForm.files'),
      }}
      write={(dir) => writeKit(customer?.name ?? '', dir)}
      onClose={onClose}
      testId="customer-kit"
    />
  );
}
