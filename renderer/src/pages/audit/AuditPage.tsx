import { Alert, Button, EmptyState, Group, Skeleton, Stack, Text } from '@mantine/core';
import {
  IconAlertTriangle,
  IconCircleCheck,
  IconFileExport,
  IconFilterOff,
  IconRefresh,
  IconRoute,
  IconShieldCheck,
} from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorAlert } from '../../components/ErrorAlert';
import { PageHeader } from '../../components/PageHeader';
import { TraceDialog } from '../../components/TraceDialog';
import { formatNumber } from '../../lib/format';
import { useStore } from '../../store';
import { AuditEventDrawer } from './AuditEventDrawer';
import { AuditExportDialog } from './AuditExportDialog';
import { AuditFilters } from './AuditFilters';
import { AuditTable } from './AuditTable';

/** The workspace's audit log: browse and filter every event, check the chain, export. */
export function AuditPage() {
  const { t, i18n } = useTranslation();
  const total = useStore((state) => state.audit.total);
  const filtered = useStore((state) => Object.keys(state.audit.query).length > 0);
  const error = useStore((state) => state.audit.error);
  const resetForm = useStore((state) => state.audit.resetForm);
  const verification = useStore((state) => state.audit.verification);
  const verify = useStore((state) => state.audit.verify);
  const refresh = useStore((state) => state.audit.refresh);
  // Only a fresh count is a refresh: page fetches while scrolling must not re-render the page.
  const refreshing = useStore((state) => state.audit.loading && state.audit.total === null);
  const [exporting, setExporting] = useState(false);
  const openTrace = useStore((state) => state.trace.openWith);

  const formattedCount = formatNumber(total ?? 0, i18n.language);
  return (
    <>
      <PageHeader
        title={t('audit.title')}
        description={t('audit.description')}
        actions={
          <>
            <Button
              variant="default"
              leftSection={<IconRefresh size={16} aria-hidden />}
              onClick={() => void refresh()}
              loading={refreshing}
              loaderProps={{ 'aria-label': t('audit.refreshing') }}
              data-testid="audit-refresh"
            >
              {t('audit.refresh')}
            </Button>
            <Button
              variant="default"
              leftSection={<IconShieldCheck size={16} aria-hidden />}
              onClick={() => void verify()}
              loading={verification.running}
              loaderProps={{ 'aria-label': t('audit.verify.running') }}
              data-testid="audit-verify"
            >
              {t('audit.verify.button')}
            </Button>
            <Button
              variant="default"
              leftSection={<IconRoute size={16} aria-hidden />}
              onClick={() => void openTrace()}
              data-testid="audit-trace"
            >
              {t('trace.auditButton')}
            </Button>
            <Button
              leftSection={<IconFileExport size={16} aria-hidden />}
              onClick={() => setExporting(true)}
              data-testid="audit-export"
            >
              {t('audit.export.button')}
            </Button>
          </>
        }
      />

      <Stack gap="md">
        <VerificationStatus />
        <AuditFilters />

        <Group justify="flex-end">
          <Text
            size="sm"
            c="dimmed"
            aria-live="polite"
            data-testid="audit-count"
            data-total={total ?? undefined}
          >
            {total === null
              ? '\u00a0'
              : filtered
                ? t('audit.countFiltered', { count: total, formattedCount })
                : t('audit.count', { count: total, formattedCount })}
          </Text>
        </Group>

        {error && <ErrorAlert error={error} testId="audit-error" />}
        {!error && total === null && <Skeleton height={320} radius="md" />}
        {!error && total === 0 && (
          <EmptyState
            data-testid="audit-empty"
            icon={<IconFilterOff aria-hidden />}
            title={t('audit.empty.title')}
            description={t('audit.empty.description')}
            py="xl"
          >
            {filtered && (
              <EmptyState.Actions>
                <Button variant="default" onClick={resetForm}>
                  {t('audit.filters.clear')}
                </Button>
              </EmptyState.Actions>
            )}
          </EmptyState>
        )}
        {!error && total !== null && total > 0 && <AuditTable />}
      </Stack>

      <AuditEventDrawer />
      <AuditExportDialog opened={exporting} onClose={() => setExporting(false)} />
      <TraceDialog />
    </>
  );
}

/** What the last Verify found: intact, broken at an event (and why), or that it could not run. */
function VerificationStatus() {
  const { t, i18n } = useTranslation();
  const { result, error } = useStore((state) => state.audit.verification);
  if (error) {
    return (
      <ErrorAlert error={error} title={t('audit.verify.failed')} testId="audit-verify-error" />
    );
  }
  if (!result) return null;
  if (result.ok) {
    return (
      <Alert
        color="teal"
        variant="light"
        icon={<IconCircleCheck aria-hidden />}
        title={t('audit.verify.intactTitle')}
        role="status"
        data-testid="audit-verify-status"
        data-ok="true"
      >
        {t('audit.verify.intact', {
          count: result.events,
          formattedCount: formatNumber(result.events, i18n.language),
        })}
      </Alert>
    );
  }
  const seq = result.firstBadSeq ?? result.events;
  return (
    <Alert
      color="red"
      variant="light"
      icon={<IconAlertTriangle aria-hidden />}
      title={t('audit.verify.brokenTitle', { seq })}
      role="alert"
      data-testid="audit-verify-status"
      data-ok="false"
      data-seq={seq}
    >
      <Stack gap={4}>
        <Text size="sm">{t('audit.verify.broken', { seq })}</Text>
        {result.reason && (
          <Text size="sm">{t('audit.verify.brokenReason', { reason: result.reason })}</Text>
        )}
      </Stack>
    </Alert>
  );
}
