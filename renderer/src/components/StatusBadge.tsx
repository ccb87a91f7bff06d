import { Badge } from '@mantine/core';
import { IconAlertTriangle, IconCircleCheck, IconCircleX } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import type { CheckState } from '../../../shared/contract';

const look = {
  ok: { color: 'teal', Icon: IconCircleCheck },
  warning: { color: 'yellow', Icon: IconAlertTriangle },
  error: { color: 'red', Icon: IconCircleX },
} as const;

/** The outcome of an environment check, as a coloured badge with an icon and a word. */
export function StatusBadge({ state, testId }: { state: CheckState; testId?: string }) {
  const { t } = useTranslation();
  const { color, Icon } = look[state];
  return (
    <Badge
      color={color}
      variant="light"
      size="lg"
      radius="sm"
      leftSection={<Icon size={14} stroke={2} aria-hidden />}
      data-testid={testId}
      data-state={state}
    >
      {t(`state.${state}`)}
    </Badge>
  );
}
