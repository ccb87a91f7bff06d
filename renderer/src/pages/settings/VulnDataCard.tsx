import {
  Alert,
  Badge,
  Button,
  Card,
  DataList,
  Group,
  Loader,
  Paper,
  Skeleton,
  Stack,
  Table,
  Text,
  TextInput,
  ThemeIcon,
  Title,
  VisuallyHidden,
} from '@mantine/core';
import {
  IconAlertTriangle,
  IconCircleCheck,
  IconDatabaseImport,
  IconShieldSearch,
} from '@tabler/icons-react';
import { useEffect, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { VulnDbStatus } from '../../../../shared/contract';
import { EngineText, ErrorAlert } from '../../components/ErrorAlert';
import { RefreshButton } from '../../components/RefreshButton';
import { useNow } from '../../hooks/useNow';
import { formatDateTime, formatNumber, formatRelativeTime } from '../../lib/format';
import { useStore } from '../../store';
import classes from './SettingsPage.module.css';

type DataState = 'current' | 'stale' | 'empty';

function dataState(status: VulnDbStatus): DataState {
  if (status.records === 0) return 'empty';
  return status.stale ? 'stale' : 'current';
}

const stateColor: Record<DataState, string> = { current: 'teal', stale: 'yellow', empty: 'yellow' };

/** The offline vulnerability data: what is loaded, how old it is, and importing more. */
export function VulnDataCard() {
  const { t } = useTranslation();
  const status = useStore((state) => state.vulndb.status);
  const loading = useStore((state) => state.vulndb.loading);
  const error = useStore((state) => state.vulndb.error);
  const load = useStore((state) => state.vulndb.load);

  useEffect(() => {
    void load();
  }, [load]);

  const state = status ? dataState(status) : null;
  return (
    <Card
      withBorder
      radius="md"
      padding="lg"
      component="section"
      aria-label={t('vulndb.title')}
      data-testid="settings-vulndb"
      data-state={state ?? undefined}
    >
      <Group justify="space-between" wrap="nowrap" align="flex-start">
        <Group gap="sm" wrap="nowrap" align="flex-start">
          <ThemeIcon variant="light" size="lg" radius="md" color="gray">
            <IconShieldSearch size={20} aria-hidden />
          </ThemeIcon>
          <Stack gap={2}>
            <Title order={2} fz="h4" fw={600}>
              {t('vulndb.title')}
            </Title>
            <Text size="sm" c="dimmed">
              {t('vulndb.description')}
            </Text>
          </Stack>
        </Group>
        <Group gap="xs" wrap="nowrap">
          {state && (
            <Badge
              color={stateColor[state]}
              variant="light"
              size="lg"
              radius="sm"
              className={classes.noShrink}
              data-testid="vulndb-state"
              data-state={state}
            >
              {t(`vulndb.state.${state}`)}
            </Badge>
          )}
          <RefreshButton
            label={t('vulndb.refresh')}
            busyLabel={t('vulndb.loading')}
            loading={loading}
            onRefresh={() => void load()}
            testId="vulndb-refresh"
          />
        </Group>
      </Group>

      <Stack gap="md" mt="md">
        {error && <ErrorAlert error={error} testId="vulndb-error" />}
        {!error && !status && <StatusSkeleton />}
        {status && <Status status={status} />}
        <ImportForm />
      </Stack>
    </Card>
  );
}

function Status({ status }: { status: VulnDbStatus }) {
  const { t, i18n } = useTranslation();
  const locale = i18n.language;
  const now = useNow();
  const state = dataState(status);
  return (
    <>
      {state !== 'current' && status.warning && (
        <Alert
          color="yellow"
          variant="light"
          icon={<IconAlertTriangle aria-hidden />}
          title={state === 'empty' ? t('vulndb.emptyTitle') : t('vulndb.staleTitle')}
          data-testid="vulndb-warning"
        >
          <Text size="sm">
            <EngineText text={status.warning} />
          </Text>
        </Alert>
      )}
      <DataList labelWidth={160} gap="xs">
        <Field label={t('vulndb.records')} testId="vulndb-records" value={status.records}>
          {formatNumber(status.records, locale)}
        </Field>
        <Field label={t('vulndb.importedAt')} testId="vulndb-imported-at" value={status.builtAt}>
          {status.builtAt ? (
            <time dateTime={status.builtAt} title={formatDateTime(status.builtAt, locale)}>
              {formatRelativeTime(status.builtAt, locale, now)}
            </time>
          ) : (
            t('vulndb.never')
          )}
        </Field>
        <Field label={t('blocklist.label')} testId="vulndb-blocklist" value={status.blocklist}>
          {status.blocklist
            ? t('blocklist.hashes', {
                count: status.blocklist,
                formatted: formatNumber(status.blocklist, locale),
              })
            : t('blocklist.builtInOnly')}
        </Field>
        {status.dataAsOf && (
          <Field label={t('vulndb.dataAsOf')} testId="vulndb-data-as-of" value={status.dataAsOf}>
            <time dateTime={status.dataAsOf}>{formatDateTime(status.dataAsOf, locale)}</time>
            {status.ageDays !== undefined && (
              <Text span inherit c={status.stale ? 'orange' : 'dimmed'} data-testid="vulndb-age">
                {' · '}
                {t('vulndb.age', { count: status.ageDays })}
              </Text>
            )}
          </Field>
        )}
      </DataList>
      {status.ecosystems.length > 0 && (
        <Paper withBorder radius="md" className={classes.tablePaper}>
          <Table
            verticalSpacing={6}
            horizontalSpacing="md"
            aria-label={t('vulndb.ecosystemsCaption')}
            data-testid="vulndb-ecosystems"
          >
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">{t('vulndb.ecosystem')}</Table.Th>
                <Table.Th scope="col" ta="right">
                  {t('vulndb.records')}
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {status.ecosystems.map((ecosystem) => (
                <Table.Tr
                  key={ecosystem.name}
                  data-testid="vulndb-ecosystem"
                  data-name={ecosystem.name}
                >
                  <Table.Td ff="monospace" fz="sm">
                    {ecosystem.name}
                  </Table.Td>
                  <Table.Td ta="right" data-testid="vulndb-ecosystem-records">
                    {formatNumber(ecosystem.records, locale)}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Paper>
      )}
    </>
  );
}

/** Imports OSV data by path, as keys are imported: the engine reads the file from its disk. */
function ImportForm() {
  const { t, i18n } = useTranslation();
  const locale = i18n.language;
  const importing = useStore((state) => state.vulndb.import);
  const importPath = useStore((state) => state.vulndb.importPath);
  const [path, setPath] = useState('');
  const [attempted, setAttempted] = useState(false);
  const problem = path.trim() === '' ? t('vulndb.pathRequired') : null;

  const submit = async () => {
    setAttempted(true);
    if (problem) return;
    await importPath(path);
  };

  const { progress, result, error, running } = importing;
  return (
    <Stack gap="sm" component="section" aria-label={t('vulndb.importTitle')}>
      <Title order={3} fz="h5" fw={600}>
        {t('vulndb.importTitle')}
      </Title>
      <form
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          void submit();
        }}
      >
        <Stack gap="sm">
          <TextInput
            label={t('vulndb.path')}
            description={`${t('vulndb.pathHint')} ${t('blocklist.pathHint')}`}
            placeholder={t('vulndb.pathPlaceholder')}
            value={path}
            onChange={(event) => setPath(event.currentTarget.value)}
            error={(attempted && problem) || undefined}
            classNames={{ input: classes.monoInput }}
            spellCheck={false}
            autoComplete="off"
            disabled={running}
            data-testid="vulndb-path"
          />
          <Group justify="flex-end">
            <Button
              type="submit"
              leftSection={<IconDatabaseImport size={16} aria-hidden />}
              loading={running}
              loaderProps={{ 'aria-label': t('vulndb.importing') }}
              data-testid="vulndb-import"
            >
              {t('vulndb.import')}
            </Button>
          </Group>
        </Stack>
      </form>
      {running && (
        <Group gap="xs" aria-live="polite" data-testid="vulndb-progress">
          <Loader size="xs" aria-hidden />
          <Text size="sm" c="dimmed">
            {progress?.total
              ? t('vulndb.progressOf', {
                  done: formatNumber(progress.done, locale),
                  total: formatNumber(progress.total, locale),
                })
              : t('vulndb.progress', { done: formatNumber(progress?.done ?? 0, locale) })}
          </Text>
        </Group>
      )}
      {error && (
        <ErrorAlert error={error} title={t('vulndb.failed')} testId="vulndb-import-error" />
      )}
      {result && (
        <Alert
          color="teal"
          variant="light"
          icon={<IconCircleCheck aria-hidden />}
          title={t(result.kind === 'blocklist' ? 'blocklist.doneTitle' : 'vulndb.doneTitle')}
          data-testid="vulndb-import-result"
          data-kind={result.kind}
        >
          <Stack gap={6}>
            <Text size="sm" className={classes.wrapAnywhere} data-testid="vulndb-import-counts">
              {t(result.kind === 'blocklist' ? 'blocklist.doneBody' : 'vulndb.doneBody', {
                imported: formatNumber(result.imported, locale),
                updated: formatNumber(result.updated, locale),
                unchanged: formatNumber(result.unchanged, locale),
                source: result.source,
              })}
            </Text>
            {result.ecosystems.length > 0 && (
              <Text size="sm">
                {t('vulndb.doneEcosystems', { list: result.ecosystems.join(', ') })}
              </Text>
            )}
            {result.skipped > 0 && <Skipped result={result} />}
          </Stack>
        </Alert>
      )}
    </Stack>
  );
}

/** The first few entries an import skipped, with why. */
function Skipped({
  result,
}: {
  result: { skipped: number; skippedReasons: { entry: string; reason: string }[] };
}) {
  const { t } = useTranslation();
  const shown = result.skippedReasons.slice(0, 5);
  const more = result.skipped - shown.length;
  return (
    <Stack gap={4} data-testid="vulndb-import-skipped">
      <Text size="sm">{t('vulndb.skipped', { count: result.skipped })}</Text>
      <ul className={classes.reasonList}>
        {shown.map((skip) => (
          <li key={skip.entry}>
            <Text size="xs" className={classes.wrapAnywhere}>
              <Text span ff="monospace" inherit>
                {skip.entry}
              </Text>
              {': '}
              {skip.reason}
            </Text>
          </li>
        ))}
      </ul>
      {more > 0 && (
        <Text size="xs" c="dimmed">
          {t('vulndb.skippedMore', { count: more })}
        </Text>
      )}
    </Stack>
  );
}

function Field({
  label,
  testId,
  value,
  children,
}: {
  label: string;
  testId: string;
  /** The raw value, for tests and tools reading the page. */
  value: string | number | undefined;
  children: ReactNode;
}) {
  return (
    <DataList.Item>
      <DataList.ItemLabel c="dimmed">{label}</DataList.ItemLabel>
      <DataList.ItemValue data-testid={testId} data-value={value}>
        {children}
      </DataList.ItemValue>
    </DataList.Item>
  );
}

function StatusSkeleton() {
  const { t } = useTranslation();
  return (
    <Stack gap="sm" aria-busy data-testid="vulndb-loading">
      <VisuallyHidden>{t('vulndb.loading')}</VisuallyHidden>
      {[0, 1, 2].map((index) => (
        <Skeleton key={index} height={16} radius="sm" />
      ))}
    </Stack>
  );
}
