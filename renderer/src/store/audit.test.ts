import { describe, expect, it, vi } from 'vitest';
import type { AuditEventView, Result } from '../../../shared/contract';
import { useStore } from '.';
import { installBridge, resetStoreAfterEach } from './test-bridge';
import {
  AUDIT_MAX_PAGES,
  AUDIT_PAGE_SIZE,
  emptyAuditForm,
  eventAt,
  localTimeToIso,
  queryFromForm,
} from './audit';

function event(seq: number, action = 'test.step'): AuditEventView {
  return {
    seq,
    at: new Date(Date.UTC(2026, 0, 1) + seq * 1000).toISOString(),
    actor: { user: 'release', host: 'desk-1', app: 'consign/test' },
    action,
    subject: `item-${seq}`,
    details: { seq },
    hash: seq.toString(16).padStart(64, '0'),
  };
}

interface ListRequest {
  offset?: number;
  limit?: number;
  action?: string;
}

/** A log of `total` events answered as the engine would: a page by offset, and the count. */
function logOf(total: number) {
  return (request: ListRequest): Result<unknown> => {
    const offset = request.offset ?? 0;
    const limit = request.limit ?? AUDIT_PAGE_SIZE;
    const events: AuditEventView[] = [];
    for (let seq = offset + 1; seq <= Math.min(total, offset + limit); seq++) {
      events.push(event(seq));
    }
    return { ok: true, data: { total, events } };
  };
}

/** Replies are held until `release` is called, so the test decides their order. */
function stubBridge(answer: (channel: string, request: ListRequest) => Result<unknown>) {
  const held: { channel: string; request: ListRequest; release: () => void }[] = [];
  const invoke = vi.fn(
    (channel: string, request: ListRequest) =>
      new Promise<Result<unknown>>((resolve) => {
        held.push({ channel, request, release: () => resolve(answer(channel, request)) });
      }),
  );
  installBridge(invoke);
  return { invoke, held };
}

/** Lets pending promise callbacks run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

async function releaseAll(held: { release: () => void }[]) {
  while (held.length > 0) {
    held.shift()!.release();
    await settle();
  }
}

resetStoreAfterEach();

describe('audit slice', () => {
  it('loads the count and the first page, then only the pages scrolled to', async () => {
    const { invoke, held } = stubBridge((_channel, request) => logOf(100_000)(request));
    const loading = useStore.getState().audit.setQuery({});
    await settle();
    expect(held).toHaveLength(1);
    held.shift()!.release();
    await loading;

    let audit = useStore.getState().audit;
    expect(audit.total).toBe(100_000);
    expect(Object.keys(audit.pages)).toEqual(['0']);
    expect(eventAt(audit.pages, 0)?.seq).toBe(1);
    expect(eventAt(audit.pages, 499)?.seq).toBe(500);
    expect(eventAt(audit.pages, 500)).toBeUndefined();

    // Jump to the end: the last page is asked for, by offset, and nothing in between.
    audit.showRows(99_980, 99_999);
    await releaseAll(held);
    audit = useStore.getState().audit;
    expect(invoke).toHaveBeenLastCalledWith('audit.list', { offset: 99_500, limit: 500 });
    expect(eventAt(audit.pages, 99_999)?.seq).toBe(100_000);
    expect(Object.keys(audit.pages).sort()).toEqual(['0', '199']);
    expect(invoke).toHaveBeenCalledTimes(2);

    // Rows already held are not asked for again.
    audit.showRows(0, 40);
    await releaseAll(held);
    expect(invoke).toHaveBeenCalledTimes(2);
  });

  it('asks for at most two pages at a time and never past the last event', async () => {
    const { invoke, held } = stubBridge((_channel, request) => logOf(1_200)(request));
    const loading = useStore.getState().audit.setQuery({});
    await settle();
    held.shift()!.release();
    await loading;

    useStore.getState().audit.showRows(0, 5_000);
    await settle();
    expect(held.map((call) => call.request.offset)).toEqual([500, 1_000]);
    await releaseAll(held);
    expect(invoke).toHaveBeenCalledTimes(3);
    expect(eventAt(useStore.getState().audit.pages, 1_199)?.seq).toBe(1_200);
  });

  it('keeps a bounded number of pages, dropping those farthest from where the user looks', async () => {
    const { held } = stubBridge((_channel, request) => logOf(100_000)(request));
    const loading = useStore.getState().audit.setQuery({});
    await settle();
    held.shift()!.release();
    await loading;
    for (let page = 1; page <= AUDIT_MAX_PAGES + 5; page++) {
      useStore.getState().audit.showRows(page * AUDIT_PAGE_SIZE, page * AUDIT_PAGE_SIZE + 30);
      await releaseAll(held);
    }
    const pages = Object.keys(useStore.getState().audit.pages).map(Number);
    expect(pages).toHaveLength(AUDIT_MAX_PAGES);
    expect(pages).toContain(AUDIT_MAX_PAGES + 5);
    expect(pages).not.toContain(0);
  });

  it('drops answers to a query that was replaced while they were on the way', async () => {
    const { invoke, held } = stubBridge((_channel, request) =>
      request.action === 'key.generated'
        ? { ok: true, data: { total: 1, events: [event(7, 'key.generated')] } }
        : logOf(100_000)(request),
    );
    const first = useStore.getState().audit.setQuery({});
    const second = useStore.getState().audit.setQuery({ action: 'key.generated' });
    await settle();
    expect(invoke).toHaveBeenCalledTimes(2);
    // The newer answer arrives first, then the old one.
    held[1]!.release();
    await second;
    held[0]!.release();
    await first;

    const audit = useStore.getState().audit;
    expect(audit.query).toEqual({ action: 'key.generated' });
    expect(audit.total).toBe(1);
    expect(eventAt(audit.pages, 0)?.action).toBe('key.generated');
    expect(invoke).toHaveBeenLastCalledWith('audit.list', {
      action: 'key.generated',
      offset: 0,
      limit: 500,
    });
  });

  it('shows a failed page with its remedy and stops asking until the query is chosen again', async () => {
    const { invoke, held } = stubBridge(() => ({
      ok: false,
      error: {
        code: 'BAD_REQUEST',
        message: 'since "soon" is not a date or time.',
        remedy: 'Use ISO 8601.',
      },
    }));
    const loading = useStore.getState().audit.setQuery({ since: 'soon' });
    await settle();
    held.shift()!.release();
    await loading;
    const audit = useStore.getState().audit;
    expect(audit.error?.code).toBe('BAD_REQUEST');
    expect(audit.error?.remedy).toBe('Use ISO 8601.');
    expect(audit.total).toBeNull();
    audit.showRows(0, 100);
    await settle();
    expect(invoke).toHaveBeenCalledTimes(1);
  });

  it('verifies the chain and reports where it breaks', async () => {
    const { held } = stubBridge(() => ({
      ok: true,
      data: { ok: false, events: 3, firstBadSeq: 3, reason: 'event 3 does not match its hash' },
    }));
    const verifying = useStore.getState().audit.verify();
    expect(useStore.getState().audit.verification.running).toBe(true);
    await settle();
    held.shift()!.release();
    await verifying;
    expect(useStore.getState().audit.verification).toMatchObject({
      running: false,
      result: { ok: false, firstBadSeq: 3 },
      error: null,
    });
  });

  it('exports with the current query and returns the engine refusal as it is', async () => {
    const { invoke, held } = stubBridge((channel, request) =>
      channel === 'audit.export'
        ? {
            ok: false,
            error: { code: 'BAD_INPUT', message: 'The file exists.', remedy: 'Choose a new name.' },
          }
        : logOf(10)(request),
    );
    const loading = useStore.getState().audit.setQuery({ action: 'image.' });
    await settle();
    held.shift()!.release();
    await loading;
    const exporting = useStore.getState().audit.exportEvents('csv', '/exports/audit.csv');
    await settle();
    held.shift()!.release();
    const outcome = await exporting;
    expect(invoke).toHaveBeenLastCalledWith('audit.export', {
      format: 'csv',
      path: '/exports/audit.csv',
      query: { action: 'image.' },
    });
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) expect(outcome.error.remedy).toBe('Choose a new name.');
  });
});

describe('audit query from the filter form', () => {
  it('leaves blank fields out and trims the rest', () => {
    expect(queryFromForm(emptyAuditForm)).toEqual({});
    expect(
      queryFromForm({ ...emptyAuditForm, action: ' image. ', search: ' ', key: 'abc123' }),
    ).toEqual({ action: 'image.', key: 'abc123' });
  });

  it('turns local date-times into instants and skips unreadable ones', () => {
    const local = '2026-11-01T12:30:15';
    expect(localTimeToIso(local)).toBe(new Date(2026, 10, 1, 12, 30, 15).toISOString());
    expect(localTimeToIso('not a time')).toBeUndefined();
    expect(queryFromForm({ ...emptyAuditForm, since: local, until: 'nonsense' })).toEqual({
      since: new Date(2026, 10, 1, 12, 30, 15).toISOString(),
    });
  });
});
