import { describe, expect, it } from 'vitest';
import type {
  EventOf,
  Result,
  VulnDbImportResult,
  VulnDbStatus,
  VulnRecord,
} from '../../../shared/contract';
import { useStore } from '.';
import { resetStoreAfterEach, stubBridgeByChannel } from './test-bridge';

const empty: VulnDbStatus = {
  records: 0,
  ecosystems: [],
  stale: true,
  warning: 'No vulnerability data is loaded.',
};
const loaded: VulnDbStatus = {
  records: 3,
  ecosystems: [{ name: 'Debian:12', records: 3 }],
  builtAt: '2026-11-28T10:00:00.000Z',
  dataAsOf: '2026-11-27T10:00:00.000Z',
  ageDays: 1,
  stale: false,
};
const imported: VulnDbImportResult = {
  source: '/data/osv',
  kind: 'folder',
  imported: 3,
  updated: 0,
  unchanged: 0,
  skipped: 1,
  skippedReasons: [{ entry: 'notes.json', reason: 'it has no id' }],
  ecosystems: ['Debian:12'],
};
const record: VulnRecord = {
  id: 'DSA-0001-1',
  modified: '2026-11-27T10:00:00.000Z',
  aliases: ['CVE-2099-0001'],
  severity: [],
  affected: [],
  references: [],
  json: '{}',
};

const progress = (taskId: string, done: number, total?: number): EventOf<'progress'> => ({
  taskId,
  label: 'Importing vulnerability data',
  state: 'running',
  done,
  ...(total !== undefined ? { total } : {}),
  unit: 'items',
});

resetStoreAfterEach();

describe('vulndb slice', () => {
  it('loads the status and shows a failure with its remedy instead of an old one', async () => {
    stubBridgeByChannel({ 'vulndb.status': () => ({ ok: true, data: loaded }) });
    await useStore.getState().vulndb.load();
    expect(useStore.getState().vulndb).toMatchObject({ status: loaded, loading: false });

    stubBridgeByChannel({
      'vulndb.status': () => ({
        ok: false,
        error: { code: 'WORKSPACE_UNAVAILABLE', message: 'gone', remedy: 'Check the folder.' },
      }),
    });
    await useStore.getState().vulndb.load();
    const { vulndb } = useStore.getState();
    expect(vulndb.status).toBeNull();
    expect(vulndb.error?.remedy).toBe('Check the folder.');
  });

  it('imports a trimmed path with its own task id, follows only its progress, then reloads', async () => {
    let release: (value: Result<unknown>) => void = () => {};
    let statusNow = empty;
    const invoke = stubBridgeByChannel({
      'vulndb.status': () => ({ ok: true, data: statusNow }),
      'vulndb.import': () => new Promise<Result<unknown>>((resolve) => (release = resolve)),
    });
    await useStore.getState().vulndb.load();
    const running = useStore.getState().vulndb.importPath('  /data/osv ');
    const { taskId } = useStore.getState().vulndb.import;
    expect(useStore.getState().vulndb.import.running).toBe(true);
    expect(invoke).toHaveBeenCalledWith('vulndb.import', { path: '/data/osv', taskId });

    // A second import is refused while one runs.
    await useStore.getState().vulndb.importPath('/other');
    expect(invoke.mock.calls.filter(([c]) => c === 'vulndb.import')).toHaveLength(1);

    const { applyProgress } = useStore.getState().vulndb;
    applyProgress(progress('someone-else', 99, 100));
    expect(useStore.getState().vulndb.import.progress).toBeNull();
    applyProgress(progress(taskId!, 2, 4));
    expect(useStore.getState().vulndb.import.progress).toEqual({ done: 2, total: 4 });

    statusNow = loaded;
    release({ ok: true, data: imported });
    await running;
    expect(useStore.getState().vulndb.import).toMatchObject({
      running: false,
      result: imported,
      error: null,
    });
    expect(useStore.getState().vulndb.status).toEqual(loaded);
  });

  it('keeps an import’s refusal with its remedy, and asks nothing for an empty path', async () => {
    const invoke = stubBridgeByChannel({
      'vulndb.status': () => ({ ok: true, data: empty }),
      'vulndb.import': () => ({
        ok: false,
        error: {
          code: 'BAD_INPUT',
          message: '/nowhere does not exist; nothing was imported.',
          remedy: 'Give an OSV all.zip.',
        },
      }),
    });
    await useStore.getState().vulndb.importPath('   ');
    expect(invoke).not.toHaveBeenCalled();
    await useStore.getState().vulndb.importPath('/nowhere');
    const state = useStore.getState().vulndb.import;
    expect(state.running).toBe(false);
    expect(state.result).toBeNull();
    expect(state.error?.code).toBe('BAD_INPUT');
    expect(state.error?.remedy).toBe('Give an OSV all.zip.');
  });

  it('opens a stored record, and never shows an earlier request’s answer for a later id', async () => {
    let releaseFirst: (value: Result<unknown>) => void = () => {};
    stubBridgeByChannel({
      'vulndb.record': (request) =>
        (request as { id: string }).id === 'CVE-2099-0001'
          ? new Promise<Result<unknown>>((resolve) => (releaseFirst = resolve))
          : { ok: false, error: { code: 'NOT_FOUND', message: 'No record', remedy: 'Import.' } },
    });
    const first = useStore.getState().vulndb.openRecord('CVE-2099-0001');
    expect(useStore.getState().vulndb.record).toMatchObject({ id: 'CVE-2099-0001', loading: true });
    await useStore.getState().vulndb.openRecord('CVE-2099-0404');
    releaseFirst({ ok: true, data: record });
    await first;
    const shown = useStore.getState().vulndb.record;
    expect(shown.id).toBe('CVE-2099-0404');
    expect(shown.result).toBeNull();
    expect(shown.error?.code).toBe('NOT_FOUND');

    useStore.getState().vulndb.closeRecord();
    expect(useStore.getState().vulndb.record).toMatchObject({ id: null, error: null });
  });
});
