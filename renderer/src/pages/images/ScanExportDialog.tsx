import {
  Alert,
  Button,
  Code,
  Group,
  Modal,
  SegmentedControl,
  Stack,
  Text,
  TextInput,
} from '@mantine/core';
import { IconCircleCheck } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ScanReportFormat } from '../../../../shared/contract';
import type { ApiError } from '../../api';
import { ErrorAlert } from '../../components/ErrorAlert';
import { formatNumber } from '../../lib/format';
import { useStore } from '../../store';

const FORMATS: ScanReportFormat[] = ['cyclonedx', 'sarif', 'json'];

/** Saves the open scan report as CycloneDX, SARIF or the scan's own JSON, to a new file. */
export function ScanExportDialog({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const { t, i18n } = useTranslation();
  const exportReport = useStore((state) => state.scan.exportReport);
  const [format, setFormat] = useState<ScanReportFormat>('cyclonedx');
  const [path, setPath] = useState('');
  const [attempted, setAttempted] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [written, setWritten] = useState<{ path: string; bytes: number } | null>(null);

  const close = () => {
    if (busy) return;
    setPath('');
    setAttempted(false);
    setError(null);
    setWritten(null);
    onClose();
  };

  const pathProblem = path.trim() === '' ? t('scan.exportForm.pathRequired') : null;
  const submit = async () => {
    setAttempted(true);
    if (pathProblem) return;
    setBusy(true);
    setError(null);
    const outcome = await exportReport(format, path.trim());
    setBusy(false);
    if (outcome.ok) setWritten(outcome.data);
    else setError(outcome.error);
  };

  return (
    <Modal
      opened={opened}
      onClose={close}
      title={t('scan.exportForm.title')}
      closeOnClickOutside={!busy}
      closeOnEscape={!busy}
      data-testid="scan-export-form"
    >
      {written ? (
        <Stack gap="md" data-testid="scan-export-done">
          <Alert color="teal" variant="light" icon={<IconCircleCheck aria-hidden />}>
            <Stack gap="xs">
              <Text size="sm">
                {t('scan.exportForm.done', {
                  format: t(`scan.exportForm.format.${format}`),
                  size: formatNumber(written.bytes, i18n.language),
                })}
              </Text>
              <Code block data-testid="scan-export-path">
                {written.path}
              </Code>
            </Stack>
          </Alert>
          <Group justify="flex-end">
            <Button onClick={close}>{t('common.close')}</Button>
          </Group>
        </Stack>
      ) : (
        <form
          noValidate
          onSubmit={(event) => {
            event.preventDefault();
            void submit();
          }}
        >
          <Stack gap="md">
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
              error={attempted ? pathProblem : null}
              data-testid="scan-export-path-input"
            />
            <Group justify="flex-end">
              <Button variant="default" onClick={close} disabled={busy}>
                {t('common.cancel')}
              </Button>
              <Button type="submit" loading={busy} data-testid="scan-export-submit">
                {t('scan.exportForm.submit')}
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}
