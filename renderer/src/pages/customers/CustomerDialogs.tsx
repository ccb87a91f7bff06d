import {
  Alert,
  Button,
  Code,
  Group,
  List,
  Modal,
  ScrollArea,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { IconCircleCheck } from '@tabler/icons-react';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { Customer } from '../../../../shared/contract';
import type { ApiError } from '../../api';
import { ErrorAlert } from '../../components/ErrorAlert';
import { useStore } from '../../store';
import type { CustomerKit } from '../../store/customers';
import classes from './CustomersPage.module.css';

/** A modal about one customer that cannot be dismissed while its request runs. */
function CustomerModal({
  customer,
  busy,
  onClose,
  title,
  size = 'lg',
  testId,
  children,
}: {
  customer: Customer | null;
  busy: boolean;
  onClose: () => void;
  title: string;
  size?: string;
  testId: string;
  children: ReactNode;
}) {
  const { t } = useTranslation();
  return (
    <Modal
      closeButtonProps={{ 'aria-label': t('common.closeDialog') }}
      opened={customer !== null}
      onClose={onClose}
      size={size}
      padding="lg"
      closeOnClickOutside={!busy}
      closeOnEscape={!busy}
      title={
        <Title order={2} fz="h3" fw={600}>
          {title}
        </Title>
      }
      data-testid={testId}
    >
      {children}
    </Modal>
  );
}

export function RemoveCustomerModal({
  customer,
  onClose,
}: {
  customer: Customer | null;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const remove = useStore((state) => state.customers.remove);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const close = () => {
    if (busy) return;
    setError(null);
    onClose();
  };
  const confirm = async () => {
    if (!customer) return;
    setBusy(true);
    setError(null);
    const outcome = await remove(customer);
    setBusy(false);
    if (outcome.ok) onClose();
    else setError(outcome.error);
  };
  return (
    <CustomerModal
      customer={customer}
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
        <Group justify="flex-end" gap="sm">
          <Button variant="default" onClick={close} disabled={busy}>
            {t('common.cancel')}
          </Button>
          <Button
            color="red"
            loading={busy}
            loaderProps={{ 'aria-label': t('customers.confirmRemove.submitting') }}
            onClick={() => void confirm()}
            data-testid="customer-remove-confirm-button"
          >
            {t('customers.confirmRemove.confirm')}
          </Button>
        </Group>
      </Stack>
    </CustomerModal>
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
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
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
    setBusy(true);
    setError(null);
    const outcome = await writeKit(customer.name, dir.trim());
    setBusy(false);
    if (outcome.ok) setWritten(outcome.data);
    else setError(outcome.error);
  };

  return (
    <CustomerModal
      customer={customer}
      busy={busy}
      onClose={close}
      title={t('customers.kitForm.title', { name: customer?.name ?? '' })}
      testId="customer-kit-form"
    >
      {written ? (
        <Stack gap="md" data-testid="customer-kit-done">
          <Alert
            color="teal"
            variant="light"
            icon={<IconCircleCheck aria-hidden />}
            title={t('customers.kitForm.doneTitle')}
          >
            <Stack gap="xs">
              <Text size="sm">
                {t('customers.kitForm.doneBody', { count: written.files.length })}
              </Text>
              <Code block className={classes.wrapAnywhere} data-testid="customer-kit-dir">
                {written.dir}
              </Code>
            </Stack>
          </Alert>
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
          <Group justify="flex-end">
            <Button onClick={close} data-testid="customer-kit-close">
              {t('common.close')}
            </Button>
          </Group>
        </Stack>
      ) : (
        <form
          noValidate
          onSubmit={(event) => {
            event.preventDefault();
            void submit();
          }}
        >
          <Stack gap="md">
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
            <Group justify="flex-end" gap="sm" mt="xs">
              <Button variant="default" onClick={close} disabled={busy}>
                {t('common.cancel')}
              </Button>
              <Button
                type="submit"
                loading={busy}
                loaderProps={{ 'aria-label': t('customers.kitForm.submitting') }}
                data-testid="customer-kit-submit"
              >
                {t('customers.kitForm.submit')}
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </CustomerModal>
  );
}
