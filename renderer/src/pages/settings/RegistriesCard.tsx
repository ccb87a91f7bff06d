import {
  ActionIcon,
  Alert,
  Badge,
  Button,
  Card,
  Checkbox,
  EmptyState,
  Group,
  Paper,
  Skeleton,
  Stack,
  Table,
  Text,
  TextInput,
  ThemeIcon,
  Title,
  Tooltip,
  VisuallyHidden,
} from '@mantine/core';
import {
  IconAlertTriangle,
  IconLock,
  IconLockOpen,
  IconPlugConnected,
  IconPlus,
  IconServer2,
  IconTrash,
} from '@tabler/icons-react';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { RegistrySettings } from '../../../../shared/contract';
import type { ApiError } from '../../api';
import { DialogActions } from '../../components/DialogActions';
import { DialogForm } from '../../components/DialogForm';
import { DialogModal } from '../../components/DialogModal';
import { EngineText, ErrorAlert, Remedy } from '../../components/ErrorAlert';
import { isRegistryHost } from '../../lib/reference';
import { RefreshButton } from '../../components/RefreshButton';
import { useStore } from '../../store';
import type { RegistryTest } from '../../store/registries';
import classes from './SettingsPage.module.css';

/** The registries Consign delivers to: list, test, add (log in) and remove. */
export function RegistriesCard() {
  const { t } = useTranslation();
  const registries = useStore((state) => state.registries);
  const { load } = registries;
  const [adding, setAdding] = useState(false);
  const [removing, setRemoving] = useState<string | null>(null);

  useEffect(() => {
    void load();
  }, [load]);

  return (
    <Card
      withBorder
      radius="md"
      padding="lg"
      component="section"
      aria-label={t('registries.title')}
      data-testid="settings-registries"
    >
      <Group justify="space-between" wrap="nowrap" align="flex-start">
        <Group gap="sm" wrap="nowrap" align="flex-start">
          <ThemeIcon variant="light" size="lg" radius="md" color="gray">
            <IconServer2 size={20} aria-hidden />
          </ThemeIcon>
          <Stack gap={2}>
            <Title order={2} fz="h4" fw={600}>
              {t('registries.title')}
            </Title>
            <Text size="sm" c="dimmed">
              {t('registries.description')}
            </Text>
          </Stack>
        </Group>
        <Group gap="xs" wrap="nowrap">
          <RefreshButton
            label={t('registries.refresh')}
            loading={registries.loading}
            onRefresh={() => void load()}
          />
          <Button
            leftSection={<IconPlus size={16} aria-hidden />}
            onClick={() => setAdding(true)}
            data-testid="registries-add"
          >
            {t('registries.add')}
          </Button>
        </Group>
      </Group>

      <Stack gap="md" mt="md">
        {registries.error && <ErrorAlert error={registries.error} testId="registries-error" />}
        {!registries.error && !registries.loaded && <ListSkeleton />}
        {registries.loaded && registries.items.length === 0 && (
          <Paper withBorder radius="md" bg="transparent">
            <EmptyState
              data-testid="registries-empty"
              icon={<IconServer2 aria-hidden />}
              title={t('registries.empty.title')}
              description={t('registries.empty.description')}
              py="lg"
            />
          </Paper>
        )}
        {registries.loaded && registries.items.length > 0 && (
          <RegistriesTable items={registries.items} onRemove={setRemoving} />
        )}
      </Stack>

      <AddRegistryModal opened={adding} onClose={() => setAdding(false)} />
      <RemoveRegistryModal host={removing} onClose={() => setRemoving(null)} />
    </Card>
  );
}

function RegistriesTable({
  items,
  onRemove,
}: {
  items: RegistrySettings[];
  onRemove: (host: string) => void;
}) {
  const { t } = useTranslation();
  const tests = useStore((state) => state.registries.tests);
  const test = useStore((state) => state.registries.test);
  const columns = 6;
  return (
    <Paper withBorder radius="md" className={classes.tablePaper}>
      <Table.ScrollContainer minWidth={760} type="native">
        <Table
          verticalSpacing="sm"
          horizontalSpacing="md"
          aria-label={t('registries.caption')}
          data-testid="registries-table"
        >
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">{t('registries.column.host')}</Table.Th>
              <Table.Th scope="col">{t('registries.column.username')}</Table.Th>
              <Table.Th scope="col">{t('registries.column.connection')}</Table.Th>
              <Table.Th scope="col">{t('registries.column.caFile')}</Table.Th>
              <Table.Th scope="col">{t('registries.column.status')}</Table.Th>
              <Table.Th scope="col" w={1}>
                <VisuallyHidden>{t('registries.column.actions')}</VisuallyHidden>
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          {items.map((registry) => {
            const state = tests[registry.host];
            const problem = state?.error ?? null;
            const answer = state?.result;
            return (
              <Table.Tbody
                key={registry.host}
                data-testid="registry-row"
                data-host={registry.host}
                className={classes.rowGroup}
              >
                <Table.Tr>
                  <Table.Td>
                    <Text size="sm" fw={600} ff="monospace" data-testid="registry-host">
                      {registry.host}
                    </Text>
                  </Table.Td>
                  <Table.Td data-testid="registry-username">
                    {registry.username ? (
                      <Text size="sm">{registry.username}</Text>
                    ) : (
                      <Text size="sm" c="dimmed">
                        {t('registries.anonymous')}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    {registry.insecureHttp ? (
                      <Badge
                        color="orange"
                        variant="light"
                        radius="sm"
                        leftSection={<IconLockOpen size={12} aria-hidden />}
                        data-testid="registry-connection"
                        data-insecure
                      >
                        {t('registries.plainHttp')}
                      </Badge>
                    ) : (
                      <Badge
                        color="teal"
                        variant="light"
                        radius="sm"
                        leftSection={<IconLock size={12} aria-hidden />}
                        data-testid="registry-connection"
                      >
                        {t('registries.https')}
                      </Badge>
                    )}
                  </Table.Td>
                  <Table.Td data-testid="registry-ca-file">
                    {registry.caFile ? (
                      <Tooltip label={registry.caFile} withArrow maw={520} multiline>
                        <Text size="xs" ff="monospace" className={classes.ellipsis} tabIndex={0}>
                          {registry.caFile}
                        </Text>
                      </Tooltip>
                    ) : (
                      <Text size="sm" c="dimmed">
                        {t('registries.systemCa')}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td data-testid="registry-test-state">
                    <TestBadges state={state} />
                  </Table.Td>
                  <Table.Td>
                    <Group gap={4} wrap="nowrap" justify="flex-end">
                      <Button
                        variant="default"
                        size="compact-sm"
                        leftSection={<IconPlugConnected size={14} aria-hidden />}
                        onClick={() => void test(registry.host)}
                        loading={state?.running}
                        loaderProps={{
                          'aria-label': t('registries.testing', { host: registry.host }),
                        }}
                        aria-label={t('registries.testHost', { host: registry.host })}
                        data-testid="registry-test"
                      >
                        {t('registries.test')}
                      </Button>
                      <Tooltip label={t('registries.remove')} withArrow>
                        <ActionIcon
                          variant="subtle"
                          color="red"
                          size="md"
                          onClick={() => onRemove(registry.host)}
                          aria-label={t('registries.removeHost', { host: registry.host })}
                          data-testid="registry-remove"
                        >
                          <IconTrash size={16} aria-hidden />
                        </ActionIcon>
                      </Tooltip>
                    </Group>
                  </Table.Td>
                </Table.Tr>
                {(problem || answer?.error) && (
                  <Table.Tr className={classes.detailRow}>
                    <Table.Td colSpan={columns} pt={0}>
                      {problem ? (
                        <ErrorAlert error={problem} testId="registry-test-error" />
                      ) : (
                        <TestProblem message={answer!.error!} remedy={answer!.remedy} />
                      )}
                    </Table.Td>
                  </Table.Tr>
                )}
              </Table.Tbody>
            );
          })}
        </Table>
      </Table.ScrollContainer>
    </Paper>
  );
}

function TestBadges({ state }: { state: RegistryTest | undefined }) {
  const { t } = useTranslation();
  if (!state || (state.running && !state.result)) {
    return (
      <Text size="sm" c="dimmed">
        {state?.running ? t('registries.testingShort') : t('registries.notTested')}
      </Text>
    );
  }
  if (!state.result) {
    return (
      <Badge
        color="red"
        variant="light"
        radius="sm"
        data-testid="registry-reachable"
        data-value={false}
      >
        {t('registries.unreachable')}
      </Badge>
    );
  }
  const { reachable, authenticated } = state.result;
  return (
    <Group gap={4} wrap="wrap">
      <Badge
        className={classes.noShrink}
        color={reachable ? 'teal' : 'red'}
        variant="light"
        radius="sm"
        data-testid="registry-reachable"
        data-value={reachable}
      >
        {reachable ? t('registries.reachable') : t('registries.unreachable')}
      </Badge>
      {reachable && (
        <Badge
          className={classes.noShrink}
          color={authenticated ? 'teal' : 'gray'}
          variant="light"
          radius="sm"
          data-testid="registry-authenticated"
          data-value={authenticated}
        >
          {authenticated ? t('registries.authenticated') : t('registries.notAuthenticated')}
        </Badge>
      )}
    </Group>
  );
}

function TestProblem({ message, remedy }: { message: string; remedy: string | undefined }) {
  return (
    <Alert
      color="red"
      variant="light"
      icon={<IconAlertTriangle aria-hidden />}
      data-testid="registry-test-problem"
    >
      <Stack gap="xs">
        <Text size="sm" data-testid="error-message">
          <EngineText text={message} />
        </Text>
        {remedy && <Remedy remedy={remedy} />}
      </Stack>
    </Alert>
  );
}

interface AddForm {
  host: string;
  username: string;
  caFile: string;
  insecureHttp: boolean;
}

const emptyForm: AddForm = { host: '', username: '', caFile: '', insecureHttp: false };

function AddRegistryModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const { t } = useTranslation();
  const login = useStore((state) => state.registries.login);
  const [form, setForm] = useState<AddForm>(emptyForm);
  // Write-only: lives in this form until it is sent, then is cleared. Never in the store.
  const [password, setPassword] = useState('');
  const [attempted, setAttempted] = useState(false);
  const [submitting, setSubmitting] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);

  const reset = () => {
    setForm(emptyForm);
    setPassword('');
    setAttempted(false);
    setError(null);
  };
  const close = () => {
    if (submitting) return;
    reset();
    onClose();
  };

  const host = form.host.trim();
  const username = form.username.trim();
  const hostProblem =
    host === ''
      ? t('registries.form.hostInvalid', { example: t('registries.form.hostExample') })
      : !isRegistryHost(host)
        ? t('registries.form.hostInvalid', { example: t('registries.form.hostExample') })
        : null;
  const passwordProblem =
    username !== '' && password === '' ? t('registries.form.passwordRequired') : null;
  const usernameProblem =
    username === '' && password !== '' ? t('registries.form.usernameRequired') : null;
  const showHostProblem = (attempted || host !== '') && hostProblem;

  const submit = async () => {
    setAttempted(true);
    if (hostProblem || passwordProblem || usernameProblem) return;
    const secret = password;
    setPassword('');
    setSubmitting(true);
    setError(null);
    const outcome = await login({
      host,
      ...(username ? { username, password: secret } : {}),
      ...(form.caFile.trim() ? { caFile: form.caFile.trim() } : {}),
      ...(form.insecureHttp ? { insecureHttp: true } : {}),
    });
    setSubmitting(false);
    // The password field is empty again: ask for it anew rather than flag it as a mistake.
    setAttempted(false);
    if (outcome.ok) {
      reset();
      onClose();
    } else {
      setError(outcome.error);
    }
  };

  return (
    <DialogModal
      opened={opened}
      busy={submitting}
      onClose={close}
      title={t('registries.form.title')}
      testId="registry-form"
    >
      <DialogForm
        onSubmit={submit}
        busy={submitting}
        onCancel={close}
        label={t('registries.form.submit')}
        busyLabel={t('registries.form.submitting')}
        testId="registry-form-submit"
      >
        {error && (
          <ErrorAlert
            error={error}
            title={t('registries.form.failed')}
            testId="registry-form-error"
          />
        )}
        <TextInput
          label={t('registries.form.host')}
          description={t('registries.form.hostHint')}
          placeholder={t('registries.form.hostPlaceholder')}
          value={form.host}
          onChange={(event) => setForm({ ...form, host: event.currentTarget.value })}
          error={showHostProblem || undefined}
          required
          spellCheck={false}
          autoComplete="off"
          data-autofocus
          data-testid="registry-form-host"
        />
        <Group grow align="flex-start">
          <TextInput
            label={t('registries.form.username')}
            description={t('registries.form.usernameHint')}
            value={form.username}
            onChange={(event) => setForm({ ...form, username: event.currentTarget.value })}
            error={(attempted && usernameProblem) || undefined}
            spellCheck={false}
            autoComplete="username"
            data-testid="registry-form-username"
          />
          <TextInput
            type="password"
            label={t('registries.form.password')}
            description={t('registries.form.passwordHint')}
            value={password}
            onChange={(event) => setPassword(event.currentTarget.value)}
            error={(attempted && passwordProblem) || undefined}
            autoComplete="new-password"
            data-testid="registry-form-password"
          />
        </Group>
        <TextInput
          label={t('registries.form.caFile')}
          description={t('registries.form.caFileHint')}
          placeholder={t('registries.form.caFilePlaceholder')}
          value={form.caFile}
          onChange={(event) => setForm({ ...form, caFile: event.currentTarget.value })}
          classNames={{ input: classes.monoInput }}
          spellCheck={false}
          autoComplete="off"
          data-testid="registry-form-ca-file"
        />
        <Checkbox
          label={t('registries.form.insecure')}
          checked={form.insecureHttp}
          onChange={(event) => setForm({ ...form, insecureHttp: event.currentTarget.checked })}
          data-testid="registry-form-insecure"
        />
        {form.insecureHttp && (
          <Alert
            color="orange"
            variant="light"
            icon={<IconAlertTriangle aria-hidden />}
            data-testid="registry-form-insecure-warning"
          >
            <Text size="sm">{t('registries.form.insecureWarning')}</Text>
          </Alert>
        )}
      </DialogForm>
    </DialogModal>
  );
}

function RemoveRegistryModal({ host, onClose }: { host: string | null; onClose: () => void }) {
  const { t } = useTranslation();
  const remove = useStore((state) => state.registries.remove);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const close = () => {
    if (busy) return;
    setError(null);
    onClose();
  };
  const confirm = async () => {
    if (!host) return;
    setBusy(true);
    const failure = await remove(host);
    setBusy(false);
    if (failure) setError(failure);
    else {
      setError(null);
      onClose();
    }
  };
  return (
    <DialogModal
      opened={host !== null}
      busy={busy}
      onClose={close}
      size="md"
      title={t('registries.confirmRemove.title')}
      testId="registry-remove-confirm"
    >
      <Stack gap="md">
        <Text size="sm">{t('registries.confirmRemove.body', { host: host ?? '' })}</Text>
        {error && <ErrorAlert error={error} />}
        <DialogActions
          busy={busy}
          onCancel={close}
          onConfirm={() => void confirm()}
          label={t('registries.confirmRemove.confirm')}
          color="red"
          testId="registry-remove-confirm-button"
        />
      </Stack>
    </DialogModal>
  );
}

function ListSkeleton() {
  const { t } = useTranslation();
  return (
    <Stack gap="sm" aria-busy data-testid="registries-loading">
      <VisuallyHidden>{t('registries.loading')}</VisuallyHidden>
      {[0, 1].map((index) => (
        <Skeleton key={index} height={32} radius="sm" />
      ))}
    </Stack>
  );
}
