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
import type { AuditExportFormat, ResponseOf } from '../../../../shared/contract';
import type { ApiError } from '../../api';
import { ErrorAlert } from '../../components/ErrorAlert';
import { formatNumber } from '../../lib/format';
import { useStore } from '../../store';

const FORMATS: AuditExportFormat[] = ['jsonl', 'csv', 'html'];

/** Writes the events matching the current filters to a new file, signed by the engine. */
export function AuditExportDialog({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const { t, i18n } = useTranslation();
  const exportEvents = useStore((state) => state.audit.exportEvents);
  const query = useStore((state) => state.audit.query);
  const total = useStore((state) => state.audit.total);
  const [format, setFormat] = useState<AuditExportFormat>('jsonl');
  const [path, setPath] = useState('');
  const [attempted, setAttempted] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [written, setWritten] = useState<ResponseOf<'audit.export'> | null>(null);

  const close = () => {
    if (busy) return;
    setPath('');
    setAttempted(false);
    setError(null);
    setWritten(null);
    onClose();
  };

  const filtered = Object.keys(query).length > 0;
  const pathProblem = path.trim() === '' ? t('audit.export.pathRequired') : null;
  const submit = async () => {
    setAttempted(true);
    if (pathProblem) return;
    setBusy(true);
    setError(null);
    const outcome = await exportEvents(format, path.trim());
    setBusy(false);
    if (outcome.ok) setWritten(outcome.data);
    else setError(outcome.error);
  };

  return (
    <Modal
      opened={opened}
      onClose={close}
      title={t('audit.export.title')}
      closeOnClickOutside={!busy}
      closeOnEscape={!busy}
      closeButtonProps={{ 'aria-label': t('common.closeDialog') }}
      data-testid="audit-export-form"
    >
      {written ? (
        <Stack gap="md" data-testid="audit-export-done">
          <Alert color="teal" variant="light" icon={<IconCircleCheck aria-hidden />}>
            <Stack gap="xs">
              <Text size="sm">
                {t('audit.export.done', {
                  count: written.events,
                  formattedCount: formatNumber(written.events, i18n.language),
                  format: t(`audit.export.format.${written.format}`),
                })}
              </Text>
              <Code block data-testid="audit-export-path">
                {written.out}
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
              error={attempted ? pathProblem : null}
              spellCheck={false}
              autoComplete="off"
              data-testid="audit-export-path-input"
            />
            <Group justify="flex-end">
              <Button variant="default" onClick={close} disabled={busy}>
                {t('common.cancel')}
              </Button>
              <Button type="submit" loading={busy} data-testid="audit-export-submit">
                {t('audit.export.submit')}
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}
