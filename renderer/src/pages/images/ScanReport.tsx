import {
  Alert,
  Badge,
  Button,
  CloseButton,
  Code,
  DataList,
  EmptyState,
  Group,
  List,
  Loader,
  MultiSelect,
  Paper,
  Progress,
  Stack,
  Table,
  Tabs,
  Text,
  TextInput,
  Title,
  Tooltip,
  UnstyledButton,
} from '@mantine/core';
import {
  IconAlertTriangle,
  IconDownload,
  IconChevronDown,
  IconChevronUp,
  IconPackageOff,
  IconPlayerStop,
  IconRefresh,
  IconSearch,
  IconSelector,
  IconShieldCheck,
  IconSignature,
} from '@tabler/icons-react';
import { useDeferredValue, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type {
  BaselineFinding,
  MalwareFinding,
  ScanResult,
  SecretFinding,
  Severity,
} from '../../../../shared/contract';
import { DetailDrawer } from '../../components/DetailDrawer';
import { Digest } from '../../components/Digest';
import { ErrorAlert } from '../../components/ErrorAlert';
import { Fact } from '../../components/Fact';
import { SeverityCountBadge } from '../../components/SeverityCountBadge';
import { TraceButton, TraceDialog } from '../../components/TraceDialog';
import { useNow } from '../../hooks/useNow';
import { formatBytes, formatDateTime } from '../../lib/format';
import {
  severities,
  severityColor,
  visiblePackages,
  visibleVulnerabilities,
  type Sort,
} from '../../lib/scan';
import { cvssVersionOf } from '../../lib/cvss';
import { isRegistryReference } from '../../lib/reference';
import { useStore } from '../../store';
import type { LayerProgress, ScanTab } from '../../store/scan';
import { AttestScanDialog } from './AttestScanDialog';
import classes from './ImagesPage.module.css';
import { ScanExportDialog } from './ScanExportDialog';
import { VulnRecordModal } from './VulnRecordModal';

/** The scan report: what the image is, its packages and their known vulnerabilities. */
export function ScanReport() {
  const { t, i18n } = useTranslation();
  const ref = useStore((state) => state.scan.ref);
  const loading = useStore((state) => state.scan.loading);
  const result = useStore((state) => state.scan.result);
  const error = useStore((state) => state.scan.error);
  const close = useStore((state) => state.scan.close);
  const rescan = useStore((state) => state.scan.rescan);
  const [exporting, setExporting] = useState(false);
  const [attesting, setAttesting] = useState(false);
  // Attestations live next to an image in its registry; a local image has nowhere to hold them.
  const attestable = ref !== null && isRegistryReference(ref);

  return (
    <>
      <DetailDrawer
        opened={ref !== null}
        onClose={close}
        title={t('scan.title')}
        size="72rem"
        testId="scan-report"
      >
        {ref && (
          <Stack gap="lg" aria-busy={loading}>
            <Group justify="space-between" align="flex-start" wrap="nowrap">
              <Stack gap={2} miw={0}>
                <Text size="xs" c="dimmed" fw={500} tt="uppercase">
                  {t('scan.image')}
                </Text>
                <Text
                  ff="monospace"
                  size="sm"
                  className={classes.wrapAnywhere}
                  data-testid="scan-ref"
                >
                  {ref}
                </Text>
                {result && (
                  <Tooltip
                    label={t('scanAttest.cachedHint')}
                    disabled={!result.cached}
                    multiline
                    w={320}
                  >
                    <Text
                      size="xs"
                      c="dimmed"
                      data-testid="scan-scanned-at"
                      data-cached={result.cached}
                    >
                      {t(result.cached ? 'scanAttest.cached' : 'scanAttest.scannedAt', {
                        time: formatDateTime(result.scannedAt, i18n.language),
                      })}
                    </Text>
                  </Tooltip>
                )}
              </Stack>
              <Group gap="xs" wrap="nowrap">
                <Tooltip
                  label={attestable ? t('scanAttest.actionHint') : t('scanAttest.notRegistry')}
                  multiline
                  w={320}
                >
                  {/* A disabled button gets no pointer events: the wrapper keeps the tooltip. */}
                  <span data-testid="scan-attest-wrapper" tabIndex={attestable ? -1 : 0}>
                    <Button
                      variant="default"
                      size="sm"
                      leftSection={<IconSignature size={16} aria-hidden />}
                      onClick={() => setAttesting(true)}
                      disabled={!attestable || !result || loading}
                      data-testid="scan-attest"
                    >
                      {t('scanAttest.action')}
                    </Button>
                  </span>
                </Tooltip>
                <Button
                  variant="default"
                  size="sm"
                  leftSection={<IconDownload size={16} aria-hidden />}
                  onClick={() => setExporting(true)}
                  disabled={!result || loading}
                  data-testid="scan-export"
                >
                  {t('scan.export')}
                </Button>
                <Button
                  variant="default"
                  size="sm"
                  leftSection={<IconRefresh size={16} aria-hidden />}
                  onClick={() => void rescan()}
                  loading={loading}
                  loaderProps={{ 'aria-label': t('scan.running', { ref }) }}
                  data-testid="scan-rescan"
                >
                  {t('scan.rescan')}
                </Button>
              </Group>
            </Group>
            {error && <ErrorAlert error={error} title={t('scan.failed')} testId="scan-error" />}
            {loading && <Running reference={ref} />}
            {!loading && <CancelledNote />}
            {result && <Report result={result} />}
          </Stack>
        )}
      </DetailDrawer>
      <VulnRecordModal />
      <TraceDialog />
      <ScanExportDialog opened={exporting} onClose={() => setExporting(false)} />
      {ref && attestable && (
        <AttestScanDialog reference={ref} opened={attesting} onClose={() => setAttesting(false)} />
      )}
    </>
  );
}

function Running({ reference }: { reference: string }) {
  const { t } = useTranslation();
  const startedAt = useStore((state) => state.scan.startedAt);
  const cancelling = useStore((state) => state.scan.cancelling);
  const cancel = useStore((state) => state.scan.cancel);
  const now = useNow(1000);
  const seconds = startedAt ? Math.max(0, Math.round((now - startedAt) / 1000)) : 0;
  return (
    <Paper withBorder radius="md" p="xl" data-testid="scan-running">
      <Stack gap="md">
        <Group justify="space-between" wrap="nowrap" align="flex-start">
          <Group gap="sm" wrap="nowrap" miw={0}>
            <Loader size="sm" aria-hidden />
            <Stack gap={2} miw={0}>
              <Text fw={500} className={classes.wrapAnywhere}>
                {t('scan.running', { ref: reference })}
              </Text>
              <Text size="sm" c="dimmed" aria-live="polite">
                {t('scan.runningNote', { seconds })}
              </Text>
            </Stack>
          </Group>
          <Button
            variant="default"
            size="sm"
            color="red"
            leftSection={<IconPlayerStop size={16} aria-hidden />}
            onClick={() => void cancel()}
            loading={cancelling}
            title={t('scanProgress.cancelHint')}
            data-testid="scan-cancel"
          >
            {cancelling ? t('scanProgress.cancelling') : t('scanProgress.cancel')}
          </Button>
        </Group>
        <LayerProgressList />
      </Stack>
    </Paper>
  );
}

/** One bar for all layers (compressed bytes read), then one per layer, base first. */
function LayerProgressList() {
  const { t, i18n } = useTranslation();
  const layers = useStore((state) => state.scan.layers);
  const locale = i18n.language;
  if (layers.length === 0) {
    return (
      <Text size="sm" c="dimmed">
        {t('scanProgress.waiting')}
      </Text>
    );
  }
  const done = layers.reduce((sum, layer) => sum + layer.done, 0);
  const total = layers.reduce((sum, layer) => sum + layer.total, 0);
  const bar = (label: string, value: number, max: number, testId: string, state?: string) => {
    const percent = max > 0 ? Math.min(100, Math.floor((value / max) * 100)) : 0;
    return (
      <Stack gap={4} data-testid={testId} data-state={state} data-percent={percent}>
        <Group justify="space-between" wrap="nowrap" gap="xs">
          <Text size="sm" fw={500}>
            {label}
          </Text>
          <Text size="xs" c="dimmed" ff="monospace">
            {t('scanProgress.bytes', {
              done: formatBytes(value, locale),
              total: formatBytes(max, locale),
            })}
            {state ? ` · ${t(`scanProgress.state.${state as LayerProgress['state']}`)}` : ''}
          </Text>
        </Group>
        <Progress
          value={percent}
          size="md"
          color={
            state === 'failed' || state === 'cancelled'
              ? 'red'
              : state === 'done'
                ? 'teal'
                : 'indigo'
          }
          aria-label={label}
        />
      </Stack>
    );
  };
  return (
    <Stack gap="sm" aria-label={t('scanProgress.layers')}>
      {bar(t('scanProgress.overall'), done, total, 'scan-progress-overall')}
      {layers.map((layer) => (
        <div key={layer.digest} data-digest={layer.digest}>
          {bar(layer.label, layer.done, layer.total, 'scan-progress-layer', layer.state)}
        </div>
      ))}
    </Stack>
  );
}

function CancelledNote() {
  const { t } = useTranslation();
  const cancelled = useStore((state) => state.scan.cancelled);
  if (!cancelled) return null;
  return (
    <Alert
      color="gray"
      variant="light"
      title={t('scanProgress.cancelled')}
      data-testid="scan-cancelled"
    >
      {t('scanProgress.cancelledNote')}
    </Alert>
  );
}

function osName(os: NonNullable<ScanResult['image']['os']>): string {
  return os.prettyName ?? [os.id, os.versionId].filter(Boolean).join(' ');
}

function Report({ result }: { result: ScanResult }) {
  const { t } = useTranslation();
  const tab = useStore((state) => state.scan.tab);
  const setTab = useStore((state) => state.scan.setTab);
  const { vulnerabilities, packages } = result;
  const counts: Record<ScanTab, number> = {
    vulnerabilities: vulnerabilities.length,
    packages: packages.length,
    baseline: result.baseline.length,
    secrets: result.secrets.length,
    malware: result.malware.length,
  };
  // Only tabs with something in them; an empty scan says so instead.
  const tabs = (['vulnerabilities', 'packages', 'baseline', 'secrets', 'malware'] as const).filter(
    (name) => counts[name] > 0,
  );
  const active = tabs.includes(tab) ? tab : tabs[0];
  return (
    <Stack gap="lg" data-testid="scan-result">
      <Facts result={result} />
      <DatabaseNotice database={result.database} />
      <SeveritySummary result={result} />
      {packages.length > 0 && vulnerabilities.length === 0 && result.database.records > 0 && (
        <Paper withBorder radius="md">
          <EmptyState
            data-testid="scan-no-vulnerabilities"
            icon={<IconShieldCheck aria-hidden />}
            title={t('scan.vulnerabilities.noneTitle')}
            description={t('scan.vulnerabilities.noneDescription')}
            py="lg"
          />
        </Paper>
      )}
      {packages.length === 0 && (
        <Paper withBorder radius="md">
          <EmptyState
            data-testid="scan-no-packages"
            icon={<IconPackageOff aria-hidden />}
            title={t('scan.noPackagesTitle')}
            description={t('scan.noPackagesDescription')}
            py="lg"
          />
        </Paper>
      )}
      {active && (
        <Tabs
          value={active}
          onChange={(value) => value && setTab(value as ScanTab)}
          keepMounted={false}
        >
          <Tabs.List>
            {tabs.map((name) => (
              <Tabs.Tab
                key={name}
                value={name}
                color={name === 'secrets' || name === 'malware' ? 'red' : undefined}
                data-testid={`scan-tab-${name}`}
              >
                {t(`scan.tabs.${name}`, { count: counts[name] })}
              </Tabs.Tab>
            ))}
          </Tabs.List>
          <Tabs.Panel value="vulnerabilities" pt="md">
            <VulnerabilitiesTable result={result} />
          </Tabs.Panel>
          <Tabs.Panel value="packages" pt="md">
            <PackagesTable result={result} />
          </Tabs.Panel>
          <Tabs.Panel value="baseline" pt="md">
            <BaselineTable findings={result.baseline} />
          </Tabs.Panel>
          <Tabs.Panel value="secrets" pt="md">
            <SecretsTable findings={result.secrets} />
          </Tabs.Panel>
          <Tabs.Panel value="malware" pt="md">
            <MalwareTable findings={result.malware} />
          </Tabs.Panel>
        </Tabs>
      )}
    </Stack>
  );
}

function Facts({ result }: { result: ScanResult }) {
  const { t, i18n } = useTranslation();
  const { image, database } = result;
  const platform = image.platform
    ? [image.platform.os, image.platform.architecture, image.platform.variant]
        .filter(Boolean)
        .join('/')
    : null;
  return (
    <Paper withBorder radius="md" p="md">
      <DataList labelWidth={170} gap="xs">
        <Fact label={t('scan.digest')}>
          <Digest digest={image.digest} full copyable testId="scan-digest" />
        </Fact>
        {image.manifest !== image.digest && (
          <Fact label={t('scan.manifest')}>
            <Digest digest={image.manifest} copyable testId="scan-manifest" />
          </Fact>
        )}
        {platform && (
          <Fact label={t('scan.platform')}>
            <Text size="sm" data-testid="scan-platform">
              {platform}
            </Text>
          </Fact>
        )}
        <Fact label={t('scan.os')}>
          <Text size="sm" data-testid="scan-os" data-ecosystem={image.os?.ecosystem}>
            {image.os ? osName(image.os) : t('scan.osUnknown')}
          </Text>
        </Fact>
        <Fact label={t('scan.layers')}>
          <Text size="sm" data-testid="scan-layers">
            {image.layers}
          </Text>
        </Fact>
        <Fact label={t('scan.database')}>
          <Text size="sm" data-testid="scan-database" data-records={database.records}>
            {database.dataAsOf
              ? t('scan.databaseAsOf', {
                  count: database.records,
                  date: formatDateTime(database.dataAsOf, i18n.language),
                })
              : t('scan.databaseRecords', { count: database.records })}
          </Text>
        </Fact>
      </DataList>
    </Paper>
  );
}

/** No data, or old data: the scan still ran, and this says what it could not see. */
function DatabaseNotice({ database }: { database: ScanResult['database'] }) {
  const { t } = useTranslation();
  const navigate = useStore((state) => state.ui.navigate);
  const closeScan = useStore((state) => state.scan.close);
  const closeInspector = useStore((state) => state.inspector.close);
  if (!database.warning) return null;
  return (
    <Alert
      color="yellow"
      variant="light"
      icon={<IconAlertTriangle aria-hidden />}
      title={database.records === 0 ? t('scan.noDatabaseTitle') : t('scan.staleTitle')}
      data-testid="scan-database-warning"
    >
      <Stack gap="xs" align="flex-start">
        <Text size="sm">{database.warning}</Text>
        <Button
          variant="light"
          color="yellow"
          size="compact-sm"
          onClick={() => {
            closeScan();
            closeInspector();
            navigate('settings');
          }}
        >
          {t('scan.openSettings')}
        </Button>
      </Stack>
    </Alert>
  );
}

function SeveritySummary({ result }: { result: ScanResult }) {
  const { t } = useTranslation();
  const counts = result.summary.vulnerabilities;
  const total = counts.total;
  return (
    <Stack gap="xs" component="section" aria-label={t('scan.summaryCaption')}>
      <Group justify="space-between" align="baseline">
        <Title order={3} fz="h5" fw={600} data-testid="scan-total" data-count={total}>
          {t('scan.summaryTotal', { count: total })}
        </Title>
        <Text size="sm" c="dimmed" data-testid="scan-packages-total">
          {t('scan.packagesTotal', { count: result.summary.packages })}
        </Text>
      </Group>
      <Group gap="xs" data-testid="scan-severity-summary">
        {severities.map((severity) => (
          <SeverityCountBadge
            key={severity}
            severity={severity}
            count={counts[severity]}
            // A severity with nothing in it stays quiet; one with findings stands out in its colour.
            variant={counts[severity] > 0 ? 'filled' : 'light'}
            size="lg"
            testId="severity-count"
          />
        ))}
      </Group>
      {(result.secrets.length > 0 || result.malware.length > 0) && (
        <Alert
          color="red"
          variant="light"
          icon={<IconAlertTriangle aria-hidden />}
          title={t('scan.exposureTitle')}
          data-testid="scan-exposure"
        >
          <Text size="sm">
            {[
              result.secrets.length > 0 && t('scan.secretsFound', { count: result.secrets.length }),
              result.malware.length > 0 && t('scan.malwareFound', { count: result.malware.length }),
            ]
              .filter(Boolean)
              .join(' ')}
          </Text>
        </Alert>
      )}
      {result.skipped.length > 0 && (
        <Alert
          color="yellow"
          variant="light"
          icon={<IconAlertTriangle aria-hidden />}
          title={t('scan.skippedTitle', { count: result.skipped.length })}
          data-testid="scan-skipped"
        >
          <List size="sm" spacing={2}>
            {result.skipped.map((file) => (
              <List.Item key={`${file.path} ${file.reason}`}>
                <Code>{file.path}</Code> {file.reason}
              </List.Item>
            ))}
          </List>
        </Alert>
      )}
      {total > 0 && (
        <Progress.Root size="lg" aria-hidden>
          {severities.map((severity) =>
            counts[severity] > 0 ? (
              <Tooltip
                key={severity}
                label={t('scan.severityCount', {
                  severity: t(`scan.severity.${severity}`),
                  count: counts[severity],
                })}
              >
                <Progress.Section
                  value={(counts[severity] / total) * 100}
                  color={severityColor[severity]}
                />
              </Tooltip>
            ) : null,
          )}
        </Progress.Root>
      )}
    </Stack>
  );
}

/** A finding's CVSS vector, headed by which CVSS version its score came from. */
function CvssLabel({ score, vector }: { score?: number | undefined; vector?: string | undefined }) {
  const { t } = useTranslation();
  const version = cvssVersionOf(vector);
  return (
    <Stack gap={2}>
      {score !== undefined && version && (
        <Text size="xs" fw={600}>
          {t('cvss.scoreSource', { version, score: score.toFixed(1) })}
        </Text>
      )}
      <Text size="xs">{vector}</Text>
    </Stack>
  );
}

export function SeverityBadge({ severity }: { severity: Severity }) {
  const { t } = useTranslation();
  return (
    <Badge
      color={severityColor[severity]}
      variant="filled"
      radius="sm"
      className={classes.noShrink}
      data-testid="vulnerability-severity"
      data-severity={severity}
    >
      {t(`scan.severity.${severity}`)}
    </Badge>
  );
}

function VulnerabilitiesTable({ result }: { result: ScanResult }) {
  const { t } = useTranslation();
  const scan = useStore((state) => state.scan);
  const openRecord = useStore((state) => state.vulndb.openRecord);
  const filter = useDeferredValue(scan.vulnerabilityFilter);
  const rows = useMemo(
    () =>
      visibleVulnerabilities(
        result.vulnerabilities,
        filter,
        scan.severityFilter,
        scan.vulnerabilitySort,
      ),
    [result.vulnerabilities, filter, scan.severityFilter, scan.vulnerabilitySort],
  );
  const present = severities.filter((s) => result.summary.vulnerabilities[s] > 0);
  const columns = ['severity', 'id', 'package', 'installed', 'fixed'] as const;
  return (
    <Stack gap="sm">
      <Group gap="sm" align="center" wrap="wrap">
        <FilterInput
          label={t('scan.vulnerabilities.filterLabel')}
          placeholder={t('scan.vulnerabilities.filterPlaceholder')}
          clearLabel={t('scan.vulnerabilities.clearFilter')}
          value={scan.vulnerabilityFilter}
          onChange={scan.setVulnerabilityFilter}
          testId="vulnerabilities-filter"
        />
        <MultiSelect
          w={300}
          aria-label={t('scan.vulnerabilities.severityFilter')}
          placeholder={
            scan.severityFilter.length
              ? undefined
              : t('scan.vulnerabilities.severityFilterPlaceholder')
          }
          data={present.map((severity) => ({
            value: severity,
            label: t(`scan.severity.${severity}`),
          }))}
          value={scan.severityFilter}
          onChange={(values) => scan.setSeverityFilter(values as Severity[])}
          clearable
          data-testid="vulnerabilities-severity-filter"
        />
        <Text size="sm" c="dimmed" ml="auto" aria-live="polite" data-testid="vulnerabilities-shown">
          {t('scan.vulnerabilities.shown', {
            shown: rows.length,
            count: result.vulnerabilities.length,
          })}
        </Text>
      </Group>
      <Paper withBorder radius="md" className={classes.tablePaper}>
        <Table.ScrollContainer minWidth={760} type="native">
          <Table
            highlightOnHover
            verticalSpacing="xs"
            horizontalSpacing="md"
            aria-label={t('scan.vulnerabilities.caption')}
            data-testid="vulnerabilities-table"
          >
            <Table.Thead>
              <Table.Tr>
                {columns.map((column) => (
                  <SortableTh
                    key={column}
                    label={t(`scan.vulnerabilities.column.${column}`)}
                    column={column}
                    sort={scan.vulnerabilitySort}
                    onSort={scan.sortVulnerabilities}
                  />
                ))}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((v) => (
                <Table.Tr
                  key={`${v.id}|${v.package}|${v.installedVersion}`}
                  data-testid="vulnerability-row"
                  data-id={v.id}
                  data-package={v.package}
                >
                  <Table.Td>
                    <Tooltip
                      label={<CvssLabel score={v.score} vector={v.vector} />}
                      disabled={!v.vector}
                      withArrow
                      maw={420}
                      multiline
                    >
                      <Group gap={6} wrap="nowrap">
                        <SeverityBadge severity={v.severity} />
                        {v.score !== undefined && (
                          <Text
                            size="xs"
                            c="dimmed"
                            className={classes.tabular}
                            data-testid="vulnerability-score"
                            data-cvss-version={cvssVersionOf(v.vector)}
                          >
                            {v.score.toFixed(1)}
                          </Text>
                        )}
                      </Group>
                    </Tooltip>
                  </Table.Td>
                  <Table.Td>
                    <Stack gap={0}>
                      <Group gap={4} wrap="nowrap">
                        <UnstyledButton
                          className={classes.recordLink}
                          onClick={() => void openRecord(v.id)}
                          aria-label={t('scan.vulnerabilities.openRecord', { id: v.id })}
                          data-testid="vulnerability-id"
                        >
                          {v.id}
                        </UnstyledButton>
                        <TraceButton query={v.id} />
                      </Group>
                      {v.aliases.length > 0 && (
                        <Text size="xs" c="dimmed" className={classes.wrapAnywhere}>
                          {v.aliases.join(', ')}
                        </Text>
                      )}
                      {v.summary && (
                        <Text size="xs" c="dimmed" lineClamp={1} title={v.summary}>
                          {v.summary}
                        </Text>
                      )}
                    </Stack>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" fw={500} data-testid="vulnerability-package">
                      {v.package}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" ff="monospace" className={classes.wrapAnywhere}>
                      {v.installedVersion}
                    </Text>
                  </Table.Td>
                  <Table.Td data-testid="vulnerability-fixed">
                    {v.fixedVersion ? (
                      <Text size="sm" ff="monospace" className={classes.wrapAnywhere}>
                        {v.fixedVersion}
                      </Text>
                    ) : (
                      <Text size="sm" c="dimmed">
                        {t('scan.vulnerabilities.noFix')}
                      </Text>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
        {rows.length === 0 && (
          <Text size="sm" c="dimmed" p="md" data-testid="vulnerabilities-no-match">
            {t('scan.vulnerabilities.noMatch')}
          </Text>
        )}
      </Paper>
    </Stack>
  );
}

function PackagesTable({ result }: { result: ScanResult }) {
  const { t } = useTranslation();
  const scan = useStore((state) => state.scan);
  const filter = useDeferredValue(scan.packageFilter);
  const rows = useMemo(
    () => visiblePackages(result.packages, filter, scan.packageSort),
    [result.packages, filter, scan.packageSort],
  );
  const columns = ['type', 'name', 'version', 'source'] as const;
  return (
    <Stack gap="sm">
      <Group gap="sm" align="center">
        <FilterInput
          label={t('scan.packages.filterLabel')}
          placeholder={t('scan.packages.filterPlaceholder')}
          clearLabel={t('scan.packages.clearFilter')}
          value={scan.packageFilter}
          onChange={scan.setPackageFilter}
          testId="packages-filter"
        />
        <Text size="sm" c="dimmed" ml="auto" aria-live="polite" data-testid="packages-shown">
          {t('scan.packages.shown', { shown: rows.length, count: result.packages.length })}
        </Text>
      </Group>
      <Paper withBorder radius="md" className={classes.tablePaper}>
        <Table.ScrollContainer minWidth={860} type="native">
          <Table
            striped
            verticalSpacing={6}
            horizontalSpacing="md"
            aria-label={t('scan.packages.caption')}
            data-testid="packages-table"
          >
            <Table.Thead>
              <Table.Tr>
                {columns.map((column) => (
                  <SortableTh
                    key={column}
                    label={t(`scan.packages.column.${column}`)}
                    column={column}
                    sort={scan.packageSort}
                    onSort={scan.sortPackages}
                  />
                ))}
                <Table.Th scope="col">{t('scan.packages.column.purl')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((p) => (
                <Table.Tr
                  key={`${p.purl}|${p.path ?? ''}`}
                  data-testid="package-row"
                  data-name={p.name}
                >
                  <Table.Td>
                    <Badge variant="light" color="gray" radius="sm" tt="none">
                      {p.type}
                    </Badge>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" fw={500}>
                      {p.name}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" ff="monospace" className={classes.wrapAnywhere}>
                      {p.version}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    {p.source ? (
                      <Text size="sm" className={classes.wrapAnywhere}>
                        {p.source.name}
                        {p.source.version !== p.version && (
                          <Text span size="xs" c="dimmed" ff="monospace">
                            {' '}
                            {p.source.version}
                          </Text>
                        )}
                      </Text>
                    ) : (
                      <Text size="sm" c="dimmed">
                        {t('common.none')}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Text size="xs" ff="monospace" c="dimmed" className={classes.wrapAnywhere}>
                      {p.purl}
                    </Text>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
        {rows.length === 0 && (
          <Text size="sm" c="dimmed" p="md" data-testid="packages-no-match">
            {t('scan.packages.noMatch')}
          </Text>
        )}
      </Paper>
    </Stack>
  );
}

/** How the image was built: each failed check with what was found and what to do. */
function BaselineTable({ findings }: { findings: BaselineFinding[] }) {
  const { t } = useTranslation();
  const rows = [...findings].sort(
    (a, b) =>
      severities.indexOf(a.severity) - severities.indexOf(b.severity) || a.id.localeCompare(b.id),
  );
  return (
    <Paper withBorder radius="md" className={classes.tablePaper}>
      <Table.ScrollContainer minWidth={760} type="native">
        <Table
          verticalSpacing="sm"
          horizontalSpacing="md"
          aria-label={t('scan.baseline.caption')}
          data-testid="baseline-table"
        >
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">{t('scan.baseline.severity')}</Table.Th>
              <Table.Th scope="col">{t('scan.baseline.check')}</Table.Th>
              <Table.Th scope="col">{t('scan.baseline.finding')}</Table.Th>
              <Table.Th scope="col">{t('scan.baseline.remedy')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((finding) => (
              <Table.Tr key={finding.id} data-testid="baseline-row" data-id={finding.id}>
                <Table.Td>
                  <SeverityBadge severity={finding.severity} />
                </Table.Td>
                <Table.Td>
                  <Text size="sm" ff="monospace" className={classes.nowrap}>
                    {finding.id}
                  </Text>
                  {finding.cis && (
                    <Text size="xs" c="dimmed">
                      {t('scan.baseline.cis', { section: finding.cis })}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>
                  <Text size="sm" fw={500}>
                    {finding.title}
                  </Text>
                  {finding.details.length > 0 && (
                    <Text size="xs" c="dimmed" ff="monospace" className={classes.wrapAnywhere}>
                      {finding.details.join(', ')}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{finding.remedy}</Text>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Paper>
  );
}

function SecretsTable({ findings }: { findings: SecretFinding[] }) {
  const { t } = useTranslation();
  return (
    <Stack gap="xs">
      <Text size="sm" c="dimmed">
        {t('scan.secrets.note')}
      </Text>
      <Paper withBorder radius="md" className={classes.tablePaper}>
        <Table
          verticalSpacing="xs"
          horizontalSpacing="md"
          aria-label={t('scan.secrets.caption')}
          data-testid="secrets-table"
        >
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">{t('scan.secrets.rule')}</Table.Th>
              <Table.Th scope="col">{t('scan.secrets.path')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {findings.map((finding) => (
              <Table.Tr
                key={`${finding.rule}|${finding.path}|${finding.line}`}
                data-testid="secret-row"
                data-rule={finding.rule}
              >
                <Table.Td>
                  <Text size="sm" fw={500}>
                    {finding.title}
                  </Text>
                  <Text size="xs" c="dimmed" ff="monospace">
                    {finding.rule}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm" ff="monospace" className={classes.wrapAnywhere}>
                    {finding.path}
                  </Text>
                  <Text size="xs" c="dimmed">
                    {t('scan.secrets.line', { line: finding.line })}
                  </Text>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Paper>
    </Stack>
  );
}

function MalwareTable({ findings }: { findings: MalwareFinding[] }) {
  const { t } = useTranslation();
  return (
    <Paper withBorder radius="md" className={classes.tablePaper}>
      <Table.ScrollContainer minWidth={760} type="native">
        <Table
          verticalSpacing="xs"
          horizontalSpacing="md"
          aria-label={t('scan.malware.caption')}
          data-testid="malware-table"
        >
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">{t('scan.malware.rule')}</Table.Th>
              <Table.Th scope="col">{t('scan.malware.path')}</Table.Th>
              <Table.Th scope="col">{t('scan.malware.sha256')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {findings.map((finding) => (
              <Table.Tr
                key={`${finding.rule}|${finding.path}`}
                data-testid="malware-row"
                data-rule={finding.rule}
              >
                <Table.Td>
                  <Text size="sm" fw={500}>
                    {finding.title}
                  </Text>
                  <Text size="xs" c="dimmed" ff="monospace">
                    {finding.rule}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm" ff="monospace" className={classes.wrapAnywhere}>
                    {finding.path}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Digest digest={`sha256:${finding.sha256}`} copyable />
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Paper>
  );
}

function FilterInput({
  label,
  placeholder,
  clearLabel,
  value,
  onChange,
  testId,
}: {
  label: string;
  placeholder: string;
  clearLabel: string;
  value: string;
  onChange: (value: string) => void;
  testId: string;
}) {
  return (
    <TextInput
      w={340}
      aria-label={label}
      placeholder={placeholder}
      leftSection={<IconSearch size={16} aria-hidden />}
      rightSection={
        value ? (
          <CloseButton size="sm" aria-label={clearLabel} onClick={() => onChange('')} />
        ) : null
      }
      value={value}
      onChange={(event) => onChange(event.currentTarget.value)}
      spellCheck={false}
      data-testid={testId}
    />
  );
}

function SortableTh<C extends string>({
  label,
  column,
  sort,
  onSort,
}: {
  label: string;
  column: C;
  sort: Sort<C>;
  onSort: (column: C) => void;
}) {
  const { t } = useTranslation();
  const active = sort.column === column;
  return (
    <Table.Th scope="col" aria-sort={active ? sort.direction : undefined}>
      <UnstyledButton
        className={classes.sortButton}
        onClick={() => onSort(column)}
        aria-label={t('scan.sortBy', { column: label })}
        data-testid={`sort-${column}`}
      >
        <span>{label}</span>
        {!active ? (
          <IconSelector size={14} aria-hidden className={classes.sortIconIdle} />
        ) : sort.direction === 'ascending' ? (
          <IconChevronUp size={14} aria-hidden />
        ) : (
          <IconChevronDown size={14} aria-hidden />
        )}
      </UnstyledButton>
    </Table.Th>
  );
}
