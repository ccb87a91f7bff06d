import {
  ActionIcon,
  Badge,
  Button,
  Code,
  EmptyState,
  Group,
  Paper,
  Skeleton,
  Stack,
  Table,
  Text,
  Title,
  Tooltip,
  VisuallyHidden,
} from '@mantine/core';
import {
  IconBan,
  IconCircleCheck,
  IconCircleX,
  IconRefresh,
  IconSignature,
  IconSignatureOff,
} from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { CopyIconButton } from '../../components/CopyIconButton';
import type { ImageSignature } from '../../../../shared/contract';
import { ErrorAlert } from '../../components/ErrorAlert';
import { isRegistryReference } from '../../lib/reference';
import {
  shortFingerprint,
  signatureKind,
  signatureStatus,
  type SignatureKind,
  type SignatureStatus,
} from '../../lib/signatures';
import { useStore } from '../../store';
import classes from './ImagesPage.module.css';

const kindColor: Record<SignatureKind, string> = {
  legacy: 'teal',
  bundle: 'indigo',
  attestation: 'grape',
};

const statusLook = {
  valid: { color: 'teal', Icon: IconCircleCheck },
  revoked: { color: 'orange', Icon: IconBan },
  invalid: { color: 'red', Icon: IconCircleX },
} as const satisfies Record<SignatureStatus, unknown>;

/**
 * Who signed a registry image and whether each signature holds, with the way to sign it. Other
 * references explain that signatures live in registries.
 */
export function SignaturesSection({
  reference,
  onSign,
}: {
  reference: string;
  onSign: () => void;
}) {
  const { t } = useTranslation();
  const signing = useStore((state) => state.signing);
  const inRegistry = isRegistryReference(reference);
  const count = signing.result?.signatures.length ?? 0;
  const title = t('inspector.signing.title');

  return (
    <Stack gap="xs" component="section" aria-label={title} data-testid="signatures">
      <Group justify="space-between" align="center">
        <Group gap="xs" align="baseline">
          <Title order={3} fz="h5" fw={600}>
            {title}
          </Title>
          {signing.result && (
            <Text size="sm" c="dimmed" data-testid="signatures-count">
              {t('inspector.signing.count', { count })}
            </Text>
          )}
        </Group>
        {inRegistry && (
          <Group gap="xs">
            <Tooltip label={t('inspector.signing.refresh')} withArrow>
              <ActionIcon
                variant="default"
                size={30}
                onClick={() => void signing.reload()}
                loading={signing.loading}
                loaderProps={{ 'aria-label': t('inspector.signing.loading') }}
                aria-label={t('inspector.signing.refresh')}
                data-testid="signatures-refresh"
              >
                <IconRefresh size={16} aria-hidden />
              </ActionIcon>
            </Tooltip>
            <Button
              size="compact-md"
              leftSection={<IconSignature size={16} aria-hidden />}
              onClick={onSign}
              data-testid="signatures-sign"
            >
              {t('inspector.signing.sign')}
            </Button>
          </Group>
        )}
      </Group>

      {!inRegistry && (
        <Paper withBorder radius="md">
          <EmptyState
            data-testid="signatures-local"
            icon={<IconSignatureOff aria-hidden />}
            title={t('inspector.signing.localTitle')}
            description={t('inspector.signing.localDescription')}
            py="lg"
          />
        </Paper>
      )}
      {inRegistry && signing.error && (
        <ErrorAlert
          error={signing.error}
          title={t('inspector.signing.failed')}
          testId="signatures-error"
        />
      )}
      {inRegistry && !signing.error && !signing.result && <LoadingRows />}
      {inRegistry && signing.result && count === 0 && (
        <Paper withBorder radius="md">
          <EmptyState
            data-testid="signatures-empty"
            icon={<IconSignatureOff aria-hidden />}
            title={t('inspector.signing.emptyTitle')}
            description={t('inspector.signing.emptyDescription')}
            py="lg"
          />
        </Paper>
      )}
      {inRegistry && signing.result && count > 0 && (
        <SignatureTable signatures={signing.result.signatures} busy={signing.loading} />
      )}
    </Stack>
  );
}

function SignatureTable({ signatures, busy }: { signatures: ImageSignature[]; busy: boolean }) {
  const { t } = useTranslation();
  return (
    <Paper withBorder radius="md" className={classes.tablePaper}>
      <Table.ScrollContainer minWidth={620} type="native">
        <Table
          verticalSpacing="xs"
          horizontalSpacing="md"
          aria-label={t('inspector.signing.caption')}
          aria-busy={busy}
          data-testid="signatures-table"
        >
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col" w={190}>
                {t('inspector.signing.column.format')}
              </Table.Th>
              <Table.Th scope="col" w={210}>
                {t('inspector.signing.column.signer')}
              </Table.Th>
              <Table.Th scope="col">{t('inspector.signing.column.status')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {signatures.map((signature, position) => (
              // Legacy signatures share one tag, so the position tells them apart.
              <SignatureRow key={`${signature.ref}-${position}`} signature={signature} />
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Paper>
  );
}

function SignatureRow({ signature }: { signature: ImageSignature }) {
  const { t } = useTranslation();
  const kind = signatureKind(signature);
  const status = signatureStatus(signature);
  const { color, Icon } = statusLook[status];
  return (
    <Table.Tr
      data-testid="signature-row"
      data-kind={kind}
      data-status={status}
      data-key-fingerprint={signature.keyFingerprint}
    >
      <Table.Td>
        <Stack gap={4} align="flex-start">
          <Tooltip
            label={
              <Stack gap={2}>
                <Text size="xs" inherit>
                  {t(`inspector.signing.kindHint.${kind}`)}
                </Text>
                <Text size="xs" ff="monospace" inherit className={classes.wrapAnywhere}>
                  {t('inspector.signing.storedAt', { ref: signature.ref })}
                </Text>
              </Stack>
            }
            withArrow
            multiline
            maw={520}
          >
            <Badge
              variant="light"
              color={kindColor[kind]}
              radius="sm"
              tabIndex={0}
              data-testid="signature-kind"
              data-ref={signature.ref}
            >
              {t(`inspector.signing.kind.${kind}`)}
            </Badge>
          </Tooltip>
          {kind === 'attestation' && signature.predicateType && (
            <Code className={classes.wrapAnywhere} data-testid="signature-predicate">
              {signature.predicateType}
            </Code>
          )}
        </Stack>
      </Table.Td>
      <Table.Td>
        <Signer signature={signature} />
      </Table.Td>
      <Table.Td>
        <Stack gap={4} align="flex-start">
          <Tooltip
            label={t('inspector.signing.revokedHint')}
            withArrow
            multiline
            maw={320}
            disabled={status !== 'revoked'}
          >
            <Badge
              color={color}
              variant="light"
              radius="sm"
              leftSection={<Icon size={12} aria-hidden />}
              data-testid="signature-status"
              data-status={status}
            >
              {t(`inspector.signing.status.${status}`)}
            </Badge>
          </Tooltip>
          {status === 'invalid' && signature.reason && (
            <Text size="xs" c="red" className={classes.wrapAnywhere} data-testid="signature-reason">
              {signature.reason}
            </Text>
          )}
        </Stack>
      </Table.Td>
    </Table.Tr>
  );
}

/** The key's name and short fingerprint with a copy button, or "Unknown key". */
function Signer({ signature }: { signature: ImageSignature }) {
  const { t } = useTranslation();
  const { keyFingerprint: fingerprint } = signature;
  if (!fingerprint) {
    return (
      <Tooltip label={t('inspector.signing.unknownKeyHint')} withArrow multiline maw={320}>
        <Text
          size="sm"
          c="dimmed"
          fs="italic"
          tabIndex={0}
          className={classes.nowrap}
          data-testid="signature-signer"
        >
          {t('inspector.signing.unknownKey')}
        </Text>
      </Tooltip>
    );
  }
  const name = signature.keyName ?? t('inspector.signing.unknownKey');
  return (
    <Stack gap={0} data-testid="signature-signer">
      <Text size="sm" fw={600} className={classes.wrapAnywhere} data-testid="signature-key-name">
        {name}
      </Text>
      <Group gap={4} wrap="nowrap">
        <Tooltip label={fingerprint} withArrow openDelay={300} maw={640} multiline>
          <Text
            size="xs"
            ff="monospace"
            c="dimmed"
            tabIndex={0}
            className={classes.nowrap}
            data-testid="signature-fingerprint"
            data-fingerprint={fingerprint}
          >
            {shortFingerprint(fingerprint)}
          </Text>
        </Tooltip>
        <CopyIconButton
          value={fingerprint}
          label={t('keys.copyFingerprintOf', { name })}
          hint={t('keys.copyFingerprint')}
          copiedHint={t('keys.fingerprintCopied')}
        />
      </Group>
    </Stack>
  );
}

function LoadingRows() {
  const { t } = useTranslation();
  return (
    <Paper withBorder radius="md" p="md" aria-busy data-testid="signatures-loading">
      <VisuallyHidden>{t('inspector.signing.loading')}</VisuallyHidden>
      <Stack gap="sm">
        {[0, 1].map((index) => (
          <Skeleton key={index} height={28} radius="sm" />
        ))}
      </Stack>
    </Paper>
  );
}
