import { Badge, type MantineSize } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { Severity } from '../../../shared/contract';
import { formatNumber } from '../lib/format';
import { severityColor } from '../lib/scan';

/** How many findings of one severity; a severity with none stays gray. */
export function SeverityCountBadge({
  severity,
  count,
  variant,
  size,
  testId,
}: {
  severity: Severity;
  count: number;
  variant: 'filled' | 'light';
  size?: MantineSize;
  testId: string;
}) {
  const { t, i18n } = useTranslation();
  return (
    <Badge
      color={count > 0 ? severityColor[severity] : 'gray'}
      variant={variant}
      radius="sm"
      size={size}
      data-testid={testId}
      data-severity={severity}
      data-count={count}
    >
      {t('scan.severityCount', {
        severity: t(`scan.severity.${severity}`),
        count: formatNumber(count, i18n.language),
      })}
    </Badge>
  );
}
