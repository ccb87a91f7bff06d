import { Badge, Group, List, Stack, Text, Tooltip } from '@mantine/core';
import { IconCircleCheck, IconCircleX, IconShieldCheck, IconShieldX } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import type {
  DeliveryCustomer,
  DeliveryImage,
  DeliveryStatus,
  DeliveryTargetStatus,
} from '../../../../shared/contract';
import { SeverityCountBadge } from '../../components/SeverityCountBadge';
import { severities } from '../../lib/scan';
import classes from './DeliveriesPage.module.css';

const deliveryColor: Record<DeliveryStatus, string> = {
  running: 'indigo',
  interrupted: 'orange',
  blocked: 'red',
  delivered: 'teal',
  partial: 'orange',
  failed: 'red',
  cancelled: 'gray',
};

const customerColor: Record<DeliveryCustomer['status'], string> = {
  pending: 'gray',
  running: 'indigo',
  delivered: 'teal',
  partial: 'orange',
  failed: 'red',
  refused: 'red',
  cancelled: 'gray',
};

const targetColor: Record<DeliveryTargetStatus, string> = {
  pending: 'gray',
  copying: 'indigo',
  signing: 'indigo',
  tagging: 'indigo',
  verifying: 'indigo',
  delivered: 'teal',
  conflict: 'orange',
  failed: 'red',
  cancelled: 'gray',
};

export function DeliveryStatusBadge({
  status,
  testId,
}: {
  status: DeliveryStatus;
  testId?: string;
}) {
  const { t } = useTranslation();
  return (
    <Badge
      color={deliveryColor[status]}
      variant="light"
      radius="sm"
      className={classes.badge}
      data-testid={testId}
      data-status={status}
    >
      {t(`deliveries.status.${status}`)}
    </Badge>
  );
}

/** A customer's name and where its part of the delivery stands, as one chip. */
export function CustomerChip({
  customer,
}: {
  customer: Pick<DeliveryCustomer, 'name' | 'status'>;
}) {
  const { t } = useTranslation();
  return (
    <Badge
      color={customerColor[customer.status]}
      variant="dot"
      radius="sm"
      className={classes.chip}
      title={t(`deliveries.customerStatus.${customer.status}`)}
      data-testid="delivery-customer-chip"
      data-customer={customer.name}
      data-status={customer.status}
    >
      {customer.name}
      <Text span c="dimmed" inherit fw={400}>
        {' · '}
        {t(`deliveries.customerStatus.${customer.status}`)}
      </Text>
    </Badge>
  );
}

export function CustomerStatusBadge({ status }: { status: DeliveryCustomer['status'] }) {
  const { t } = useTranslation();
  return (
    <Badge
      color={customerColor[status]}
      variant="light"
      radius="sm"
      className={classes.badge}
      data-testid="delivery-customer-status"
      data-status={status}
    >
      {t(`deliveries.customerStatus.${status}`)}
    </Badge>
  );
}

export function TargetStatusBadge({ status }: { status: DeliveryTargetStatus }) {
  const { t } = useTranslation();
  return (
    <Badge
      color={targetColor[status]}
      variant="light"
      size="sm"
      radius="sm"
      className={classes.badge}
      data-testid="delivery-target-status"
      data-status={status}
    >
      {t(`deliveries.targetStatus.${status}`)}
    </Badge>
  );
}

/** The policy's word on an image or a release: pass or block. */
export function VerdictBadge({
  verdict,
  gate,
  testId,
}: {
  verdict: 'pass' | 'block' | undefined;
  /** Says "gate" rather than "verdict" in the label. */
  gate?: boolean;
  testId?: string;
}) {
  const { t } = useTranslation();
  if (!verdict) {
    return (
      <Badge color="gray" variant="light" radius="sm" data-testid={testId}>
        {t('deliveries.verdict.unknown')}
      </Badge>
    );
  }
  const Icon = verdict === 'pass' ? IconShieldCheck : IconShieldX;
  return (
    <Badge
      color={verdict === 'pass' ? 'teal' : 'red'}
      variant={gate ? 'filled' : 'light'}
      radius="sm"
      className={classes.badge}
      leftSection={<Icon size={14} aria-hidden />}
      data-testid={testId}
      data-verdict={verdict}
    >
      {gate ? t(`deliveries.gate.${verdict}`) : t(`deliveries.verdict.${verdict}`)}
    </Badge>
  );
}

/** Counts of findings by severity, most severe first; zero counts are left out. */
export function ScanSummary({ scan }: { scan: DeliveryImage['scan'] }) {
  const { t } = useTranslation();
  if (!scan) {
    return (
      <Text size="sm" c="dimmed" data-testid="delivery-scan-summary">
        {t('deliveries.scan.none')}
      </Text>
    );
  }
  const found = severities.filter((severity) => scan.vulnerabilities[severity] > 0);
  return (
    <Group gap={6} data-testid="delivery-scan-summary" data-total={scan.vulnerabilities.total}>
      <Text size="sm">{t('deliveries.scan.packages', { count: scan.packages })}</Text>
      {found.length === 0 ? (
        <Badge color="teal" variant="light" radius="sm">
          {t('deliveries.scan.noVulnerabilities')}
        </Badge>
      ) : (
        found.map((severity) => (
          <SeverityCountBadge
            key={severity}
            severity={severity}
            count={scan.vulnerabilities[severity]}
            variant="light"
            testId="delivery-severity"
          />
        ))
      )}
      {scan.secrets > 0 && (
        <Badge color="red" variant="light" radius="sm">
          {t('deliveries.scan.secrets', { count: scan.secrets })}
        </Badge>
      )}
      {scan.malware > 0 && (
        <Badge color="red" variant="filled" radius="sm">
          {t('deliveries.scan.malware', { count: scan.malware })}
        </Badge>
      )}
    </Group>
  );
}

/** Why the policy blocked an image, and what it only warned about. */
export function PolicyReasons({ image }: { image: DeliveryImage }) {
  const { t } = useTranslation();
  if (image.reasons.length === 0 && image.warnings.length === 0) return null;
  return (
    <Stack gap={4}>
      {image.reasons.length > 0 && (
        <List size="sm" spacing={2} data-testid="delivery-reasons">
          {image.reasons.map((reason, index) => (
            <List.Item key={`${reason.id}-${index}`} c="red">
              <Text span fw={600} inherit ff="monospace">
                {reason.id}
              </Text>{' '}
              {reason.why}
              {reason.package && (
                <Text span c="dimmed" inherit>
                  {' '}
                  ({reason.package})
                </Text>
              )}
            </List.Item>
          ))}
        </List>
      )}
      {image.warnings.length > 0 && (
        <Tooltip
          label={image.warnings.map((warning) => `${warning.id}: ${warning.why}`).join('\n')}
          multiline
          maw={520}
          withArrow
        >
          <Text size="xs" c="dimmed" tabIndex={0} className={classes.more}>
            {t('deliveries.warnings', { count: image.warnings.length })}
          </Text>
        </Tooltip>
      )}
    </Stack>
  );
}

/** Yes / no with an icon, for "signed" and "verified". */
export function YesNo({ value, testId }: { value: boolean; testId?: string }) {
  const { t } = useTranslation();
  const Icon = value ? IconCircleCheck : IconCircleX;
  return (
    <Group gap={4} wrap="nowrap" data-testid={testId} data-value={value}>
      <Icon
        size={16}
        color={value ? 'var(--mantine-color-teal-6)' : 'var(--mantine-color-gray-5)'}
        aria-hidden
      />
      <Text size="sm">{value ? t('deliveries.yes') : t('deliveries.no')}</Text>
    </Group>
  );
}
