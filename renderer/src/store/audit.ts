import type { StateCreator } from 'zustand';
import type {
  AuditEventView,
  AuditExportFormat,
  AuditQuery,
  AuditVerification,
  ResponseOf,
} from '../../../shared/contract';
import { call, toApiError, type ApiError } from '../api';
import type { StoreState } from '.';

/** Events fetched per request: a few screens' worth, small enough to answer quickly. */
export const AUDIT_PAGE_SIZE = 500;
/** Pages kept at most (20,000 events); the ones farthest from where the user looks go first. */
export const AUDIT_MAX_PAGES = 40;
/** Requests in flight at once: a fast scroll asks for where it stopped, not everything it passed. */
const MAX_IN_FLIGHT = 2;

/** The filter form as typed; times are `datetime-local` values in the user's time zone. */
export interface AuditForm {
  since: string;
  until: string;
  actor: string;
  action: string;
  customer: string;
  release: string;
  key: string;
  search: string;
}

export const emptyAuditForm: AuditForm = {
  since: '',
  until: '',
  actor: '',
  action: '',
  customer: '',
  release: '',
  key: '',
  search: '',
};

/** A `datetime-local` value (local time) as an ISO 8601 instant, or undefined when unreadable. */
export function localTimeToIso(value: string): string | undefined {
  if (!value.trim()) return undefined;
  const time = new Date(value).getTime();
  return Number.isNaN(time) ? undefined : new Date(time).toISOString();
}

/** The engine's query for what the form says: blank fields are left out. */
export function queryFromForm(form: AuditForm): AuditQuery {
  const query: AuditQuery = {};
  const since = localTimeToIso(form.since);
  const until = localTimeToIso(form.until);
  if (since) query.since = since;
  if (until) query.until = until;
  for (const name of ['actor', 'action', 'customer', 'release', 'key', 'search'] as const) {
    const value = form[name].trim();
    if (value) query[name] = value;
  }
  return query;
}

/** The event at a row of the current result, if its page has arrived. */
export function eventAt(
  pages: Readonly<Record<number, AuditEventView[]>>,
  index: number,
): AuditEventView | undefined {
  return pages[Math.floor(index / AUDIT_PAGE_SIZE)]?.[index % AUDIT_PAGE_SIZE];
}

export type AuditOutcome<T> = { ok: true; data: T } | { ok: false; error: ApiError };

export interface AuditSlice {
  audit: {
    form: AuditForm;
    setForm: (values: Partial<AuditForm>) => void;
    resetForm: () => void;
    /** The query the shown rows answer. */
    query: AuditQuery;
    /** How many events match; null until the first answer for this query. */
    total: number | null;
    /** Pages of events by page number (offset / page size); only some are ever held. */
    pages: Record<number, AuditEventView[]>;
    loading: boolean;
    error: ApiError | null;
    /** Starts over with a query: the count and the first page are asked for at once. */
    setQuery: (query: AuditQuery) => Promise<void>;
    /** Asks again for the current query (events may have been appended since). */
    refresh: () => Promise<void>;
    /** Asks for the pages holding rows `first`..`last` (indexes in the result) that are missing. */
    showRows: (first: number, last: number) => void;
    /** The event in the detail drawer. */
    selected: AuditEventView | null;
    select: (event: AuditEventView | null) => void;
    verification: {
      running: boolean;
      result: AuditVerification | null;
      error: ApiError | null;
    };
    /** Recomputes the whole hash chain in the engine. */
    verify: () => Promise<void>;
    /** Writes the events matching the current query to a new file where the engine runs. */
    exportEvents: (
      format: AuditExportFormat,
      path: string,
    ) => Promise<AuditOutcome<ResponseOf<'audit.export'>>>;
  };
}

export const createAuditSlice: StateCreator<StoreState, [], [], AuditSlice> = (set, get) => {
  const patch = (values: Partial<AuditSlice['audit']>) =>
    set((state) => ({ audit: { ...state.audit, ...values } }));
  const patchVerification = (values: Partial<AuditSlice['audit']['verification']>) =>
    set((state) => ({
      audit: { ...state.audit, verification: { ...state.audit.verification, ...values } },
    }));

  // One run per query: answers to an older query are dropped when they arrive.
  let run = { id: 0, inFlight: new Set<number>() };
  let wanted = { first: 0, last: 0 };

  const lastPage = (total: number | null) =>
    total === null ? 0 : Math.max(0, Math.ceil(total / AUDIT_PAGE_SIZE) - 1);

  /** Keeps the page cache bounded, dropping the pages farthest from `around`. */
  const trim = (pages: Record<number, AuditEventView[]>, around: number) => {
    const numbers = Object.keys(pages).map(Number);
    if (numbers.length <= AUDIT_MAX_PAGES) return pages;
    numbers.sort((a, b) => Math.abs(a - around) - Math.abs(b - around));
    const kept: Record<number, AuditEventView[]> = {};
    for (const page of numbers.slice(0, AUDIT_MAX_PAGES)) kept[page] = pages[page]!;
    return kept;
  };

  const loadPage = async (page: number) => {
    const current = run;
    current.inFlight.add(page);
    patch({ loading: true });
    try {
      const answer = await call('audit.list', {
        ...get().audit.query,
        offset: page * AUDIT_PAGE_SIZE,
        limit: AUDIT_PAGE_SIZE,
      });
      if (current !== run) return;
      current.inFlight.delete(page);
      const pages = trim({ ...get().audit.pages, [page]: answer.events }, page);
      // Every answer carries the count, so events appended meanwhile lengthen the table.
      patch({ pages, total: answer.total, loading: current.inFlight.size > 0 });
      pump();
    } catch (error) {
      if (current !== run) return;
      current.inFlight.delete(page);
      // Stop asking: the problem is shown, and choosing a query again starts over.
      patch({ error: toApiError('audit.list', error), loading: current.inFlight.size > 0 });
    }
  };

  /** Starts requests for missing pages of the wanted rows, a few at a time. */
  const pump = () => {
    const { pages, total, error } = get().audit;
    if (error) return;
    const first = Math.floor(wanted.first / AUDIT_PAGE_SIZE);
    const last = Math.min(Math.floor(wanted.last / AUDIT_PAGE_SIZE), lastPage(total));
    for (let page = first; page <= last && run.inFlight.size < MAX_IN_FLIGHT; page++) {
      if (!pages[page] && !run.inFlight.has(page)) void loadPage(page);
    }
  };

  return {
    audit: {
      form: emptyAuditForm,
      setForm: (values) => patch({ form: { ...get().audit.form, ...values } }),
      resetForm: () => patch({ form: emptyAuditForm }),
      query: {},
      total: null,
      pages: {},
      loading: false,
      error: null,
      setQuery: async (query) => {
        run = { id: run.id + 1, inFlight: new Set() };
        wanted = { first: 0, last: 0 };
        patch({ query, total: null, pages: {}, error: null });
        await loadPage(0);
      },
      refresh: () => get().audit.setQuery(get().audit.query),
      showRows: (first, last) => {
        wanted = { first: Math.max(0, first), last: Math.max(first, last) };
        pump();
      },
      selected: null,
      select: (event) => patch({ selected: event }),
      verification: { running: false, result: null, error: null },
      verify: async () => {
        if (get().audit.verification.running) return;
        patchVerification({ running: true, result: null, error: null });
        try {
          const result = await call('audit.verify', {});
          patchVerification({ running: false, result });
        } catch (error) {
          patchVerification({ running: false, error: toApiError('audit.verify', error) });
        }
      },
      exportEvents: async (format, path) => {
        try {
          const data = await call('audit.export', { format, path, query: get().audit.query });
          return { ok: true, data };
        } catch (error) {
          return { ok: false, error: toApiError('audit.export', error) };
        }
      },
    },
  };
};
