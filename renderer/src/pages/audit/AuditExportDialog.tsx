import { SegmentedControl, Stack, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AuditExportFormat } from '../../../../shared/contract';
import { DialogForm } from '../../components/DialogForm';
import { DialogModal } from '../../components/DialogModal';
import { ErrorAlert } from '../../components/ErrorAlert';
import { SavedFileView } from '../../components/SavedFileView';
import { formatNumber } from '../../lib/format';
import { useSaveForm } from '../../components/useSaveForm';
import { useStore } from '../../store';

const FORMATS: AuditExportFormat[] = ['jsonl', 'csv', 'html'];

/** Writes the events matching the current filters to a new file, signed by the engine. */
export function AuditExportDialog({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const { t, i18n } = useTranslation();
  const exportEvents = useStore((state) => state.audit.exportEvents);
  const query = useStore((state) => state.audit.query);
  const total = useStore((state) => state.audit.total);
  const [format, setFormat] = useState<AuditExportFormat>('jsonl');
  const { path, setPath, problem, busy, error, written, close, submit } = useSaveForm(
    onClose,
    t('audit.export.pathRequired'),
    (target) => exportEvents(format, target),
  );
  const filtered = Object.keys(query).length > 0;

  return (
    <DialogModal
      opened={opened}
      busy={busy}
      onClose={close}
      title={t('audit.export.title')}
      size="md"
      testId="audit-export-form"
    >
      {written ? (
        <SavedFileView
          message={t('audit.export.done', {
            count: written.events,
            formattedCount: formatNumber(written.events, i18n.language),
            format: t(`audit.export.format.${written.format}`),
          })}
          path={written.out}
          testId="audit-export-done"
          pathTestId="audit-export-path"
          onClose={close}
        />
      ) : (
        <DialogForm
          onSubmit={submit}
          busy={busy}
          onCancel={close}
          label={t('audit.export.submit')}
          testId="audit-export-submit"
        >
          {error && (
            <ErrorAlert
              error={error}
              title={t('audit.export.failed')}
              testId="audit-export-error"
            />
          )}
          <Text size="sm" c="dimmed" data-testid="audit-export-scope">
            {filtered
              ? t('audit.export.scopeFiltered', {
                  count: formatNumber(total ?? 0, i18n.language),
                })
              : t('audit.export.scopeAll')}
          </Text>
          <Stack gap={4}>
            <Text size="sm" fw={500} id="audit-export-format-label">
              {t('audit.export.formatLabel')}
            </Text>
            <SegmentedControl
              value={format}
              onChange={(value) => setFormat(value as AuditExportFormat)}
              data={FORMATS.map((value) => ({
                value,
                label: t(`audit.export.format.${value}`),
              }))}
              aria-labelledby="audit-export-format-label"
              data-testid="audit-export-format"
            />
          </Stack>
          <TextInput
            label={t('audit.export.path')}
            description={t('audit.export.pathHint')}
            value={path}
            onChange={(event) => setPath(event.currentTarget.value)}
            error={problem}
            spellCheck={false}
            autoComplete="off"
            data-testid="audit-export-path-input"
          />
        </DialogForm>
      )}
    </DialogModal>
  );
}
