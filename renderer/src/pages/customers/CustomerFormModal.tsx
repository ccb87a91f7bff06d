import {
  Alert,
  Group,
  Radio,
  Stack,
  Switch,
  TagsInput,
  Text,
  Textarea,
  TextInput,
} from '@mantine/core';
import { IconAlertTriangle } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { CustomerAuth, type Customer } from '../../../../shared/contract';
import type { ApiError } from '../../api';
import { DialogForm } from '../../components/DialogForm';
import { DialogModal } from '../../components/DialogModal';
import { ErrorAlert } from '../../components/ErrorAlert';
import { useStore } from '../../store';
import {
  cleanNamespace,
  emptyValues,
  LIMITS,
  needsCredentials,
  toRequest,
  validate,
  valuesOf,
  type CustomerFormValues,
  type FormField,
} from './customerForm';
import classes from './CustomersPage.module.css';

/**
 * Adds a customer (`customer` null) or edits one. Each opening starts afresh from that
 * customer's values; what it shows stays put while the dialog fades out after closing.
 */
export function CustomerFormModal({
  opened,
  customer,
  onClose,
}: {
  opened: boolean;
  customer: Customer | null;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const [busy, setBusy] = useState(false);
  const [shown, setShown] = useState({ customer, opening: 0 });
  const [wasOpened, setWasOpened] = useState(opened);
  if (opened !== wasOpened) {
    setWasOpened(opened);
    if (opened) setShown({ customer, opening: shown.opening + 1 });
  }
  const current = opened ? customer : shown.customer;
  return (
    <DialogModal
      opened={opened}
      busy={busy}
      onClose={() => !busy && onClose()}
      title={
        current
          ? t('customers.form.editTitle', { name: current.name })
          : t('customers.form.addTitle')
      }
      testId="customer-form"
    >
      <CustomerForm
        key={shown.opening}
        customer={current}
        busy={busy}
        setBusy={setBusy}
        onDone={onClose}
      />
    </DialogModal>
  );
}

function CustomerForm({
  customer,
  busy,
  setBusy,
  onDone,
}: {
  customer: Customer | null;
  busy: boolean;
  setBusy: (busy: boolean) => void;
  onDone: () => void;
}) {
  const { t } = useTranslation();
  const save = useStore((state) => state.customers.save);
  const items = useStore((state) => state.customers.items);
  const [values, setValues] = useState<CustomerFormValues>(() =>
    customer ? valuesOf(customer) : emptyValues,
  );
  // Write-only: lives in this form until it is sent, then is cleared. Never in the store, and
  // never pre-filled: the stored password does not leave the engine.
  const [password, setPassword] = useState('');
  const [attempted, setAttempted] = useState(false);
  const [touched, setTouched] = useState<Partial<Record<FormField, boolean>>>({});
  const [error, setError] = useState<ApiError | null>(null);

  const others = items.filter((item) => item.id !== customer?.id).map((item) => item.name);
  const problems = validate(values, password, customer, others);
  /** A field's message once the person has left it or tried to submit. */
  const problemOf = (field: FormField) => {
    const problem = problems[field];
    return problem && (attempted || touched[field])
      ? t(`customers.form.problem.${problem}`)
      : undefined;
  };
  const set = <K extends keyof CustomerFormValues>(field: K, value: CustomerFormValues[K]) =>
    setValues((current) => ({ ...current, [field]: value }));
  const blur = (field: FormField) => () => setTouched((current) => ({ ...current, [field]: true }));

  const credentials = needsCredentials(values.auth);
  const keepsPassword = customer !== null && customer.hasPassword;
  const registry = values.registry.trim();
  const namespace = cleanNamespace(values.namespace);

  const submit = async () => {
    setAttempted(true);
    if (Object.keys(problems).length > 0) return;
    const request = toRequest(values, password, customer);
    setPassword('');
    setBusy(true);
    setError(null);
    const outcome = await save(request);
    setBusy(false);
    // The password field is empty again: ask for it anew rather than flag it as a mistake.
    setAttempted(false);
    if (outcome.ok) onDone();
    else setError(outcome.error);
  };

  return (
    <DialogForm
      onSubmit={submit}
      busy={busy}
      onCancel={onDone}
      label={customer ? t('customers.form.submitEdit') : t('customers.form.submitAdd')}
      busyLabel={t('customers.form.submitting')}
      testId="customer-form-submit"
    >
      <Text size="sm" c="dimmed">
        {t('customers.form.intro')}
      </Text>
      {error && (
        <ErrorAlert error={error} title={t('customers.form.failed')} testId="customer-form-error" />
      )}
      <TextInput
        label={t('customers.form.name')}
        description={t('customers.form.nameHint')}
        value={values.name}
        onChange={(event) => set('name', event.currentTarget.value)}
        onBlur={blur('name')}
        error={problemOf('name')}
        required
        maxLength={LIMITS.name}
        autoComplete="off"
        data-autofocus
        data-testid="customer-form-name"
      />
      <Group grow align="flex-start">
        <TextInput
          label={t('customers.form.registry')}
          description={t('customers.form.registryHint')}
          placeholder={t('customers.form.registryPlaceholder')}
          value={values.registry}
          onChange={(event) => set('registry', event.currentTarget.value)}
          onBlur={blur('registry')}
          error={problemOf('registry')}
          required
          maxLength={LIMITS.registry}
          spellCheck={false}
          autoComplete="off"
          classNames={{ input: classes.monoInput }}
          data-testid="customer-form-registry"
        />
        <TextInput
          label={t('customers.form.namespace')}
          description={t('customers.form.namespaceHint')}
          placeholder={t('customers.form.namespacePlaceholder')}
          value={values.namespace}
          onChange={(event) => set('namespace', event.currentTarget.value)}
          onBlur={blur('namespace')}
          error={problemOf('namespace')}
          required
          spellCheck={false}
          autoComplete="off"
          classNames={{ input: classes.monoInput }}
          data-testid="customer-form-namespace"
        />
      </Group>
      {registry && namespace && !problems.registry && !problems.namespace && (
        <Text size="xs" c="dimmed" data-testid="customer-form-destination">
          {t('customers.form.destination', {
            destination: `${registry}/${namespace}/<image>:<tag>`,
          })}
        </Text>
      )}

      <Radio.Group
        label={t('customers.form.auth')}
        value={values.auth}
        onChange={(value) => set('auth', CustomerAuth.parse(value))}
        data-testid="customer-form-auth"
      >
        <Stack gap="xs" mt={6}>
          {CustomerAuth.options.map((auth) => (
            <Radio
              key={auth}
              value={auth}
              label={t(`customers.auth.${auth}`)}
              description={t(`customers.authHint.${auth}`)}
            />
          ))}
        </Stack>
      </Radio.Group>
      {credentials && (
        <Group grow align="flex-start">
          <TextInput
            label={t('customers.form.username')}
            value={values.username}
            onChange={(event) => set('username', event.currentTarget.value)}
            onBlur={blur('username')}
            error={problemOf('username')}
            required
            maxLength={LIMITS.username}
            spellCheck={false}
            autoComplete="off"
            data-testid="customer-form-username"
          />
          <TextInput
            type="password"
            label={t('customers.form.password')}
            description={t('customers.form.passwordHint')}
            placeholder={keepsPassword ? t('customers.form.passwordKeep') : undefined}
            value={password}
            onChange={(event) => setPassword(event.currentTarget.value)}
            error={problemOf('password')}
            required={!keepsPassword}
            autoComplete="new-password"
            data-testid="customer-form-password"
          />
        </Group>
      )}

      <TextInput
        label={t('customers.form.caFile')}
        description={t('customers.form.caFileHint')}
        placeholder={t('customers.form.caFilePlaceholder')}
        value={values.caFile}
        onChange={(event) => set('caFile', event.currentTarget.value)}
        error={problemOf('caFile')}
        maxLength={LIMITS.caFile}
        spellCheck={false}
        autoComplete="off"
        classNames={{ input: classes.monoInput }}
        data-testid="customer-form-ca-file"
      />
      <Switch
        label={t('customers.form.insecure')}
        checked={values.insecureHttp}
        onChange={(event) => set('insecureHttp', event.currentTarget.checked)}
        data-testid="customer-form-insecure"
      />
      {values.insecureHttp && (
        <Alert
          color="orange"
          variant="light"
          icon={<IconAlertTriangle aria-hidden />}
          data-testid="customer-form-insecure-warning"
        >
          <Text size="sm">{t('customers.form.insecureWarning')}</Text>
        </Alert>
      )}

      <TagsInput
        label={t('customers.form.contacts')}
        description={t('customers.form.contactsHint')}
        value={values.contacts}
        onChange={(contacts) => set('contacts', contacts)}
        error={problemOf('contacts')}
        // A contact may hold a comma ("Doe, Jane"); entries are split on semicolons only.
        splitChars={[';']}
        maxTags={LIMITS.contacts}
        clearable
        data-testid="customer-form-contacts"
      />
      <TagsInput
        label={t('customers.form.entitlements')}
        description={t('customers.form.entitlementsHint')}
        value={values.entitlements}
        onChange={(entitlements) => set('entitlements', entitlements)}
        error={problemOf('entitlements')}
        maxTags={LIMITS.entitlements}
        clearable
        data-testid="customer-form-entitlements"
      />
      <Textarea
        label={t('customers.form.notes')}
        value={values.notes}
        onChange={(event) => set('notes', event.currentTarget.value)}
        error={problemOf('notes')}
        autosize
        minRows={2}
        maxRows={6}
        maxLength={LIMITS.notes}
        data-testid="customer-form-notes"
      />
    </DialogForm>
  );
}
