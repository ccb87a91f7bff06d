import {
  Alert,
  Button,
  Code,
  CopyButton,
  Group,
  Loader,
  Modal,
  Paper,
  ScrollArea,
  Stack,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { IconAlertTriangle, IconCheck, IconCircleCheck, IconCopy } from '@tabler/icons-react';
import { useEffect, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { KeyInfo } from '../../../../shared/contract';
import type { ApiError } from '../../api';
import { EngineText, ErrorAlert } from '../../components/ErrorAlert';
import { useStore } from '../../store';
import classes from './KeysPage.module.css';

/** A modal that cannot be dismissed while its request runs. */
function KeyModal({
  opened,
  busy,
  onClose,
  title,
  size = 'lg',
  testId,
  children,
}: {
  opened: boolean;
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
      opened={opened}
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

function FormButtons({
  busy,
  onCancel,
  submit,
  submitting,
  color,
  testId,
}: {
  busy: boolean;
  onCancel: () => void;
  submit: string;
  submitting: string;
  color?: string;
  testId: string;
}) {
  const { t } = useTranslation();
  return (
    <Group justify="flex-end" gap="sm" mt="xs">
      <Button variant="default" onClick={onCancel} disabled={busy}>
        {t('common.cancel')}
      </Button>
      <Button
        type="submit"
        color={color}
        loading={busy}
        loaderProps={{ 'aria-label': submitting }}
        data-testid={testId}
      >
        {submit}
      </Button>
    </Group>
  );
}

export function GenerateKeyModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const { t } = useTranslation();
  const generate = useStore((state) => state.keys.generate);
  const [name, setName] = useState('');
  const [attempted, setAttempted] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);

  const close = () => {
    if (busy) return;
    setName('');
    setAttempted(false);
    setError(null);
    onClose();
  };
  const nameProblem = name.trim() === '' ? t('keys.generateForm.nameRequired') : null;

  const submit = async () => {
    setAttempted(true);
    if (nameProblem) return;
    setBusy(true);
    setError(null);
    const outcome = await generate(name.trim());
    setBusy(false);
    if (outcome.ok) {
      setName('');
      setAttempted(false);
      onClose();
    } else {
      setError(outcome.error);
    }
  };

  return (
    <KeyModal
      opened={opened}
      busy={busy}
      onClose={close}
      title={t('keys.generateForm.title')}
      testId="key-generate-form"
    >
      <form
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          void submit();
        }}
      >
        <Stack gap="md">
          <Text size="sm" c="dimmed">
            {t('keys.generateForm.intro')}
          </Text>
          {error && (
            <ErrorAlert
              error={error}
              title={t('keys.generateForm.failed')}
              testId="key-generate-error"
            />
          )}
          <TextInput
            label={t('keys.generateForm.name')}
            description={t('keys.generateForm.nameHint')}
            placeholder={t('keys.generateForm.namePlaceholder')}
            value={name}
            onChange={(event) => setName(event.currentTarget.value)}
            error={(attempted && nameProblem) || undefined}
            required
            maxLength={120}
            autoComplete="off"
            data-autofocus
            data-testid="key-generate-name"
          />
          <FormButtons
            busy={busy}
            onCancel={close}
            submit={t('keys.generateForm.submit')}
            submitting={t('keys.generateForm.submitting')}
            testId="key-generate-submit"
          />
        </Stack>
      </form>
    </KeyModal>
  );
}

export function ImportKeyModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const { t } = useTranslation();
  const importFile = useStore((state) => state.keys.importFile);
  const [name, setName] = useState('');
  const [path, setPath] = useState('');
  // Write-only: lives in this form until it is sent, then is cleared. Never in the store.
  const [passphrase, setPassphrase] = useState('');
  const [attempted, setAttempted] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);

  const reset = () => {
    setName('');
    setPath('');
    setPassphrase('');
    setAttempted(false);
    setError(null);
  };
  const close = () => {
    if (busy) return;
    reset();
    onClose();
  };
  const nameProblem = name.trim() === '' ? t('keys.importForm.nameRequired') : null;
  const pathProblem = path.trim() === '' ? t('keys.importForm.pathRequired') : null;

  const submit = async () => {
    setAttempted(true);
    if (nameProblem || pathProblem) return;
    const secret = passphrase;
    setPassphrase('');
    setBusy(true);
    setError(null);
    const outcome = await importFile({
      name: name.trim(),
      path: path.trim(),
      ...(secret ? { passphrase: secret } : {}),
    });
    setBusy(false);
    if (outcome.ok) {
      reset();
      onClose();
    } else {
      setError(outcome.error);
    }
  };

  return (
    <KeyModal
      opened={opened}
      busy={busy}
      onClose={close}
      title={t('keys.importForm.title')}
      testId="key-import-form"
    >
      <form
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          void submit();
        }}
      >
        <Stack gap="md">
          <Text size="sm" c="dimmed">
            {t('keys.importForm.intro')}
          </Text>
          {error && (
            <ErrorAlert
              error={error}
              title={t('keys.importForm.failed')}
              testId="key-import-error"
            />
          )}
          <TextInput
            label={t('keys.importForm.name')}
            description={t('keys.importForm.nameHint')}
            value={name}
            onChange={(event) => setName(event.currentTarget.value)}
            error={(attempted && nameProblem) || undefined}
            required
            maxLength={120}
            autoComplete="off"
            data-autofocus
            data-testid="key-import-name"
          />
          <TextInput
            label={t('keys.importForm.path')}
            description={t('keys.importForm.pathHint')}
            placeholder={t('keys.importForm.pathPlaceholder')}
            value={path}
            onChange={(event) => setPath(event.currentTarget.value)}
            error={(attempted && pathProblem) || undefined}
            required
            classNames={{ input: classes.monoInput }}
            spellCheck={false}
            autoComplete="off"
            data-testid="key-import-path"
          />
          <TextInput
            type="password"
            label={t('keys.importForm.passphrase')}
            description={t('keys.importForm.passphraseHint')}
            value={passphrase}
            onChange={(event) => setPassphrase(event.currentTarget.value)}
            autoComplete="off"
            data-testid="key-import-passphrase"
          />
          <FormButtons
            busy={busy}
            onCancel={close}
            submit={t('keys.importForm.submit')}
            submitting={t('keys.importForm.submitting')}
            testId="key-import-submit"
          />
        </Stack>
      </form>
    </KeyModal>
  );
}

type PublicKeyState =
  { phase: 'loading' } | { phase: 'done'; pem: string } | { phase: 'failed'; error: ApiError };

export function PublicKeyModal({
  keyInfo,
  onClose,
}: {
  keyInfo: KeyInfo | null;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const exportPublic = useStore((state) => state.keys.exportPublic);
  // The answer for one key; any other key's answer reads as still loading.
  const [answer, setAnswer] = useState<{ id: string; state: PublicKeyState } | null>(null);
  const id = keyInfo?.id;
  const result: PublicKeyState = answer && answer.id === id ? answer.state : { phase: 'loading' };

  useEffect(() => {
    if (!id) return;
    let current = true;
    void exportPublic(id).then((outcome) => {
      if (!current) return;
      setAnswer({
        id,
        state: outcome.ok
          ? { phase: 'done', pem: outcome.data.pem }
          : { phase: 'failed', error: outcome.error },
      });
    });
    return () => {
      current = false;
      setAnswer(null);
    };
  }, [id, exportPublic]);

  return (
    <KeyModal
      opened={keyInfo !== null}
      busy={false}
      onClose={onClose}
      title={t('keys.publicKeyDialog.title', { name: keyInfo?.name ?? '' })}
      testId="key-public-dialog"
    >
      <Stack gap="md">
        <Text size="sm" c="dimmed">
          <EngineText text={t('keys.publicKeyDialog.intro')} />
        </Text>
        <Stack gap={4}>
          <Text size="sm" fw={600}>
            {t('keys.publicKeyDialog.fingerprint')}
          </Text>
          <Code block data-testid="key-public-fingerprint">
            {keyInfo?.fingerprint}
          </Code>
        </Stack>
        {result.phase === 'loading' && (
          <Group gap="sm" aria-busy>
            <Loader size="sm" aria-label={t('keys.publicKeyDialog.loading')} />
            <Text size="sm" c="dimmed">
              {t('keys.publicKeyDialog.loading')}
            </Text>
          </Group>
        )}
        {result.phase === 'failed' && (
          <ErrorAlert
            error={result.error}
            title={t('keys.publicKeyDialog.failed')}
            testId="key-public-error"
          />
        )}
        {result.phase === 'done' && (
          <Stack gap={4}>
            <Group justify="space-between" align="flex-end">
              <Text size="sm" fw={600}>
                {t('keys.publicKeyDialog.pem')}
              </Text>
              <CopyButton value={result.pem} timeout={1500}>
                {({ copied, copy }) => (
                  <Button
                    variant="default"
                    size="compact-sm"
                    color={copied ? 'teal' : undefined}
                    leftSection={
                      copied ? (
                        <IconCheck size={14} aria-hidden />
                      ) : (
                        <IconCopy size={14} aria-hidden />
                      )
                    }
                    onClick={copy}
                    data-testid="key-public-copy"
                  >
                    {copied ? t('keys.publicKeyDialog.copied') : t('keys.publicKeyDialog.copy')}
                  </Button>
                )}
              </CopyButton>
            </Group>
            <Paper withBorder radius="sm" p="sm" bg="var(--mantine-color-default-hover)">
              <ScrollArea.Autosize mah={320}>
                <pre className={classes.pem} data-testid="key-public-pem">
                  {result.pem.trimEnd()}
                </pre>
              </ScrollArea.Autosize>
            </Paper>
          </Stack>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            {t('common.close')}
          </Button>
        </Group>
      </Stack>
    </KeyModal>
  );
}

export function ExportKeyModal({
  keyInfo,
  onClose,
}: {
  keyInfo: KeyInfo | null;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const exportEncrypted = useStore((state) => state.keys.exportEncrypted);
  const [path, setPath] = useState('');
  // Write-only: live in this form until they are sent, then are cleared. Never in the store.
  const [passphrase, setPassphrase] = useState('');
  const [confirmation, setConfirmation] = useState('');
  const [attempted, setAttempted] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [written, setWritten] = useState<string | null>(null);

  const close = () => {
    if (busy) return;
    setPath('');
    setPassphrase('');
    setConfirmation('');
    setAttempted(false);
    setError(null);
    setWritten(null);
    onClose();
  };

  const pathProblem = path.trim() === '' ? t('keys.exportForm.pathRequired') : null;
  const passphraseProblem = passphrase === '' ? t('keys.exportForm.passphraseRequired') : null;
  const confirmationProblem =
    confirmation === ''
      ? t('keys.exportForm.confirmRequired')
      : confirmation !== passphrase
        ? t('keys.exportForm.mismatch')
        : null;
  // A mismatch is worth saying as soon as the second entry is complete enough to compare.
  const showConfirmationProblem =
    attempted || (confirmation !== '' && confirmation.length >= passphrase.length);

  const submit = async () => {
    setAttempted(true);
    if (!keyInfo || pathProblem || passphraseProblem || confirmationProblem) return;
    const secret = passphrase;
    setPassphrase('');
    setConfirmation('');
    setBusy(true);
    setError(null);
    const outcome = await exportEncrypted({
      id: keyInfo.id,
      path: path.trim(),
      passphrase: secret,
    });
    setBusy(false);
    // Both passphrase fields are empty again: ask anew rather than flag them as mistakes.
    setAttempted(false);
    if (outcome.ok) setWritten(outcome.data.out);
    else setError(outcome.error);
  };

  const name = keyInfo?.name ?? '';
  return (
    <KeyModal
      opened={keyInfo !== null}
      busy={busy}
      onClose={close}
      title={t('keys.exportForm.title')}
      testId="key-export-form"
    >
      {written !== null ? (
        <Stack gap="md" data-testid="key-export-done">
          <Alert
            color="teal"
            variant="light"
            icon={<IconCircleCheck aria-hidden />}
            title={t('keys.exportForm.doneTitle')}
          >
            <Stack gap="xs">
              <Text size="sm">{t('keys.exportForm.doneBody', { name })}</Text>
              <Code block className={classes.path} data-testid="key-export-path">
                {written}
              </Code>
              <Text size="sm">{t('keys.exportForm.doneNote')}</Text>
            </Stack>
          </Alert>
          <Group justify="flex-end">
            <Button onClick={close} data-testid="key-export-close">
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
            <Alert
              color="orange"
              variant="light"
              icon={<IconAlertTriangle aria-hidden />}
              title={t('keys.exportForm.warningTitle')}
              data-testid="key-export-warning"
            >
              <Text size="sm">{t('keys.exportForm.warning', { name })}</Text>
            </Alert>
            {error && (
              <ErrorAlert
                error={error}
                title={t('keys.exportForm.failed')}
                testId="key-export-error"
              />
            )}
            <TextInput
              label={t('keys.exportForm.path')}
              description={<EngineText text={t('keys.exportForm.pathHint')} />}
              placeholder={t('keys.exportForm.pathPlaceholder')}
              value={path}
              onChange={(event) => setPath(event.currentTarget.value)}
              error={(attempted && pathProblem) || undefined}
              required
              classNames={{ input: classes.monoInput }}
              spellCheck={false}
              autoComplete="off"
              data-autofocus
              data-testid="key-export-path-input"
            />
            <TextInput
              type="password"
              label={t('keys.exportForm.passphrase')}
              description={t('keys.exportForm.passphraseHint')}
              value={passphrase}
              onChange={(event) => setPassphrase(event.currentTarget.value)}
              error={(attempted && passphraseProblem) || undefined}
              required
              autoComplete="new-password"
              data-testid="key-export-passphrase"
            />
            <TextInput
              type="password"
              label={t('keys.exportForm.confirm')}
              value={confirmation}
              onChange={(event) => setConfirmation(event.currentTarget.value)}
              error={(showConfirmationProblem && confirmationProblem) || undefined}
              required
              autoComplete="new-password"
              data-testid="key-export-confirm"
            />
            <FormButtons
              busy={busy}
              onCancel={close}
              submit={t('keys.exportForm.submit')}
              submitting={t('keys.exportForm.submitting')}
              color="orange"
              testId="key-export-submit"
            />
          </Stack>
        </form>
      )}
    </KeyModal>
  );
}

export function RevokeKeyModal({
  keyInfo,
  onClose,
}: {
  keyInfo: KeyInfo | null;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const revoke = useStore((state) => state.keys.revoke);
  const [reason, setReason] = useState('');
  const [attempted, setAttempted] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);

  const close = () => {
    if (busy) return;
    setReason('');
    setAttempted(false);
    setError(null);
    onClose();
  };
  const reasonProblem = reason.trim() === '' ? t('keys.revokeForm.reasonRequired') : null;

  const submit = async () => {
    setAttempted(true);
    if (!keyInfo || reasonProblem) return;
    setBusy(true);
    setError(null);
    const outcome = await revoke(keyInfo.id, reason.trim());
    setBusy(false);
    if (outcome.ok) {
      setReason('');
      setAttempted(false);
      onClose();
    } else {
      setError(outcome.error);
    }
  };

  return (
    <KeyModal
      opened={keyInfo !== null}
      busy={busy}
      onClose={close}
      size="md"
      title={t('keys.revokeForm.title', { name: keyInfo?.name ?? '' })}
      testId="key-revoke-form"
    >
      <form
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          void submit();
        }}
      >
        <Stack gap="md">
          <Alert color="red" variant="light" icon={<IconAlertTriangle aria-hidden />}>
            <Text size="sm">{t('keys.revokeForm.body')}</Text>
          </Alert>
          {error && (
            <ErrorAlert
              error={error}
              title={t('keys.revokeForm.failed')}
              testId="key-revoke-error"
            />
          )}
          <Textarea
            label={t('keys.revokeForm.reason')}
            description={t('keys.revokeForm.reasonHint')}
            value={reason}
            onChange={(event) => setReason(event.currentTarget.value)}
            error={(attempted && reasonProblem) || undefined}
            required
            autosize
            minRows={2}
            maxRows={5}
            maxLength={1000}
            data-autofocus
            data-testid="key-revoke-reason"
          />
          <FormButtons
            busy={busy}
            onCancel={close}
            submit={t('keys.revokeForm.submit')}
            submitting={t('keys.revokeForm.submitting')}
            color="red"
            testId="key-revoke-submit"
          />
        </Stack>
      </form>
    </KeyModal>
  );
}
