import {
  Badge,
  Code,
  DataList,
  Group,
  Loader,
  Modal,
  Paper,
  ScrollArea,
  Stack,
  Table,
  Text,
  Title,
  UnstyledButton,
} from '@mantine/core';
import { IconChevronDown, IconChevronRight } from '@tabler/icons-react';
import { useState, type ReactNode } from 'react';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import { CopyIconButton } from '../../components/CopyIconButton';
import type { VulnRecord } from '../../../../shared/contract';
import { ErrorAlert } from '../../components/ErrorAlert';
import { Fact } from '../../components/Fact';
import { formatDateTime } from '../../lib/format';
import { useStore } from '../../store';
import classes from './ImagesPage.module.css';

type RangeEvent = VulnRecord['affected'][number]['ranges'][number]['events'][number];

function eventText(event: RangeEvent, t: TFunction): string {
  if ('introduced' in event) return t('record.event.introduced', { version: event.introduced });
  if ('fixed' in event) return t('record.event.fixed', { version: event.fixed });
  if ('last_affected' in event) {
    return t('record.event.last_affected', { version: event.last_affected });
  }
  return t('record.event.limit', { version: event.limit });
}

/**
 * One stored OSV record, read from the workspace's vulnerability data. Everything is shown as
 * text: references are never opened or fetched, so nothing here reaches the network.
 */
export function VulnRecordModal() {
  const { t } = useTranslation();
  const record = useStore((state) => state.vulndb.record);
  const close = useStore((state) => state.vulndb.closeRecord);
  return (
    <Modal
      closeButtonProps={{ 'aria-label': t('common.closeDialog') }}
      opened={record.id !== null}
      onClose={close}
      size="xl"
      padding="lg"
      title={
        <Title order={2} fz="h3" fw={600}>
          {t('record.title', { id: record.id ?? '' })}
        </Title>
      }
      data-testid="vuln-record"
    >
      {record.loading && (
        <Group gap="sm" aria-busy data-testid="vuln-record-loading">
          <Loader size="sm" aria-hidden />
          <Text size="sm">{t('record.loading')}</Text>
        </Group>
      )}
      {record.error && (
        <ErrorAlert error={record.error} title={t('record.failed')} testId="vuln-record-error" />
      )}
      {record.result && <RecordView record={record.result} />}
    </Modal>
  );
}

function RecordView({ record }: { record: VulnRecord }) {
  const { t, i18n } = useTranslation();
  const locale = i18n.language;
  const [showJson, setShowJson] = useState(false);
  return (
    <Stack gap="md" data-testid="vuln-record-result" data-id={record.id}>
      <Text size="xs" c="dimmed">
        {t('record.offlineNote')}
      </Text>
      {record.summary && (
        <Text fw={600} data-testid="vuln-record-summary">
          {record.summary}
        </Text>
      )}
      <Paper withBorder radius="md" p="md">
        <DataList labelWidth={130} gap="xs">
          <Fact label={t('record.aliases')}>
            <Text size="sm" ff="monospace" data-testid="vuln-record-aliases">
              {record.aliases.length ? record.aliases.join(', ') : t('record.noAliases')}
            </Text>
          </Fact>
          {record.severity.length > 0 || record.rating ? (
            <Fact label={t('record.severity')}>
              <Stack gap={2} data-testid="vuln-record-severity">
                {record.rating && (
                  <Badge variant="light" color="gray" radius="sm">
                    {record.rating}
                  </Badge>
                )}
                {record.severity.map((s) => (
                  <Text key={`${s.type}:${s.score}`} size="xs" ff="monospace">
                    {s.type} {s.score}
                  </Text>
                ))}
              </Stack>
            </Fact>
          ) : null}
          <Fact label={t('record.modified')}>
            <time dateTime={record.modified}>{formatDateTime(record.modified, locale)}</time>
          </Fact>
          {record.published && (
            <Fact label={t('record.published')}>
              <time dateTime={record.published}>{formatDateTime(record.published, locale)}</time>
            </Fact>
          )}
          {record.withdrawn && (
            <Fact label={t('record.withdrawn')}>
              <time dateTime={record.withdrawn}>{formatDateTime(record.withdrawn, locale)}</time>
            </Fact>
          )}
        </DataList>
      </Paper>

      {record.details && (
        <Section title={t('record.details')}>
          <Text size="sm" className={classes.preWrap} data-testid="vuln-record-details">
            {record.details}
          </Text>
        </Section>
      )}

      {record.affected.length > 0 && (
        <Section title={t('record.affected')}>
          <Paper withBorder radius="md" className={classes.tablePaper}>
            <Table
              verticalSpacing="xs"
              horizontalSpacing="md"
              aria-label={t('record.affectedCaption')}
              data-testid="vuln-record-affected"
            >
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col">{t('record.ecosystem')}</Table.Th>
                  <Table.Th scope="col">{t('record.package')}</Table.Th>
                  <Table.Th scope="col">{t('record.ranges')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {record.affected.map((affected, index) => (
                  <Table.Tr
                    key={`${index}-${affected.ecosystem}-${affected.name}`}
                    data-testid="vuln-record-affected-row"
                  >
                    <Table.Td>
                      <Text size="sm" ff="monospace">
                        {affected.ecosystem}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" fw={500}>
                        {affected.name}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Stack gap={2}>
                        {affected.ranges.map((range, at) => (
                          <Text
                            key={at}
                            size="xs"
                            ff="monospace"
                            className={classes.wrapAnywhere}
                            data-testid="vuln-record-range"
                          >
                            {range.type}: {range.events.map((e) => eventText(e, t)).join(' → ')}
                          </Text>
                        ))}
                        {affected.versions.length > 0 && (
                          <Text size="xs" c="dimmed">
                            {t('record.versions', { count: affected.versions.length })}
                          </Text>
                        )}
                      </Stack>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Paper>
        </Section>
      )}

      {record.references.length > 0 && (
        <Section title={t('record.references')}>
          <Text size="xs" c="dimmed">
            {t('record.referencesNote')}
          </Text>
          <ul className={classes.plainList} data-testid="vuln-record-references">
            {record.references.map((reference, index) => (
              <li key={`${index}-${reference.url}`}>
                <Group gap={6} wrap="nowrap" align="center">
                  <Badge variant="outline" color="gray" radius="sm" size="sm" tt="none">
                    {reference.type}
                  </Badge>
                  <Text
                    size="xs"
                    ff="monospace"
                    className={classes.wrapAnywhere}
                    data-testid="vuln-record-reference"
                  >
                    {reference.url}
                  </Text>
                  <CopyIconButton
                    value={reference.url}
                    label={t('common.copy')}
                    copiedHint={t('common.copied')}
                  />
                </Group>
              </li>
            ))}
          </ul>
        </Section>
      )}

      <Stack gap="xs">
        <UnstyledButton
          className={classes.disclosure}
          onClick={() => setShowJson(!showJson)}
          aria-expanded={showJson}
          data-testid="vuln-record-json-toggle"
        >
          {showJson ? (
            <IconChevronDown size={14} aria-hidden />
          ) : (
            <IconChevronRight size={14} aria-hidden />
          )}
          <Text size="sm" span>
            {showJson ? t('record.hideJson') : t('record.showJson')}
          </Text>
        </UnstyledButton>
        {showJson && (
          <ScrollArea.Autosize mah={360} type="auto">
            <Code block aria-label={t('record.json')} data-testid="vuln-record-json">
              {record.json}
            </Code>
          </ScrollArea.Autosize>
        )}
      </Stack>
    </Stack>
  );
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Stack gap="xs" component="section" aria-label={title}>
      <Title order={3} fz="h5" fw={600}>
        {title}
      </Title>
      {children}
    </Stack>
  );
}
