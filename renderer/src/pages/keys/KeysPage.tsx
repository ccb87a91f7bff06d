import {
  ActionIcon,
  Badge,
  Button,
  Group,
  Menu,
  Paper,
  Stack,
  Table,
  Text,
  Tooltip,
  VisuallyHidden,
} from '@mantine/core';
import {
  IconBan,
  IconCircleCheck,
  IconDots,
  IconFileCertificate,
  IconFileExport,
  IconFileImport,
  IconKey,
  IconPlus,
} from '@tabler/icons-react';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { CopyIconButton } from '../../components/CopyIconButton';
import type { KeyInfo } from '../../../../shared/contract';
import { PageHeader } from '../../components/PageHeader';
import { RefreshButton } from '../../components/RefreshButton';
import { useNow } from '../../hooks/useNow';
import { formatDateTime, formatRelativeTime } from '../../lib/format';
import { ListStates } from '../../components/ListStates';
import { useStore } from '../../store';
import {
  ExportKeyModal,
  GenerateKeyModal,
  ImportKeyModal,
  PublicKeyModal,
  RevokeKeyModal,
} from './KeyDialogs';
import classes from './KeysPage.module.css';

/** A dialog about one key, or one of the page's own dialogs. */
type Dialog =
  | { kind: 'generate' }
  | { kind: 'import' }
  | { kind: 'public' | 'export' | 'revoke'; key: KeyInfo };

/** The signing keys: list, generate, import, export (public or encrypted) and revoke. */
export function KeysPage() {
  const { t } = useTranslation();
  const keys = useStore((state) => state.keys);
  const { load } = keys;
  const [dialog, setDialog] = useState<Dialog | null>(null);

  useEffect(() => {
    void load();
  }, [load]);

  const close = () => setDialog(null);
  const keyOf = (kind: 'public' | 'export' | 'revoke') =>
    dialog?.kind === kind ? dialog.key : null;
  const active = keys.items.filter((key) => key.state === 'active').length;

  return (
    <>
      <PageHeader
        title={t('keys.title')}
        description={t('keys.description')}
        actions={
          <>
            <RefreshButton
              label={t('keys.refresh')}
              busyLabel={t('keys.refreshing')}
              loading={keys.loading}
              onRefresh={() => void load()}
              testId="keys-refresh"
            />
            <Button
              variant="default"
              leftSection={<IconFileImport size={16} aria-hidden />}
              onClick={() => setDialog({ kind: 'import' })}
              data-testid="keys-import"
            >
              {t('keys.import')}
            </Button>
            <Button
              leftSection={<IconPlus size={16} aria-hidden />}
              onClick={() => setDialog({ kind: 'generate' })}
              data-testid="keys-generate"
            >
              {t('keys.generate')}
            </Button>
          </>
        }
      />

      <Stack gap="md">
        <ListStates
          list={keys}
          testId="keys"
          loadingLabel={t('keys.loading')}
          empty={{
            icon: <IconKey aria-hidden />,
            title: t('keys.empty.title'),
            description: t('keys.empty.description'),
            actions: (
              <>
                <Button variant="default" onClick={() => setDialog({ kind: 'import' })}>
                  {t('keys.import')}
                </Button>
                <Button onClick={() => setDialog({ kind: 'generate' })}>
                  {t('keys.generate')}
                </Button>
              </>
            ),
          }}
        >
          <Text size="sm" c="dimmed" data-testid="keys-count" aria-live="polite">
            {t('keys.count', { count: keys.items.length })}
            {' · '}
            {t('keys.countActive', { count: active })}
          </Text>
          <KeysTable
            items={keys.items}
            busy={keys.loading}
            onAction={(kind, key) => setDialog({ kind, key })}
          />
        </ListStates>
      </Stack>

      <GenerateKeyModal opened={dialog?.kind === 'generate'} onClose={close} />
      <ImportKeyModal opened={dialog?.kind === 'import'} onClose={close} />
      <PublicKeyModal keyInfo={keyOf('public')} onClose={close} />
      <ExportKeyModal keyInfo={keyOf('export')} onClose={close} />
      <RevokeKeyModal keyInfo={keyOf('revoke')} onClose={close} />
    </>
  );
}

function KeysTable({
  items,
  busy,
  onAction,
}: {
  items: KeyInfo[];
  busy: boolean;
  onAction: (kind: 'public' | 'export' | 'revoke', key: KeyInfo) => void;
}) {
  const { t, i18n } = useTranslation();
  const now = useNow();
  const locale = i18n.language;
  const rows = [...items].sort(
    (a, b) =>
      Number(a.state === 'revoked') - Number(b.state === 'revoked') ||
      b.createdAt.localeCompare(a.createdAt),
  );
  return (
    <Paper withBorder radius="md" className={classes.tablePaper}>
      <Table.ScrollContainer minWidth={900} type="native">
        <Table
          highlightOnHover
          verticalSpacing="sm"
          horizontalSpacing="md"
          aria-label={t('keys.caption')}
          aria-busy={busy}
          data-testid="keys-table"
        >
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col" miw={180}>
                {t('keys.column.name')}
              </Table.Th>
              <Table.Th scope="col" className={classes.nowrap}>
                {t('keys.column.algorithm')}
              </Table.Th>
              <Table.Th scope="col">{t('keys.column.fingerprint')}</Table.Th>
              <Table.Th scope="col">{t('keys.column.state')}</Table.Th>
              <Table.Th scope="col">{t('keys.column.created')}</Table.Th>
              <Table.Th scope="col" className={classes.nowrap}>
                {t('keys.column.lastUsed')}
              </Table.Th>
              <Table.Th scope="col" w={1}>
                <VisuallyHidden>{t('keys.column.actions')}</VisuallyHidden>
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((key) => {
              const revoked = key.state === 'revoked';
              return (
                <Table.Tr
                  key={key.id}
                  data-testid="key-row"
                  data-key-id={key.id}
                  data-name={key.name}
                  data-state={key.state}
                >
                  <Table.Td>
                    <Text
                      size="sm"
                      fw={600}
                      c={revoked ? 'dimmed' : undefined}
                      className={classes.wrapAnywhere}
                      data-testid="key-name"
                    >
                      {key.name}
                    </Text>
                    {revoked && key.revocationReason && (
                      <Text
                        size="xs"
                        c="red"
                        lineClamp={2}
                        title={key.revocationReason}
                        className={classes.reason}
                        data-testid="key-revocation"
                      >
                        {t('keys.revocationReason', { reason: key.revocationReason })}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td className={classes.nowrap}>
                    <Text size="sm" data-testid="key-algorithm">
                      {t(`keys.algorithm.${key.algorithm}`)}
                    </Text>
                    <Text size="xs" c="dimmed" data-testid="key-origin">
                      {t(`keys.origin.${key.origin}`)}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Fingerprint keyInfo={key} />
                  </Table.Td>
                  <Table.Td className={classes.nowrap}>
                    <KeyStateBadge keyInfo={key} />
                  </Table.Td>
                  <Table.Td className={classes.nowrap} data-testid="key-created">
                    <time dateTime={key.createdAt}>
                      <Text size="sm" span className={classes.block}>
                        {formatRelativeTime(key.createdAt, locale, now)}
                      </Text>
                      <Text size="xs" c="dimmed" span className={classes.block}>
                        {formatDateTime(key.createdAt, locale)}
                      </Text>
                    </time>
                  </Table.Td>
                  <Table.Td className={classes.nowrap} data-testid="key-last-used">
                    {key.lastUsedAt ? (
                      <Tooltip label={formatDateTime(key.lastUsedAt, locale)} withArrow>
                        <time dateTime={key.lastUsedAt}>
                          <Text size="sm" span tabIndex={0}>
                            {formatRelativeTime(key.lastUsedAt, locale, now)}
                          </Text>
                        </time>
                      </Tooltip>
                    ) : (
                      <Text size="sm" c="dimmed">
                        {t('keys.neverUsed')}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <RowActions keyInfo={key} onAction={onAction} />
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Paper>
  );
}

/** The first 12 hex digits of the fingerprint, the whole of it on hover, and a copy button. */
function Fingerprint({ keyInfo }: { keyInfo: KeyInfo }) {
  const { t } = useTranslation();
  const { fingerprint } = keyInfo;
  return (
    <Group gap={4} wrap="nowrap">
      <Tooltip
        label={
          <Stack gap={2}>
            <Text size="xs" fw={600} inherit>
              {t('keys.fingerprintHint')}
            </Text>
            <Text size="xs" ff="monospace" inherit>
              {fingerprint}
            </Text>
          </Stack>
        }
        withArrow
        openDelay={300}
        maw={640}
        multiline
      >
        <Text
          size="sm"
          ff="monospace"
          tabIndex={0}
          className={classes.nowrap}
          data-testid="key-fingerprint"
          data-fingerprint={fingerprint}
        >
          {fingerprint.slice(0, 12)}…
        </Text>
      </Tooltip>
      <CopyIconButton
        value={fingerprint}
        label={t('keys.copyFingerprintOf', { name: keyInfo.name })}
        hint={t('keys.copyFingerprint')}
        copiedHint={t('keys.fingerprintCopied')}
        testId="key-copy-fingerprint"
      />
    </Group>
  );
}

function KeyStateBadge({ keyInfo }: { keyInfo: KeyInfo }) {
  const { t, i18n } = useTranslation();
  const revoked = keyInfo.state === 'revoked';
  const badge = (
    <Badge
      color={revoked ? 'red' : 'teal'}
      variant="light"
      radius="sm"
      leftSection={
        revoked ? <IconBan size={12} aria-hidden /> : <IconCircleCheck size={12} aria-hidden />
      }
      tabIndex={revoked ? 0 : undefined}
      className={classes.badge}
      data-testid="key-state"
      data-state={keyInfo.state}
    >
      {t(`keys.state.${keyInfo.state}`)}
    </Badge>
  );
  if (!revoked) return badge;
  const when = keyInfo.revokedAt ? formatDateTime(keyInfo.revokedAt, i18n.language) : '';
  return (
    <Tooltip
      label={
        keyInfo.revocationReason
          ? t('keys.revokedBecause', { time: when, reason: keyInfo.revocationReason })
          : t('keys.revokedOn', { time: when })
      }
      withArrow
      multiline
      maw={360}
    >
      {badge}
    </Tooltip>
  );
}

function RowActions({
  keyInfo,
  onAction,
}: {
  keyInfo: KeyInfo;
  onAction: (kind: 'public' | 'export' | 'revoke', key: KeyInfo) => void;
}) {
  const { t } = useTranslation();
  const revoked = keyInfo.state === 'revoked';
  return (
    <Group gap={4} wrap="nowrap" justify="flex-end">
      <Tooltip label={t('keys.publicKey')} withArrow>
        <ActionIcon
          variant="subtle"
          size="md"
          onClick={() => onAction('public', keyInfo)}
          aria-label={t('keys.publicKeyOf', { name: keyInfo.name })}
          data-testid="key-export-public"
        >
          <IconFileCertificate size={16} aria-hidden />
        </ActionIcon>
      </Tooltip>
      <Menu position="bottom-end" withinPortal shadow="md" width={220}>
        <Menu.Target>
          <ActionIcon
            variant="subtle"
            color="gray"
            size="md"
            aria-label={t('keys.moreActions', { name: keyInfo.name })}
            data-testid="key-more"
          >
            <IconDots size={16} aria-hidden />
          </ActionIcon>
        </Menu.Target>
        <Menu.Dropdown>
          <Menu.Item
            leftSection={<IconFileExport size={14} aria-hidden />}
            disabled={revoked}
            onClick={() => onAction('export', keyInfo)}
            data-testid="key-export-encrypted"
          >
            {t('keys.exportEncrypted')}
          </Menu.Item>
          <Menu.Divider />
          <Menu.Item
            color="red"
            leftSection={<IconBan size={14} aria-hidden />}
            disabled={revoked}
            onClick={() => onAction('revoke', keyInfo)}
            data-testid="key-revoke"
          >
            {t('keys.revoke')}
          </Menu.Item>
        </Menu.Dropdown>
      </Menu>
    </Group>
  );
}
