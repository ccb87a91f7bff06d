import { Text, TextInput } from '@mantine/core';
import { IconSignature } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ResponseOf } from '../../../../shared/contract';
import { DialogForm } from '../../components/DialogForm';
import { DialogModal } from '../../components/DialogModal';
import { ErrorAlert } from '../../components/ErrorAlert';
import { PushedArtifactsView } from '../../components/PushedArtifactsView';
import { SigningKeySelect, useSigningKey } from '../../components/SigningKeySelect';
import { useRequest } from '../../components/useRequest';
import { useStore } from '../../store';
import classes from './ImagesPage.module.css';

/** What was attested, kept for the result view (the key may leave the active list later). */
interface Attested {
  keyName: string;
  result: ResponseOf<'images.attestScan'>;
}

/** Predicate types the scanner attaches, each with its label. */
const PREDICATE_LABELS: Record<string, 'sbom' | 'vuln'> = {
  'https://cyclonedx.org/bom': 'sbom',
  'https://cosign.sigstore.dev/attestation/vuln/v1': 'vuln',
};

/**
 * Signs the open scan report's SBOM and vulnerability report with an active key and attaches
 * both to the registry image as attestations.
 */
export function AttestScanDialog({
  reference,
  opened,
  onClose,
}: {
  reference: string;
  opened: boolean;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const attest = useStore((state) => state.scan.attest);
  const navigate = useStore((state) => state.ui.navigate);
  const closeScan = useStore((state) => state.scan.close);
  const closeInspector = useStore((state) => state.inspector.close);
  const signing = useSigningKey(opened);
  const { active, chosen, setKeyId } = signing;
  const [attempted, setAttempted] = useState(false);
  const { busy, error, setError, run } = useRequest();
  const [attested, setAttested] = useState<Attested | null>(null);

  const close = () => {
    if (busy) return;
    setKeyId(null);
    setAttempted(false);
    setError(null);
    setAttested(null);
    onClose();
  };
  const goToKeys = () => {
    close();
    closeScan();
    closeInspector();
    navigate('keys');
  };

  const submit = async () => {
    setAttempted(true);
    if (!chosen) return;
    const outcome = await run(() => attest(chosen.id));
    if (outcome.ok) setAttested({ keyName: chosen.name, result: outcome.data });
  };

  return (
    <DialogModal
      opened={opened}
      busy={busy}
      onClose={close}
      title={t('scanAttest.title')}
      testId="attest-dialog"
    >
      {attested ? (
        <AttestedView attested={attested} onClose={close} />
      ) : (
        <DialogForm
          onSubmit={submit}
          busy={busy}
          onCancel={close}
          label={t('scanAttest.submit')}
          busyLabel={t('scanAttest.submitting')}
          icon={<IconSignature size={16} aria-hidden />}
          disabled={active.length === 0}
          testId="attest-submit"
        >
          <Text size="sm" c="dimmed">
            {t('scanAttest.intro')}
          </Text>
          <TextInput
            label={t('scanAttest.image')}
            value={reference}
            readOnly
            classNames={{ input: classes.monoInput }}
            data-testid="attest-reference"
          />
          {error && (
            <ErrorAlert error={error} title={t('scanAttest.failed')} testId="attest-error" />
          )}
          <SigningKeySelect
            signing={signing}
            noKeysBody={t('scanAttest.noKeysBody')}
            onGoToKeys={goToKeys}
            error={(attempted && !chosen && t('sign.keyRequired')) || undefined}
            disabled={busy}
            testId="attest"
          />
        </DialogForm>
      )}
    </DialogModal>
  );
}

/** The two attestations one run wrote (or found already there). */
function AttestedView({ attested, onClose }: { attested: Attested; onClose: () => void }) {
  const { t } = useTranslation();
  const { result } = attested;
  return (
    <PushedArtifactsView
      title={t('scanAttest.doneTitle')}
      body={t('scanAttest.doneBody', { name: attested.keyName })}
      digest={result.digest}
      caption={t('scanAttest.resultCaption')}
      items={result.attestations.map((attestation) => {
        const label = PREDICATE_LABELS[attestation.predicateType];
        return {
          key: attestation.predicateType,
          label: label ? t(`scanAttest.predicate.${label}`) : attestation.predicateType,
          lines: [attestation.predicateType, attestation.ref],
          created: attestation.created,
          data: { 'data-predicate-type': attestation.predicateType },
        };
      })}
      createdLabel={t('scanAttest.result.created')}
      existingLabel={t('scanAttest.result.existing')}
      testId="attest"
      onClose={onClose}
    />
  );
}
