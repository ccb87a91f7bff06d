import { Paper, UnstyledButton } from '@mantine/core';
import {
  createColumnHelper,
  flexRender,
  tableFeatures,
  useTable,
  type Row,
} from '@tanstack/react-table';
import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useEffect, useMemo, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import type { AuditEventView } from '../../../../shared/contract';
import { useStore } from '../../store';
import { eventAt } from '../../store/audit';
import { actorName, formatEventTime } from './format';
import classes from './AuditPage.module.css';

const ROW_HEIGHT = 36;

const features = tableFeatures({});
const column = createColumnHelper<typeof features, AuditEventView>();

/**
 * The events of the current query, virtualized: the scroll area is as tall as the whole result,
 * only the rows on screen are rendered, and the store fetches the pages under them on demand.
 * TanStack Table defines the columns and renders the rows that have arrived.
 */
export function AuditTable() {
  const { t, i18n } = useTranslation();
  const locale = i18n.language;
  const total = useStore((state) => state.audit.total) ?? 0;
  const pages = useStore((state) => state.audit.pages);
  const query = useStore((state) => state.audit.query);
  const loading = useStore((state) => state.audit.loading);
  const showRows = useStore((state) => state.audit.showRows);
  const selected = useStore((state) => state.audit.selected);
  const select = useStore((state) => state.audit.select);
  const scrollRef = useRef<HTMLDivElement>(null);

  const columns = useMemo(
    () =>
      column.columns([
        column.accessor('seq', {
          header: () => t('audit.columns.seq'),
          cell: (info) => (
            <UnstyledButton
              className={classes.seqButton}
              aria-label={t('audit.openEvent', { seq: info.getValue() })}
              onClick={(event) => {
                event.stopPropagation();
                select(info.row.original);
              }}
              data-testid="audit-open-event"
            >
              {info.getValue()}
            </UnstyledButton>
          ),
        }),
        column.accessor('at', {
          header: () => t('audit.columns.at'),
          cell: (info) => (
            <span title={info.getValue()}>{formatEventTime(info.getValue(), locale)}</span>
          ),
        }),
        column.accessor((event) => actorName(event), {
          id: 'actor',
          header: () => t('audit.columns.actor'),
          cell: (info) => <span title={info.row.original.actor.app}>{info.getValue()}</span>,
        }),
        column.accessor('action', {
          header: () => t('audit.columns.action'),
          cell: (info) => <span className={classes.mono}>{info.getValue()}</span>,
        }),
        column.accessor('subject', {
          header: () => t('audit.columns.subject'),
          cell: (info) => <span title={info.getValue()}>{info.getValue()}</span>,
        }),
      ]),
    [t, locale, select],
  );

  // The virtualizer's values change as the list scrolls; this component is left unmemoized.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count: total,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });
  const items = virtualizer.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items[items.length - 1]?.index ?? 0;

  // Ask for what is on screen (and just around it); the store fetches only missing pages.
  useEffect(() => {
    showRows(first, last);
  }, [showRows, first, last, total]);

  // A new query starts at its first event.
  useEffect(() => {
    scrollRef.current?.scrollTo({ top: 0 });
  }, [query]);

  // Only the on-screen events that have arrived go through the table model.
  const data = useMemo(() => {
    const shown: AuditEventView[] = [];
    for (let index = first; index <= last; index++) {
      const event = eventAt(pages, index);
      if (event) shown.push(event);
    }
    return shown;
  }, [pages, first, last]);
  const table = useTable({
    features,
    columns,
    data,
    getRowId: (event: AuditEventView) => String(event.seq),
  });
  const rowsBySeq = new Map(
    table.getRowModel().rows.map((row) => [row.original.seq, row] as const),
  );

  return (
    <Paper withBorder radius="md" className={classes.tablePaper}>
      <div
        ref={scrollRef}
        className={classes.scroller}
        data-testid="audit-scroller"
        tabIndex={0}
        aria-label={t('audit.tableLabel')}
        role="region"
      >
        <table
          className={classes.table}
          aria-label={t('audit.tableLabel')}
          aria-rowcount={total + 1}
          aria-busy={loading}
          data-testid="audit-table"
        >
          <thead className={classes.head}>
            {table.getHeaderGroups().map((group) => (
              <tr key={group.id} className={classes.row} aria-rowindex={1}>
                {group.headers.map((header) => (
                  <th
                    key={header.id}
                    scope="col"
                    className={`${classes.headCell} ${header.column.id === 'seq' ? classes.numeric : ''}`}
                  >
                    <table.FlexRender header={header} />
                  </th>
                ))}
              </tr>
            ))}
          </thead>
          <tbody className={classes.body} style={{ height: virtualizer.getTotalSize() }}>
            {items.map((item) => {
              const event = eventAt(pages, item.index);
              const row = event ? rowsBySeq.get(event.seq) : undefined;
              return event && row ? (
                <EventRow
                  key={row.id}
                  row={row}
                  index={item.index}
                  start={item.start}
                  selected={selected?.seq === event.seq}
                  columns={columns}
                  onSelect={select}
                />
              ) : (
                <tr
                  key={`pending-${item.index}`}
                  className={classes.row}
                  style={{ height: ROW_HEIGHT, transform: `translateY(${item.start}px)` }}
                  aria-rowindex={item.index + 2}
                  aria-busy
                  data-testid="audit-row-pending"
                >
                  <td className={classes.cell} colSpan={5}>
                    <div className={classes.placeholder} aria-label={t('audit.loadingRow')} />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </Paper>
  );
}

interface EventRowProps {
  row: Row<typeof features, AuditEventView>;
  index: number;
  start: number;
  selected: boolean;
  /** Only compared: the cells render from these definitions. */
  columns: unknown;
  onSelect: (event: AuditEventView) => void;
}

/**
 * One event's row. The table hands out new row objects whenever the rows on screen change, but a
 * row's cells depend only on its event and the column definitions, so a row that merely stays
 * on screen while the user scrolls is not rendered again.
 */
const EventRow = memo(
  function EventRow({ row, index, start, selected, onSelect }: EventRowProps) {
    const event = row.original;
    return (
      <tr
        className={classes.row}
        style={{ height: ROW_HEIGHT, transform: `translateY(${start}px)` }}
        aria-rowindex={index + 2}
        data-selected={selected}
        onClick={() => onSelect(event)}
        data-testid="audit-row"
        data-seq={event.seq}
        data-action={event.action}
      >
        {row.getAllCells().map((cell) => (
          <td
            key={cell.id}
            className={`${classes.cell} ${cell.column.id === 'seq' ? classes.numeric : ''}`}
          >
            {flexRender(cell.column.columnDef.cell, cell.getContext())}
          </td>
        ))}
      </tr>
    );
  },
  (before, after) =>
    before.row.original === after.row.original &&
    before.index === after.index &&
    before.start === after.start &&
    before.selected === after.selected &&
    before.columns === after.columns &&
    before.onSelect === after.onSelect,
);
