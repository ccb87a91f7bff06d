import { ActionIcon, Tooltip } from '@mantine/core';
import { IconRefresh } from '@tabler/icons-react';

/** The icon button that reloads a list, spinning while the reload runs. */
export function RefreshButton({
  label,
  busyLabel,
  loading,
  onRefresh,
  testId,
}: {
  /** The button's accessible name and tooltip. */
  label: string;
  /** Names the spinner shown while the reload runs. */
  busyLabel?: string;
  loading: boolean;
  onRefresh: () => void;
  testId?: string;
}) {
  return (
    <Tooltip label={label} withArrow>
      <ActionIcon
        variant="default"
        size={36}
        onClick={onRefresh}
        loading={loading}
        loaderProps={busyLabel ? { 'aria-label': busyLabel } : undefined}
        aria-label={label}
        data-testid={testId}
      >
        <IconRefresh size={16} aria-hidden />
      </ActionIcon>
    </Tooltip>
  );
}
