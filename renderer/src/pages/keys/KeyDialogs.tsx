import {
  Alert,
  Button,
  Code,
  CopyButton,
  Group,
  Loader,
  Paper,
  ScrollArea,
  Stack,
  Text,
  Textarea,
  TextInput,
} from '@mantine/core';
import { IconAlertTriangle, IconCheck, IconCopy } from '@tabler/icons-react';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { KeyInfo } from '../../../../shared/contract';
import type { ApiError } from '../../api';
import { DialogForm } from '../../components/DialogForm';
import { DialogModal } from '../../components/DialogModal';
import { EngineText, ErrorAlert } from '../../components/ErrorAlert';
import { SavedFileView } from '../../components/SavedFileView';
import { useRequest } from '../../components/useRequest';
import { useStore } from '../../store';
import classes from './KeysPage.module.css';

export function GenerateKeyModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const { t } = useTranslation();
  const generate = useStore((state) => state.keys.generate);
  const [name, setName] = useState('');
  const [attempted, setAttempted] = useState(false);
  const { busy, error, setError, run } = useRequest();

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
    const outcome = await run(() => generate(name.trim()));
    if (outcome.ok) {
      setName('');
      setAttempted(false);
      onClose();
    }
  };

  return (
    <DialogModal
      opened={opened}
      busy={busy}
      onClose={close}
      title={t('keys.generateForm.title')}
      testId="key-generate-form"
    >
      <DialogForm
        onSubmit={submit}
        busy={busy}
        onCancel={close}
        label={t('keys.generateForm.submit')}
        busyLabel={t('keys.generateForm.submitting')}
        testId="key-generate-submit"
      >
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
      </DialogForm>
    </DialogModal>
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
  const { busy, error, setError, run } = useRequest();

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
    const outcome = await run(() =>
      importFile({
        name: name.trim(),
        path: path.trim(),
        ...(secret ? { passphrase: secret } : {}),
      }),
    );
    if (outcome.ok) {
      reset();
      onClose();
    }
  };

  return (
    <DialogModal
      opened={opened}
      busy={busy}
      onClose={close}
      title={t('keys.importForm.title')}
      testId="key-import-form"
    >
      <DialogForm
        onSubmit={submit}
        busy={busy}
        onCancel={close}
        label={t('keys.importForm.submit')}
        busyLabel={t('keys.importForm.submitting')}
        testId="key-import-submit"
      >
        <Text size="sm" c="dimmed">
          {t('keys.importForm.intro')}
        </Text>
        {error && (
          <ErrorAlert error={error} title={t('keys.importForm.failed')} testId="key-import-error" />
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
      </DialogForm>
    </DialogModal>
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
    <DialogModal
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
    </DialogModal>
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
  const { busy, error, setError, run } = useRequest();
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
    const outcome = await run(() =>
      exportEncrypted({
        id: keyInfo.id,
        path: path.trim(),
        passphrase: secret,
      }),
    );
    // Both passphrase fields are empty again: ask anew rather than flag them as mistakes.
    setAttempted(false);
    if (outcome.ok) setWritten(outcome.data.out);
  };

  const name = keyInfo?.name ?? '';
  return (
    <DialogModal
      opened={keyInfo !== null}
      busy={busy}
      onClose={close}
      title={t('keys.exportForm.title')}
      testId="key-export-form"
    >
      {written !== null ? (
        <SavedFileView
          title={t('keys.exportForm.doneTitle')}
          message={t('keys.exportForm.doneBody', { name })}
          path={written}
          note={t('keys.exportForm.doneNote')}
          testId="key-export-done"
          pathTestId="key-export-path"
          closeTestId="key-export-close"
          onClose={close}
        />
      ) : (
        <DialogForm
          onSubmit={submit}
          busy={busy}
          onCancel={close}
          label={t('keys.exportForm.submit')}
          busyLabel={t('keys.exportForm.submitting')}
          color="orange"
          testId="key-export-submit"
        >
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
        </DialogForm>
      )}
    </DialogModal>
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
  const { busy, error, setError, run } = useRequest();

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
    const outcome = await run(() => revoke(keyInfo.id, reason.trim()));
    if (outcome.ok) {
      setReason('');
      setAttempted(false);
      onClose();
    }
  };

  return (
    <DialogModal
      opened={keyInfo !== null}
      busy={busy}
      onClose={close}
      size="md"
      title={t('keys.revokeForm.title', { name: keyInfo?.name ?? '' })}
      testId="key-revoke-form"
    >
      <DialogForm
        onSubmit={submit}
        busy={busy}
        onCancel={close}
        label={t('keys.revokeForm.submit')}
        busyLabel={t('keys.revokeForm.submitting')}
        color="red"
        testId="key-revoke-submit"
      >
        <Alert color="red" variant="light" icon={<IconAlertTriangle aria-hidden />}>
          <Text size="sm">{t('keys.revokeForm.body')}</Text>
        </Alert>
        {error && (
          <ErrorAlert error={error} title={t('keys.revokeForm.failed')} testId="key-revoke-error" />
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
      </DialogForm>
    </DialogModal>
  );
}
