import {
  ActionIcon,
  Anchor,
  Badge,
  Button,
  Group,
  Loader,
  Paper,
  ScrollArea,
  Stack,
  Table,
  Text,
  TextInput,
  Tooltip,
} from '@mantine/core';
import { IconRoute, IconSearch } from '@tabler/icons-react';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { formatDateTime } from '../lib/format';
import { useStore } from '../store';
import type { TraceResult } from '../store/trace';
import { DialogModal } from './DialogModal';
import { Digest } from './Digest';
import { ErrorAlert } from './ErrorAlert';

/**
 * "Who received this?": which releases contained an image digest, a vulnerability or a package,
 * and which customers received it. Each line leads to its delivery and to the customers.
 */
export function TraceDialog() {
  const { t } = useTranslation();
  const trace = useStore((state) => state.trace);
  return (
    <DialogModal
      opened={trace.open}
      busy={false}
      onClose={trace.close}
      title={t('trace.title')}
      size="80rem"
      testId="trace-dialog"
    >
      <Stack gap="md">
        <Text size="sm" c="dimmed">
          {t('trace.description')}
        </Text>
        <form
          noValidate
          onSubmit={(event) => {
            event.preventDefault();
            void trace.run();
          }}
        >
          <Group align="flex-end" gap="sm" wrap="nowrap">
            <TextInput
              flex={1}
              label={t('trace.queryLabel')}
              placeholder={t('trace.queryPlaceholder')}
              description={t('trace.queryHint')}
              value={trace.query}
              onChange={(event) => trace.setQuery(event.currentTarget.value)}
              leftSection={<IconSearch size={16} aria-hidden />}
              styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
              data-autofocus
              data-testid="trace-query"
            />
            <Button
              type="submit"
              loading={trace.loading}
              disabled={!trace.query.trim()}
              data-testid="trace-submit"
            >
              {t('trace.submit')}
            </Button>
          </Group>
        </form>

        {trace.loading && (
          <Group gap="sm" aria-busy data-testid="trace-loading">
            <Loader size="sm" aria-hidden />
            <Text size="sm">{t('trace.searching')}</Text>
          </Group>
        )}
        {trace.error && (
          <ErrorAlert error={trace.error} title={t('trace.failed')} testId="trace-error" />
        )}
        {!trace.loading && trace.result && <TraceResultView result={trace.result} />}
      </Stack>
    </DialogModal>
  );
}

function TraceResultView({ result }: { result: TraceResult }) {
  const { t, i18n } = useTranslation();
  const showDelivery = useStore((state) => state.trace.showDelivery);
  const showCustomers = useStore((state) => state.trace.showCustomers);
  const hits = result.deliveries;
  if (!hits.length) {
    return (
      <Stack gap={4} data-testid="trace-none" data-query={result.query}>
        <Text size="sm" fw={500}>
          {t('trace.none', { query: result.query })}
        </Text>
        <Text size="sm" c="dimmed">
          {t('trace.noneHint')}
        </Text>
      </Stack>
    );
  }
  const customers = [...new Set(hits.map((hit) => hit.customer))].sort();
  return (
    <Stack gap="sm" data-testid="trace-result" data-kind={result.kind}>
      <Group gap="sm">
        <Badge variant="light" color="gray" radius="sm">
          {t(`trace.kind.${result.kind}`)}
        </Badge>
        <Text size="sm" aria-live="polite" data-testid="trace-summary">
          {t('trace.found', { count: hits.length, customers: customers.join(', ') })}
        </Text>
      </Group>
      <Paper withBorder radius="md">
        <ScrollArea.Autosize mah={480} type="auto">
          <Table
            highlightOnHover
            verticalSpacing="xs"
            horizontalSpacing="md"
            aria-label={t('trace.caption')}
            data-testid="trace-table"
          >
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">{t('trace.column.when')}</Table.Th>
                <Table.Th scope="col">{t('trace.column.release')}</Table.Th>
                <Table.Th scope="col">{t('trace.column.customer')}</Table.Th>
                <Table.Th scope="col">{t('trace.column.ref')}</Table.Th>
                <Table.Th scope="col">{t('trace.column.digest')}</Table.Th>
                <Table.Th scope="col">{t('trace.column.key')}</Table.Th>
                {result.kind !== 'digest' && (
                  <Table.Th scope="col">{t('trace.column.match')}</Table.Th>
                )}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {hits.map((hit) => (
                <Table.Tr
                  key={`${hit.deliveryId}|${hit.customer}|${hit.ref}`}
                  data-testid="trace-row"
                  data-customer={hit.customer}
                  data-delivery={hit.deliveryId}
                >
                  <Table.Td>
                    <Text size="sm" style={{ whiteSpace: 'nowrap' }}>
                      <time dateTime={hit.at}>{formatDateTime(hit.at, i18n.language)}</time>
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <RowLink
                      onClick={() => showDelivery(hit.deliveryId)}
                      label={t('trace.showDelivery', { release: hit.release })}
                      testId="trace-delivery-link"
                    >
                      {hit.release}
                    </RowLink>
                  </Table.Td>
                  <Table.Td>
                    <RowLink
                      onClick={showCustomers}
                      label={t('trace.showCustomer', { customer: hit.customer })}
                      testId="trace-customer-link"
                    >
                      {hit.customer}
                    </RowLink>
                  </Table.Td>
                  <Table.Td>
                    <Text size="xs" ff="monospace" style={{ overflowWrap: 'anywhere' }}>
                      {hit.ref}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Digest digest={hit.digest} copyable size="xs" />
                  </Table.Td>
                  <Table.Td>
                    <Tooltip label={hit.keyFingerprint} maw={420} multiline withArrow>
                      <Text size="xs" ff="monospace" tabIndex={0} style={{ whiteSpace: 'nowrap' }}>
                        {hit.keyFingerprint.slice(0, 16)}
                      </Text>
                    </Tooltip>
                  </Table.Td>
                  {result.kind !== 'digest' && (
                    <Table.Td>
                      <Text size="xs" ff="monospace" style={{ overflowWrap: 'anywhere' }}>
                        {hit.match.value}
                      </Text>
                    </Table.Td>
                  )}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </ScrollArea.Autosize>
      </Paper>
    </Stack>
  );
}

/** A result cell's text that leads to where the thing it names is shown. */
function RowLink({
  onClick,
  label,
  testId,
  children,
}: {
  onClick: () => void;
  label: string;
  testId: string;
  children: ReactNode;
}) {
  return (
    <Anchor
      component="button"
      type="button"
      size="sm"
      onClick={onClick}
      aria-label={label}
      data-testid={testId}
    >
      {children}
    </Anchor>
  );
}

/** The "Who received this?" action of a vulnerability (or any row naming something to trace). */
export function TraceButton({ query }: { query: string }) {
  const { t } = useTranslation();
  const openWith = useStore((state) => state.trace.openWith);
  const label = t('trace.rowAction', { id: query });
  return (
    <Tooltip label={label} withArrow>
      <ActionIcon
        variant="subtle"
        color="gray"
        size="sm"
        onClick={() => void openWith(query)}
        aria-label={label}
        data-testid="trace-open"
      >
        <IconRoute size={14} aria-hidden />
      </ActionIcon>
    </Tooltip>
  );
}
