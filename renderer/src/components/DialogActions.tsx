import { Button, Group } from '@mantine/core';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

/**
 * A dialog's footer: Cancel, then the one action it exists for. The action submits the
 * surrounding form unless `onConfirm` is given (a confirmation without fields).
 */
export function DialogActions({
  busy,
  onCancel,
  label,
  busyLabel,
  testId,
  color,
  icon,
  disabled,
  onConfirm,
}: {
  busy: boolean;
  onCancel: () => void;
  label: string;
  /** Names the spinner shown while the action runs. */
  busyLabel?: string;
  testId: string;
  color?: string;
  icon?: ReactNode;
  disabled?: boolean;
  onConfirm?: () => void;
}) {
  const { t } = useTranslation();
  return (
    <Group justify="flex-end" gap="sm" mt="xs">
      <Button variant="default" onClick={onCancel} disabled={busy}>
        {t('common.cancel')}
      </Button>
      <Button
        type={onConfirm ? 'button' : 'submit'}
        onClick={onConfirm}
        color={color}
        leftSection={icon}
        loading={busy}
        loaderProps={busyLabel ? { 'aria-label': busyLabel } : undefined}
        disabled={disabled}
        data-testid={testId}
      >
        {label}
      </Button>
    </Group>
  );
}
