import { Badge, Button, Group, Paper, Stack, Table, Text } from '@mantine/core';
import { IconPlus, IconTruckDelivery } from '@tabler/icons-react';
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import type { DeliverySummary } from '../../../../shared/contract';
import { ListStates } from '../../components/ListStates';
import { PageHeader } from '../../components/PageHeader';
import { RefreshButton } from '../../components/RefreshButton';
import { useNow } from '../../hooks/useNow';
import { formatDateTime, formatRelativeTime } from '../../lib/format';
import { useStore } from '../../store';
import { BundleExportButton, BundleImportButton } from './BundleDialogs';
import { DeliveryDrawer } from './DeliveryDrawer';
import { NewDeliveryModal } from './NewDeliveryModal';
import { CustomerChip, DeliveryStatusBadge } from './parts';
import classes from './DeliveriesPage.module.css';

/** Deliveries: what went to which customers, with its state; new deliveries and resumes. */
export function DeliveriesPage() {
  const { t } = useTranslation();
  const deliveries = useStore((state) => state.deliveries);
  const { load, openNew, watch } = deliveries;

  useEffect(() => {
    void load();
  }, [load]);
  useEffect(() => watch(), [watch]);

  return (
    <>
      <PageHeader
        title={t('deliveries.title')}
        description={t('deliveries.description')}
        actions={
          <>
            <RefreshButton
              label={t('deliveries.refresh')}
              busyLabel={t('deliveries.refreshing')}
              loading={deliveries.loading}
              onRefresh={() => void load()}
              testId="deliveries-refresh"
            />
            <BundleImportButton />
            <BundleExportButton />
            <Button
              leftSection={<IconPlus size={16} aria-hidden />}
              onClick={openNew}
              data-testid="deliveries-new"
            >
              {t('deliveries.new')}
            </Button>
          </>
        }
      />

      <Stack gap="md">
        <ListStates
          list={deliveries}
          testId="deliveries"
          loadingLabel={t('deliveries.loading')}
          empty={{
            icon: <IconTruckDelivery aria-hidden />,
            title: t('deliveries.empty.title'),
            description: t('deliveries.empty.description'),
            actions: <Button onClick={openNew}>{t('deliveries.new')}</Button>,
          }}
        >
          <Text size="sm" c="dimmed" data-testid="deliveries-count" aria-live="polite">
            {t('deliveries.count', { count: deliveries.items.length })}
          </Text>
          <DeliveriesTable items={deliveries.items} busy={deliveries.loading} />
        </ListStates>
      </Stack>

      <DeliveryDrawer />
      <NewDeliveryModal />
    </>
  );
}

function DeliveriesTable({ items, busy }: { items: DeliverySummary[]; busy: boolean }) {
  const { t, i18n } = useTranslation();
  const select = useStore((state) => state.deliveries.select);
  const selectedId = useStore((state) => state.deliveries.selectedId);
  const now = useNow();
  const rows = [...items].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  return (
    <Paper withBorder radius="md" className={classes.tablePaper}>
      <Table.ScrollContainer minWidth={860} type="native">
        <Table
          highlightOnHover
          verticalSpacing="sm"
          horizontalSpacing="sm"
          aria-label={t('deliveries.caption')}
          aria-busy={busy}
          data-testid="deliveries-table"
        >
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">{t('deliveries.column.release')}</Table.Th>
              <Table.Th scope="col">{t('deliveries.column.when')}</Table.Th>
              <Table.Th scope="col">{t('deliveries.column.status')}</Table.Th>
              <Table.Th scope="col">{t('deliveries.column.customers')}</Table.Th>
              <Table.Th scope="col" ta="right">
                {t('deliveries.column.images')}
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((delivery) => (
              <Table.Tr
                key={delivery.id}
                className={classes.row}
                onClick={() => select(delivery.id)}
                aria-selected={selectedId === delivery.id}
                data-testid="delivery-row"
                data-delivery-id={delivery.id}
                data-release={delivery.release}
                data-status={delivery.status}
              >
                <Table.Td>
                  <Stack gap={2} align="flex-start">
                    {/* The row opens on click; the button makes it reachable by keyboard too. */}
                    <Button
                      variant="subtle"
                      size="compact-sm"
                      px={0}
                      ff="monospace"
                      onClick={(event) => {
                        event.stopPropagation();
                        select(delivery.id);
                      }}
                      aria-label={t('deliveries.open', { release: delivery.release })}
                      data-testid="delivery-open"
                    >
                      {delivery.release}
                    </Button>
                    {delivery.origin === 'bundle' && (
                      <Badge size="xs" variant="outline" color="gray" radius="sm">
                        {t('deliveries.origin.bundle')}
                      </Badge>
                    )}
                  </Stack>
                </Table.Td>
                <Table.Td className={classes.nowrap}>
                  <Text size="sm" title={formatDateTime(delivery.createdAt, i18n.language)}>
                    {formatRelativeTime(delivery.createdAt, i18n.language, now)}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <DeliveryStatusBadge status={delivery.status} testId="delivery-status" />
                </Table.Td>
                <Table.Td>
                  <Group gap={4} maw={420}>
                    {delivery.customers.map((customer) => (
                      <CustomerChip key={customer.name} customer={customer} />
                    ))}
                  </Group>
                </Table.Td>
                <Table.Td ta="right" className={classes.tabular} data-testid="delivery-images">
                  {delivery.images}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Paper>
  );
}
