import { Checkbox, Stack, Text, TextInput } from '@mantine/core';
import { IconSignature } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { SignatureFormat, SignResult } from '../../../../shared/contract';
import { DialogForm } from '../../components/DialogForm';
import { DialogModal } from '../../components/DialogModal';
import { ErrorAlert } from '../../components/ErrorAlert';
import { PushedArtifactsView } from '../../components/PushedArtifactsView';
import { SigningKeySelect, useSigningKey } from '../../components/SigningKeySelect';
import { useRequest } from '../../components/useRequest';
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
  const sign = useStore((state) => state.signing.sign);
  const navigate = useStore((state) => state.ui.navigate);
  const closeInspector = useStore((state) => state.inspector.close);
  const signing = useSigningKey(opened);
  const { active, chosen, setKeyId } = signing;
  const [formats, setFormats] = useState<string[]>([...defaultFormats]);
  const [attempted, setAttempted] = useState(false);
  const { busy, error, setError, run } = useRequest();
  const [signed, setSigned] = useState<Signed | null>(null);

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
    const outcome = await run(() =>
      sign({
        ref: reference,
        keyId: chosen.id,
        // In a fixed order, whatever order the boxes were ticked in.
        formats: allFormats.filter((format) => formats.includes(format)),
      }),
    );
    if (outcome.ok) setSigned({ keyName: chosen.name, result: outcome.data });
  };

  return (
    <DialogModal
      opened={opened}
      busy={busy}
      onClose={close}
      title={t('sign.title')}
      testId="sign-dialog"
    >
      {signed ? (
        <SignedView signed={signed} onClose={close} />
      ) : (
        <DialogForm
          onSubmit={submit}
          busy={busy}
          onCancel={close}
          label={t('sign.submit')}
          busyLabel={t('sign.submitting')}
          icon={<IconSignature size={16} aria-hidden />}
          disabled={active.length === 0}
          testId="sign-submit"
        >
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
          <SigningKeySelect
            signing={signing}
            noKeysBody={t('sign.noKeysBody')}
            onGoToKeys={goToKeys}
            error={(attempted && keyProblem) || undefined}
            disabled={busy}
            testId="sign"
          />
          {active.length > 0 && (
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
          )}
        </DialogForm>
      )}
    </DialogModal>
  );
}

/** The signatures one signing wrote (or found already there), one per format. */
function SignedView({ signed, onClose }: { signed: Signed; onClose: () => void }) {
  const { t } = useTranslation();
  const { result } = signed;
  return (
    <PushedArtifactsView
      title={t('sign.doneTitle')}
      body={t('sign.doneBody', { name: signed.keyName })}
      digest={result.digest}
      caption={t('sign.resultCaption')}
      items={result.signatures.map((signature) => ({
        key: signature.format,
        label: t(`sign.format.${signature.format}`),
        lines: [signature.ref],
        created: signature.created,
        data: { 'data-format': signature.format },
      }))}
      createdLabel={t('sign.result.created')}
      existingLabel={t('sign.result.existing')}
      testId="sign"
      onClose={onClose}
    />
  );
}
