import {
  Alert,
  Badge,
  Button,
  Checkbox,
  Group,
  Loader,
  Modal,
  Paper,
  Select,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { IconCircleCheck, IconKey, IconSignature } from '@tabler/icons-react';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { SignatureFormat, SignResult } from '../../../../shared/contract';
import type { ApiError } from '../../api';
import { Digest } from '../../components/Digest';
import { ErrorAlert } from '../../components/ErrorAlert';
import { shortFingerprint } from '../../lib/signatures';
import { useStore } from '../../store';
import { defaultFormats } from '../../store/signing';
import classes from './ImagesPage.module.css';

const allFormats: readonly SignatureFormat[] = ['legacy', 'bundle'];

/** What was signed, kept for the result view (the key may leave the active list later). */
interface Signed {
  keyName: string;
  result: SignResult;
}

/** Signs one registry image with an active key of the workspace, in the chosen formats. */
export function SignDialog({
  reference,
  opened,
  onClose,
}: {
  reference: string;
  opened: boolean;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const keys = useStore((state) => state.keys);
  const sign = useStore((state) => state.signing.sign);
  const navigate = useStore((state) => state.ui.navigate);
  const closeInspector = useStore((state) => state.inspector.close);
  const { load } = keys;
  const [keyId, setKeyId] = useState<string | null>(null);
  const [formats, setFormats] = useState<string[]>([...defaultFormats]);
  const [attempted, setAttempted] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [signed, setSigned] = useState<Signed | null>(null);

  // The list may be stale (a key revoked or generated elsewhere): ask again on every opening.
  useEffect(() => {
    if (opened) void load();
  }, [opened, load]);

  const active = keys.items.filter((key) => key.state === 'active');
  // With a single active key there is nothing to choose.
  const chosen =
    active.find((key) => key.id === keyId) ?? (active.length === 1 ? active[0] : undefined);
  const keyProblem = chosen ? null : t('sign.keyRequired');
  const formatsProblem = formats.length === 0 ? t('sign.formatsRequired') : null;

  const reset = () => {
    setKeyId(null);
    setFormats([...defaultFormats]);
    setAttempted(false);
    setError(null);
    setSigned(null);
  };
  const close = () => {
    if (busy) return;
    reset();
    onClose();
  };
  const goToKeys = () => {
    close();
    closeInspector();
    navigate('keys');
  };

  const submit = async () => {
    setAttempted(true);
    if (!chosen || formatsProblem) return;
    setBusy(true);
    setError(null);
    const outcome = await sign({
      ref: reference,
      keyId: chosen.id,
      // In a fixed order, whatever order the boxes were ticked in.
      formats: allFormats.filter((format) => formats.includes(format)),
    });
    setBusy(false);
    if (outcome.ok) setSigned({ keyName: chosen.name, result: outcome.data });
    else setError(outcome.error);
  };

  const noActiveKey = keys.loaded && active.length === 0;

  return (
    <Modal
      closeButtonProps={{ 'aria-label': t('common.closeDialog') }}
      opened={opened}
      onClose={close}
      size="lg"
      padding="lg"
      closeOnClickOutside={!busy}
      closeOnEscape={!busy}
      withCloseButton={!busy}
      title={
        <Title order={2} fz="h3" fw={600}>
          {t('sign.title')}
        </Title>
      }
      data-testid="sign-dialog"
    >
      {signed ? (
        <SignedView signed={signed} onClose={close} />
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
              {t('sign.intro')}
            </Text>
            <TextInput
              label={t('sign.image')}
              value={reference}
              readOnly
              classNames={{ input: classes.monoInput }}
              data-testid="sign-reference"
            />
            {error && <ErrorAlert error={error} title={t('sign.failed')} testId="sign-error" />}
            {keys.error && <ErrorAlert error={keys.error} testId="sign-keys-error" />}

            {!keys.loaded && !keys.error && (
              <Group gap="sm" aria-busy>
                <Loader size="sm" aria-label={t('sign.loadingKeys')} />
                <Text size="sm" c="dimmed">
                  {t('sign.loadingKeys')}
                </Text>
              </Group>
            )}

            {noActiveKey && (
              <Alert
                color="orange"
                variant="light"
                icon={<IconKey aria-hidden />}
                title={t('sign.noKeysTitle')}
                data-testid="sign-no-keys"
              >
                <Stack gap="sm" align="flex-start">
                  <Text size="sm">{t('sign.noKeysBody')}</Text>
                  <Button
                    variant="default"
                    size="compact-md"
                    leftSection={<IconKey size={14} aria-hidden />}
                    onClick={goToKeys}
                    data-testid="sign-go-to-keys"
                  >
                    {t('sign.goToKeys')}
                  </Button>
                </Stack>
              </Alert>
            )}

            {active.length > 0 && (
              <>
                <Select
                  label={t('sign.key')}
                  description={t('sign.keyHint')}
                  placeholder={t('sign.keyPlaceholder')}
                  data={active.map((key) => ({
                    value: key.id,
                    label: t('sign.keyOption', {
                      name: key.name,
                      fingerprint: shortFingerprint(key.fingerprint),
                    }),
                  }))}
                  value={chosen?.id ?? null}
                  onChange={setKeyId}
                  error={(attempted && keyProblem) || undefined}
                  allowDeselect={false}
                  required
                  disabled={busy}
                  data-autofocus
                  data-testid="sign-key"
                />
                <Checkbox.Group
                  label={t('sign.formats')}
                  description={t('sign.formatsHint')}
                  value={formats}
                  onChange={setFormats}
                  error={(attempted && formatsProblem) || undefined}
                  required
                >
                  <Stack gap="sm" mt="xs">
                    {allFormats.map((format) => (
                      <Checkbox
                        key={format}
                        value={format}
                        label={t(`sign.format.${format}`)}
                        description={t(`sign.formatHint.${format}`)}
                        disabled={busy}
                        data-testid={`sign-format-${format}`}
                      />
                    ))}
                  </Stack>
                </Checkbox.Group>
              </>
            )}

            <Group justify="flex-end" gap="sm" mt="xs">
              <Button variant="default" onClick={close} disabled={busy}>
                {t('common.cancel')}
              </Button>
              <Button
                type="submit"
                leftSection={<IconSignature size={16} aria-hidden />}
                loading={busy}
                loaderProps={{ 'aria-label': t('sign.submitting') }}
                disabled={active.length === 0}
                data-testid="sign-submit"
              >
                {t('sign.submit')}
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}

/** The signatures one signing wrote (or found already there), one per format. */
function SignedView({ signed, onClose }: { signed: Signed; onClose: () => void }) {
  const { t } = useTranslation();
  const { result } = signed;
  return (
    <Stack gap="md" data-testid="sign-done">
      <Alert
        color="teal"
        variant="light"
        icon={<IconCircleCheck aria-hidden />}
        title={t('sign.doneTitle')}
      >
        <Text size="sm">{t('sign.doneBody', { name: signed.keyName })}</Text>
      </Alert>
      <Group gap={6}>
        <Text size="sm" c="dimmed">
          {t('sign.digest')}
        </Text>
        <Digest digest={result.digest} copyable testId="sign-digest" />
      </Group>
      <Stack
        gap="xs"
        aria-label={t('sign.resultCaption')}
        component="ul"
        className={classes.plainList}
      >
        {result.signatures.map((signature) => (
          <Paper
            key={signature.format}
            component="li"
            withBorder
            radius="md"
            p="sm"
            data-testid="sign-result"
            data-format={signature.format}
            data-created={signature.created}
          >
            <Group justify="space-between" wrap="nowrap" align="flex-start">
              <Stack gap={2} miw={0}>
                <Text size="sm" fw={600}>
                  {t(`sign.format.${signature.format}`)}
                </Text>
                <Text size="xs" ff="monospace" c="dimmed" className={classes.wrapAnywhere}>
                  {signature.ref}
                </Text>
              </Stack>
              <Badge
                color={signature.created ? 'teal' : 'gray'}
                variant="light"
                radius="sm"
                className={classes.noShrink}
              >
                {signature.created ? t('sign.result.created') : t('sign.result.existing')}
              </Badge>
            </Group>
          </Paper>
        ))}
      </Stack>
      <Group justify="flex-end">
        <Button onClick={onClose} data-testid="sign-close">
          {t('common.close')}
        </Button>
      </Group>
    </Stack>
  );
}
