import {
  ActionIcon,
  Badge,
  Button,
  Group,
  Menu,
  Paper,
  Stack,
  Table,
  Text,
  Tooltip,
  VisuallyHidden,
} from '@mantine/core';
import {
  IconBuildingStore,
  IconDots,
  IconLock,
  IconLockOpen,
  IconPackageExport,
  IconPencil,
  IconPlugConnected,
  IconPlus,
  IconTrash,
} from '@tabler/icons-react';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Customer } from '../../../../shared/contract';
import { ListStates } from '../../components/ListStates';
import { PageHeader } from '../../components/PageHeader';
import { RefreshButton } from '../../components/RefreshButton';
import { useStore } from '../../store';
import { ConnectionProblem, ConnectionSteps } from './ConnectionTest';
import { KitModal, RemoveCustomerModal } from './CustomerDialogs';
import { CustomerFormModal } from './CustomerFormModal';
import classes from './CustomersPage.module.css';

/** A dialog about one customer, or the add form. */
type Dialog = { kind: 'add' } | { kind: 'edit' | 'remove' | 'kit'; customer: Customer };
type RowAction = Exclude<Dialog['kind'], 'add'>;

/** Customer accounts: list, add, edit, remove, test the connection, export a verification kit. */
export function CustomersPage() {
  const { t } = useTranslation();
  const customers = useStore((state) => state.customers);
  const { load } = customers;
  const [dialog, setDialog] = useState<Dialog | null>(null);

  useEffect(() => {
    void load();
  }, [load]);

  const close = () => setDialog(null);
  const customerOf = (kind: RowAction) => (dialog?.kind === kind ? dialog.customer : null);
  const add = () => setDialog({ kind: 'add' });

  return (
    <>
      <PageHeader
        title={t('customers.title')}
        description={t('customers.description')}
        actions={
          <>
            <RefreshButton
              label={t('customers.refresh')}
              busyLabel={t('customers.refreshing')}
              loading={customers.loading}
              onRefresh={() => void load()}
              testId="customers-refresh"
            />
            <Button
              leftSection={<IconPlus size={16} aria-hidden />}
              onClick={add}
              data-testid="customers-add"
            >
              {t('customers.add')}
            </Button>
          </>
        }
      />

      <Stack gap="md">
        <ListStates
          list={customers}
          testId="customers"
          loadingLabel={t('customers.loading')}
          empty={{
            icon: <IconBuildingStore aria-hidden />,
            title: t('customers.empty.title'),
            description: t('customers.empty.description'),
            actions: (
              <>
                <Button onClick={add}>{t('customers.add')}</Button>
              </>
            ),
          }}
        >
          <Text size="sm" c="dimmed" data-testid="customers-count" aria-live="polite">
            {t('customers.count', { count: customers.items.length })}
          </Text>
          <CustomersTable
            items={customers.items}
            busy={customers.loading}
            onAction={(kind, customer) => setDialog({ kind, customer })}
          />
        </ListStates>
      </Stack>

      <CustomerFormModal
        opened={dialog?.kind === 'add' || dialog?.kind === 'edit'}
        customer={customerOf('edit')}
        onClose={close}
      />
      <RemoveCustomerModal customer={customerOf('remove')} onClose={close} />
      <KitModal customer={customerOf('kit')} onClose={close} />
    </>
  );
}

const COLUMNS = 6;

function CustomersTable({
  items,
  busy,
  onAction,
}: {
  items: Customer[];
  busy: boolean;
  onAction: (kind: RowAction, customer: Customer) => void;
}) {
  const { t, i18n } = useTranslation();
  const tests = useStore((state) => state.customers.tests);
  const rows = [...items].sort((a, b) => a.name.localeCompare(b.name, i18n.language));
  return (
    <Paper withBorder radius="md" className={classes.tablePaper}>
      <Table.ScrollContainer minWidth={860} type="native">
        <Table
          verticalSpacing="sm"
          horizontalSpacing="sm"
          aria-label={t('customers.caption')}
          aria-busy={busy}
          data-testid="customers-table"
        >
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col" miw={160}>
                {t('customers.column.name')}
              </Table.Th>
              <Table.Th scope="col">{t('customers.column.registry')}</Table.Th>
              <Table.Th scope="col">{t('customers.column.auth')}</Table.Th>
              <Table.Th scope="col">{t('customers.column.entitlements')}</Table.Th>
              <Table.Th scope="col">{t('customers.column.connection')}</Table.Th>
              <Table.Th scope="col" w={1}>
                <VisuallyHidden>{t('customers.column.actions')}</VisuallyHidden>
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          {rows.map((customer) => {
            const test = tests[customer.id];
            const failed = Boolean(test?.error ?? test?.result?.error);
            return (
              <Table.Tbody
                key={customer.id}
                className={classes.rowGroup}
                data-testid="customer-row"
                data-customer-id={customer.id}
                data-name={customer.name}
              >
                <Table.Tr>
                  <Table.Td>
                    <NameCell customer={customer} />
                  </Table.Td>
                  <Table.Td>
                    <RegistryCell customer={customer} />
                  </Table.Td>
                  <Table.Td>
                    <AuthCell customer={customer} />
                  </Table.Td>
                  <Table.Td>
                    <Entitlements products={customer.entitlements} />
                  </Table.Td>
                  <Table.Td data-testid="customer-test-state">
                    <ConnectionSteps name={customer.name} state={test} />
                  </Table.Td>
                  <Table.Td>
                    <RowActions
                      customer={customer}
                      testing={test?.running ?? false}
                      onAction={onAction}
                    />
                  </Table.Td>
                </Table.Tr>
                {test && failed && (
                  <Table.Tr className={classes.detailRow}>
                    <Table.Td colSpan={COLUMNS}>
                      <ConnectionProblem state={test} />
                    </Table.Td>
                  </Table.Tr>
                )}
              </Table.Tbody>
            );
          })}
        </Table>
      </Table.ScrollContainer>
    </Paper>
  );
}

function NameCell({ customer }: { customer: Customer }) {
  const { t } = useTranslation();
  const [first, ...rest] = customer.contacts;
  return (
    <Stack gap={2}>
      <Text size="sm" fw={600} className={classes.wrapAnywhere} data-testid="customer-name">
        {customer.name}
      </Text>
      {first && (
        <Text size="xs" c="dimmed" className={classes.wrapAnywhere} data-testid="customer-contact">
          {first}
          {rest.length > 0 && (
            <Tooltip label={rest.join('\n')} withArrow multiline maw={420}>
              <Text span inherit tabIndex={0} className={classes.more}>
                {' '}
                {t('customers.moreContacts', { count: rest.length })}
              </Text>
            </Tooltip>
          )}
        </Text>
      )}
    </Stack>
  );
}

function RegistryCell({ customer }: { customer: Customer }) {
  const { t } = useTranslation();
  return (
    <Stack gap={4} align="flex-start">
      <Text
        size="sm"
        ff="monospace"
        maw={220}
        className={classes.wrapAnywhere}
        data-testid="customer-destination"
      >
        {customer.registry}/{customer.namespace}
      </Text>
      {customer.insecureHttp ? (
        <Badge
          color="orange"
          variant="light"
          radius="sm"
          leftSection={<IconLockOpen size={12} aria-hidden />}
          data-testid="customer-insecure"
        >
          {t('customers.plainHttp')}
        </Badge>
      ) : (
        customer.caFile && (
          <Tooltip label={customer.caFile} withArrow maw={520} multiline>
            <Text size="xs" c="dimmed" ff="monospace" className={classes.ellipsis} tabIndex={0}>
              {customer.caFile}
            </Text>
          </Tooltip>
        )
      )}
    </Stack>
  );
}

function AuthCell({ customer }: { customer: Customer }) {
  const { t } = useTranslation();
  return (
    <Stack gap={2} data-testid="customer-auth" data-auth={customer.auth}>
      <Text size="sm">{t(`customers.auth.${customer.auth}`)}</Text>
      {customer.auth !== 'none' && (
        <>
          {customer.username && (
            <Text size="xs" className={classes.wrapAnywhere} data-testid="customer-username">
              {customer.username}
            </Text>
          )}
          <Group gap={4} wrap="nowrap">
            <IconLock size={12} aria-hidden />
            <Text size="xs" c={customer.hasPassword ? 'dimmed' : 'red'} className={classes.nowrap}>
              {customer.hasPassword
                ? t('customers.passwordStored')
                : t('customers.passwordMissing')}
            </Text>
          </Group>
        </>
      )}
    </Stack>
  );
}

/** The first few products as badges; the rest behind a "+N" with all of them on hover. */
function Entitlements({ products }: { products: string[] }) {
  const { t } = useTranslation();
  const shown = 3;
  if (products.length === 0) {
    return (
      <Text size="sm" c="dimmed" data-testid="customer-entitlements">
        {t('customers.noEntitlements')}
      </Text>
    );
  }
  return (
    <Group gap={4} maw={280} data-testid="customer-entitlements">
      {products.slice(0, shown).map((product) => (
        <Badge
          key={product}
          variant="outline"
          color="gray"
          radius="sm"
          className={classes.product}
          data-testid="customer-entitlement"
        >
          {product}
        </Badge>
      ))}
      {products.length > shown && (
        <Tooltip label={products.slice(shown).join(', ')} withArrow multiline maw={420}>
          <Badge variant="light" color="gray" radius="sm" tabIndex={0}>
            {t('customers.moreEntitlements', { count: products.length - shown })}
          </Badge>
        </Tooltip>
      )}
    </Group>
  );
}

function RowActions({
  customer,
  testing,
  onAction,
}: {
  customer: Customer;
  testing: boolean;
  onAction: (kind: RowAction, customer: Customer) => void;
}) {
  const { t } = useTranslation();
  const test = useStore((state) => state.customers.test);
  const { name } = customer;
  return (
    <Group gap={4} wrap="nowrap" justify="flex-end">
      <Button
        variant="default"
        size="compact-sm"
        leftSection={<IconPlugConnected size={14} aria-hidden />}
        onClick={() => void test(customer)}
        loading={testing}
        loaderProps={{ 'aria-label': t('customers.testing', { name }) }}
        aria-label={t('customers.testName', { name })}
        data-testid="customer-test"
      >
        {t('customers.test')}
      </Button>
      <Tooltip label={t('customers.edit')} withArrow>
        <ActionIcon
          variant="subtle"
          size="md"
          onClick={() => onAction('edit', customer)}
          aria-label={t('customers.editName', { name })}
          data-testid="customer-edit"
        >
          <IconPencil size={16} aria-hidden />
        </ActionIcon>
      </Tooltip>
      <Menu position="bottom-end" withinPortal shadow="md" width={240}>
        <Menu.Target>
          <ActionIcon
            variant="subtle"
            color="gray"
            size="md"
            aria-label={t('customers.moreActions', { name })}
            data-testid="customer-more"
          >
            <IconDots size={16} aria-hidden />
          </ActionIcon>
        </Menu.Target>
        <Menu.Dropdown>
          <Menu.Item
            leftSection={<IconPackageExport size={14} aria-hidden />}
            onClick={() => onAction('kit', customer)}
            data-testid="customer-kit"
          >
            {t('customers.kit')}
          </Menu.Item>
          <Menu.Divider />
          <Menu.Item
            color="red"
            leftSection={<IconTrash size={14} aria-hidden />}
            onClick={() => onAction('remove', customer)}
            data-testid="customer-remove"
          >
            {t('customers.remove')}
          </Menu.Item>
        </Menu.Dropdown>
      </Menu>
    </Group>
  );
}
