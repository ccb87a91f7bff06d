import { SegmentedControl, Stack, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ScanReportFormat } from '../../../../shared/contract';
import { DialogForm } from '../../components/DialogForm';
import { DialogModal } from '../../components/DialogModal';
import { ErrorAlert } from '../../components/ErrorAlert';
import { SavedFileView } from '../../components/SavedFileView';
import { formatNumber } from '../../lib/format';
import { useSaveForm } from '../../components/useSaveForm';
import { useStore } from '../../store';

const FORMATS: ScanReportFormat[] = ['cyclonedx', 'sarif', 'json'];

/** Saves the open scan report as CycloneDX, SARIF or the scan's own JSON, to a new file. */
export function ScanExportDialog({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const { t, i18n } = useTranslation();
  const exportReport = useStore((state) => state.scan.exportReport);
  const [format, setFormat] = useState<ScanReportFormat>('cyclonedx');
  const { path, setPath, problem, busy, error, written, close, submit } = useSaveForm(
    onClose,
    t('scan.exportForm.pathRequired'),
    (target) => exportReport(format, target),
  );

  return (
    <DialogModal
      opened={opened}
      busy={busy}
      onClose={close}
      title={t('scan.exportForm.title')}
      size="md"
      testId="scan-export-form"
    >
      {written ? (
        <SavedFileView
          message={t('scan.exportForm.done', {
            format: t(`scan.exportForm.format.${format}`),
            size: formatNumber(written.bytes, i18n.language),
          })}
          path={written.path}
          testId="scan-export-done"
          pathTestId="scan-export-path"
          onClose={close}
        />
      ) : (
        <DialogForm
          onSubmit={submit}
          busy={busy}
          onCancel={close}
          label={t('scan.exportForm.submit')}
          testId="scan-export-submit"
        >
          {error && (
            <ErrorAlert
              error={error}
              title={t('scan.exportForm.failed')}
              testId="scan-export-error"
            />
          )}
          <Stack gap={4}>
            <Text size="sm" fw={500}>
              {t('scan.exportForm.formatLabel')}
            </Text>
            <SegmentedControl
              value={format}
              onChange={(value) => setFormat(value as ScanReportFormat)}
              data={FORMATS.map((value) => ({
                value,
                label: t(`scan.exportForm.format.${value}`),
              }))}
              data-testid="scan-export-format"
            />
          </Stack>
          <TextInput
            label={t('scan.exportForm.path')}
            description={t('scan.exportForm.pathHint')}
            value={path}
            onChange={(event) => setPath(event.currentTarget.value)}
            error={problem}
            data-testid="scan-export-path-input"
          />
        </DialogForm>
      )}
    </DialogModal>
  );
}
