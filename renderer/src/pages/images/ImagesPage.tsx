import {
  ActionIcon,
  Button,
  CloseButton,
  EmptyState,
  Group,
  Paper,
  Stack,
  Table,
  Text,
  TextInput,
  Tooltip,
  UnstyledButton,
  VisuallyHidden,
} from '@mantine/core';
import {
  IconChevronDown,
  IconChevronUp,
  IconFilterOff,
  IconPackages,
  IconRefresh,
  IconSearch,
  IconSelector,
  IconSend,
  IconShieldSearch,
  IconZoomScan,
} from '@tabler/icons-react';
import { useDeferredValue, useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { CopyIconButton } from '../../components/CopyIconButton';
import type { LocalImage } from '../../../../shared/contract';
import { ErrorAlert } from '../../components/ErrorAlert';
import { PageHeader } from '../../components/PageHeader';
import { useNow } from '../../hooks/useNow';
import { formatBytes, formatDateTime, formatRelativeTime, shortImageId } from '../../lib/format';
import { localImageReference } from '../../lib/reference';
import { TableSkeleton } from '../../components/TableSkeleton';
import { useStore } from '../../store';
import { visibleImages, type ImageSortColumn } from '../../store/images';
import { CopyDialog } from './CopyDialog';
import { InspectorDrawer } from './InspectorDrawer';
import { ScanReport } from './ScanReport';
import classes from './ImagesPage.module.css';

export function ImagesPage() {
  const { t } = useTranslation();
  const images = useStore((state) => state.images);
  const { load } = images;
  const filter = useDeferredValue(images.filter);
  const rows = useMemo(
    () => visibleImages(images.items, filter, images.sort),
    [images.items, filter, images.sort],
  );

  useEffect(() => {
    void load();
  }, [load]);

  const filtering = images.filter.trim() !== '';
  const count = filtering
    ? t('images.countFiltered', { shown: rows.length, count: images.items.length })
    : t('images.count', { count: images.items.length });

  return (
    <>
      <PageHeader
        title={t('images.title')}
        description={t('images.description')}
        actions={
          <>
            <InspectReference />
            <Button
              leftSection={<IconRefresh size={16} aria-hidden />}
              variant="default"
              onClick={() => void load()}
              loading={images.loading}
              loaderProps={{ 'aria-label': t('images.refreshing') }}
              data-testid="images-refresh"
            >
              {t('images.refresh')}
            </Button>
          </>
        }
      />

      <Stack gap="md">
        {images.error ? (
          <ErrorAlert error={images.error} testId="images-error" />
        ) : (
          <Group justify="space-between" wrap="nowrap">
            <TextInput
              className={classes.filter}
              aria-label={t('images.filterLabel')}
              placeholder={t('images.filterPlaceholder')}
              leftSection={<IconSearch size={16} aria-hidden />}
              rightSection={
                images.filter ? (
                  <CloseButton
                    size="sm"
                    aria-label={t('images.clearFilter')}
                    onClick={() => images.setFilter('')}
                  />
                ) : null
              }
              value={images.filter}
              onChange={(event) => images.setFilter(event.currentTarget.value)}
              data-testid="images-filter"
            />
            {images.loaded && (
              <Text size="sm" c="dimmed" data-testid="images-count" aria-live="polite">
                {count}
              </Text>
            )}
          </Group>
        )}

        {!images.error && !images.loaded && (
          <TableSkeleton label={t('images.loading')} rows={5} testId="images-loading" />
        )}

        {images.loaded && images.items.length === 0 && (
          <EmptyState
            data-testid="images-empty"
            icon={<IconPackages aria-hidden />}
            title={t('images.empty.title')}
            description={t('images.empty.description')}
            py="xl"
          />
        )}

        {images.loaded && images.items.length > 0 && rows.length === 0 && (
          <EmptyState
            data-testid="images-no-match"
            icon={<IconFilterOff aria-hidden />}
            title={t('images.noMatch.title')}
            description={t('images.noMatch.description', { filter: images.filter.trim() })}
            py="xl"
          >
            <EmptyState.Actions>
              <Button variant="default" onClick={() => images.setFilter('')}>
                {t('images.clearFilter')}
              </Button>
            </EmptyState.Actions>
          </EmptyState>
        )}

        {images.loaded && rows.length > 0 && <ImagesTable rows={rows} busy={images.loading} />}
      </Stack>

      <InspectorDrawer />
      <ScanReport />
      <CopyDialog />
    </>
  );
}

/** Inspects any reference the user types: a registry, the Docker engine, a layout or archive. */
function InspectReference() {
  const { t } = useTranslation();
  const open = useStore((state) => state.inspector.open);
  const [reference, setReference] = useState('');
  const submit = () => {
    const ref = reference.trim();
    if (ref) void open(ref);
  };
  return (
    <form
      className={classes.referenceForm}
      onSubmit={(event) => {
        event.preventDefault();
        submit();
      }}
    >
      <Tooltip label={t('images.referenceHint')} withArrow multiline maw={360} openDelay={500}>
        <TextInput
          className={classes.referenceInput}
          aria-label={t('images.referenceLabel')}
          placeholder={t('images.referencePlaceholder')}
          leftSection={<IconZoomScan size={16} aria-hidden />}
          value={reference}
          onChange={(event) => setReference(event.currentTarget.value)}
          classNames={{ input: classes.monoInput }}
          spellCheck={false}
          autoComplete="off"
          data-testid="inspect-reference"
        />
      </Tooltip>
      <Button
        type="submit"
        variant="default"
        disabled={reference.trim() === ''}
        data-testid="inspect-reference-submit"
      >
        {t('images.inspect')}
      </Button>
    </form>
  );
}

const columns: { key: ImageSortColumn | 'id'; sortable: boolean; numeric?: boolean }[] = [
  { key: 'repository', sortable: true },
  { key: 'tag', sortable: true },
  { key: 'id', sortable: false },
  { key: 'size', sortable: true, numeric: true },
  { key: 'created', sortable: true },
];

function RowActions({ image }: { image: LocalImage }) {
  const { t } = useTranslation();
  const inspect = useStore((state) => state.inspector.open);
  const copy = useStore((state) => state.copy.open);
  const scan = useStore((state) => state.scan.start);
  const ref = localImageReference(image);
  const name = image.repository === '<none>' ? shortImageId(image.id) : image.ref;
  return (
    <Group gap={4} wrap="nowrap" justify="flex-end">
      <Button
        variant="subtle"
        size="compact-sm"
        leftSection={<IconZoomScan size={14} aria-hidden />}
        onClick={() => void inspect(ref)}
        aria-label={t('images.inspectImage', { ref: name })}
        data-testid="image-inspect"
      >
        {t('images.inspect')}
      </Button>
      <Tooltip label={t('scan.actionHint')} withArrow multiline maw={280}>
        <ActionIcon
          variant="subtle"
          size="md"
          onClick={() => void scan(ref)}
          aria-label={t('scan.scanImage', { ref: name })}
          data-testid="image-scan"
        >
          <IconShieldSearch size={16} aria-hidden />
        </ActionIcon>
      </Tooltip>
      <Tooltip label={t('images.copyToRegistries')} withArrow>
        <ActionIcon
          variant="subtle"
          size="md"
          onClick={() => copy(ref)}
          aria-label={t('images.copyImage', { ref: name })}
          data-testid="image-copy"
        >
          <IconSend size={16} aria-hidden />
        </ActionIcon>
      </Tooltip>
    </Group>
  );
}

function ImagesTable({ rows, busy }: { rows: LocalImage[]; busy: boolean }) {
  const { t, i18n } = useTranslation();
  const sort = useStore((state) => state.images.sort);
  const sortBy = useStore((state) => state.images.sortBy);
  const now = useNow();
  const locale = i18n.language;

  return (
    <Paper withBorder radius="md" className={classes.tablePaper}>
      <Table.ScrollContainer minWidth={820} type="native">
        <Table
          highlightOnHover
          verticalSpacing="sm"
          horizontalSpacing="md"
          aria-label={t('images.tableCaption')}
          aria-busy={busy}
          data-testid="images-table"
        >
          <Table.Thead>
            <Table.Tr>
              {columns.map((column) => {
                const label = t(`images.column.${column.key}`);
                const active = column.sortable && sort.column === column.key;
                return (
                  <Table.Th
                    key={column.key}
                    scope="col"
                    aria-sort={active ? sort.direction : undefined}
                    className={column.numeric ? classes.numeric : undefined}
                  >
                    {column.sortable ? (
                      <UnstyledButton
                        className={classes.sortButton}
                        onClick={() => sortBy(column.key as ImageSortColumn)}
                        aria-label={t('images.sortBy', { column: label })}
                      >
                        <span>{label}</span>
                        <SortIcon active={active} direction={sort.direction} />
                      </UnstyledButton>
                    ) : (
                      label
                    )}
                  </Table.Th>
                );
              })}
              <Table.Th scope="col">
                <VisuallyHidden>{t('images.actionsColumn')}</VisuallyHidden>
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((image) => (
              <Table.Tr
                key={`${image.id}|${image.ref}`}
                data-testid="image-row"
                data-ref={image.ref}
              >
                <Table.Td data-testid="image-repository">
                  <Text
                    size="sm"
                    fw={500}
                    c={image.repository === '<none>' ? 'dimmed' : undefined}
                    className={classes.wrapAnywhere}
                  >
                    {image.repository === '<none>' ? t('images.untagged') : image.repository}
                  </Text>
                </Table.Td>
                <Table.Td data-testid="image-tag" className={classes.nowrap}>
                  <Text size="sm" c={image.tag === '<none>' ? 'dimmed' : undefined}>
                    {image.tag === '<none>' ? t('images.untagged') : image.tag}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <ImageId id={image.id} />
                </Table.Td>
                <Table.Td
                  className={`${classes.numeric} ${classes.nowrap}`}
                  data-testid="image-size"
                  data-bytes={image.size}
                >
                  <Text size="sm">{formatBytes(image.size, locale)}</Text>
                </Table.Td>
                <Table.Td data-testid="image-created" className={classes.nowrap}>
                  <time dateTime={image.created}>
                    <Text size="sm" span className={classes.block}>
                      {formatRelativeTime(image.created, locale, now)}
                    </Text>
                    <Text size="xs" c="dimmed" span className={classes.block}>
                      {formatDateTime(image.created, locale)}
                    </Text>
                  </time>
                </Table.Td>
                <Table.Td>
                  <RowActions image={image} />
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Paper>
  );
}

function SortIcon({
  active,
  direction,
}: {
  active: boolean;
  direction: 'ascending' | 'descending';
}) {
  if (!active) return <IconSelector size={14} aria-hidden className={classes.sortIconIdle} />;
  return direction === 'ascending' ? (
    <IconChevronUp size={14} aria-hidden />
  ) : (
    <IconChevronDown size={14} aria-hidden />
  );
}

function ImageId({ id }: { id: string }) {
  const { t } = useTranslation();
  return (
    <Group gap={4} wrap="nowrap">
      <Tooltip label={id} withArrow openDelay={300} maw={560} multiline>
        <Text size="sm" ff="monospace" data-testid="image-id" data-full-id={id} tabIndex={0}>
          {shortImageId(id)}
        </Text>
      </Tooltip>
      <CopyIconButton value={id} label={t('images.copyId')} copiedHint={t('images.idCopied')} />
    </Group>
  );
}
