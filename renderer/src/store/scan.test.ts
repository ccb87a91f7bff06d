import { describe, expect, it, vi } from 'vitest';
import type { ConsignBridge, EventOf, Result, ScanResult } from '../../../shared/contract';
import { useStore } from '.';
import { resetStoreAfterEach, stubBridge as stubAnyBridge } from './test-bridge';

const ref = 'docker-daemon:team/app:1.0';
const other = 'docker://registry.example.com/team/app:2.0';

function scanOf(reference: string, vulnerabilities: ScanResult['vulnerabilities']): ScanResult {
  return {
    image: {
      ref: reference,
      digest: `sha256:${'a'.repeat(64)}`,
      manifest: `sha256:${'a'.repeat(64)}`,
      os: { id: 'debian', versionId: '12', ecosystem: 'Debian:12' },
      layers: 1,
    },
    packages: [
      {
        type: 'deb',
        name: 'libc6',
        version: '2.36-9',
        purl: 'pkg:deb/debian/libc6@2.36-9?arch=amd64&distro=debian-12',
        source: { name: 'glibc', version: '2.36-9' },
      },
    ],
    vulnerabilities,
    baseline: [],
    secrets: [],
    malware: [],
    skipped: [],
    summary: {
      packages: 1,
      vulnerabilities: {
        CRITICAL: 0,
        HIGH: vulnerabilities.length,
        MEDIUM: 0,
        LOW: 0,
        NONE: 0,
        UNKNOWN: 0,
        total: vulnerabilities.length,
      },
    },
    database: { records: 1, stale: false },
    cached: false,
    scannedAt: '2026-11-28T10:00:00.000Z',
  };
}

const finding: ScanResult['vulnerabilities'][number] = {
  id: 'CVE-2099-0001',
  aliases: [],
  package: 'libc6',
  purl: 'pkg:deb/debian/libc6@2.36-9?arch=amd64&distro=debian-12',
  installedVersion: '2.36-9',
  fixedVersion: '2.36-9+deb12u99',
  severity: 'HIGH',
};

/** A bridge answering every call from its request alone. */
function stubBridge(answer: (request: unknown) => Result<unknown> | Promise<Result<unknown>>) {
  return stubAnyBridge((_channel, request) => answer(request));
}

resetStoreAfterEach();

describe('scan slice', () => {
  it('scans a trimmed reference and shows its report, running state first', async () => {
    const result = scanOf(ref, [finding]);
    const invoke = stubBridge(() => ({ ok: true, data: result }));
    const running = useStore.getState().scan.start(`  ${ref} `);
    expect(useStore.getState().scan).toMatchObject({ ref, loading: true, result: null });
    expect(useStore.getState().scan.startedAt).toBeTypeOf('number');
    await running;
    expect(invoke).toHaveBeenCalledWith('images.scan', { ref, taskId: expect.any(String) });
    expect(useStore.getState().scan).toMatchObject({
      ref,
      loading: false,
      startedAt: null,
      result,
      error: null,
    });
  });

  it('keeps only the latest scan’s answer when an older one arrives last', async () => {
    let releaseFirst: (value: Result<unknown>) => void = () => {};
    stubBridge((request) =>
      (request as { ref: string }).ref === ref
        ? new Promise<Result<unknown>>((resolve) => (releaseFirst = resolve))
        : { ok: true, data: scanOf(other, []) },
    );
    const first = useStore.getState().scan.start(ref);
    await useStore.getState().scan.start(other);
    releaseFirst({ ok: true, data: scanOf(ref, [finding]) });
    await first;
    expect(useStore.getState().scan.ref).toBe(other);
    expect(useStore.getState().scan.result?.image.ref).toBe(other);
  });

  it('shows a failure with its remedy instead of an old report, and forgets all on close', async () => {
    stubBridge(() => ({ ok: true, data: scanOf(ref, [finding]) }));
    await useStore.getState().scan.start(ref);
    stubBridge(() => ({
      ok: false,
      error: {
        code: 'DOCKER_UNAVAILABLE',
        message: 'The Docker engine is not reachable.',
        remedy: 'Start Docker.',
      },
    }));
    await useStore.getState().scan.rescan();
    expect(useStore.getState().scan.result).toBeNull();
    expect(useStore.getState().scan.error?.code).toBe('DOCKER_UNAVAILABLE');
    expect(useStore.getState().scan.error?.remedy).toBe('Start Docker.');

    useStore.getState().scan.close();
    expect(useStore.getState().scan).toMatchObject({ ref: null, result: null, error: null });
  });

  it('attests the open report’s image with the chosen key and its platform, then reloads the keys', async () => {
    const registryScan = {
      ...scanOf(other, [finding]),
      image: {
        ...scanOf(other, [finding]).image,
        platform: { os: 'linux', architecture: 'arm64', variant: 'v8' },
      },
    };
    const attested = {
      digest: registryScan.image.digest,
      attestations: [
        {
          predicateType: 'https://cyclonedx.org/bom',
          ref: `${other}@sha256:${'c'.repeat(64)}`,
          created: true,
        },
      ],
    };
    const invoke = vi.fn((channel: string) =>
      Promise.resolve(
        channel === 'images.scan'
          ? { ok: true, data: registryScan }
          : channel === 'images.attestScan'
            ? { ok: true, data: attested }
            : { ok: true, data: [] },
      ),
    );
    vi.stubGlobal('window', {
      consign: { invoke, on: () => () => {} } as unknown as ConsignBridge,
    });
    await useStore.getState().scan.start(other);
    const outcome = await useStore.getState().scan.attest('key-1');
    expect(outcome).toEqual({ ok: true, data: attested });
    expect(invoke).toHaveBeenCalledWith('images.attestScan', {
      ref: other,
      keyId: 'key-1',
      platform: 'linux/arm64/v8',
    });
    expect(invoke).toHaveBeenCalledWith('keys.list', expect.anything());
  });

  it('resets filters and sorting for another image, but keeps them when scanning again', async () => {
    stubBridge((request) => ({ ok: true, data: scanOf((request as { ref: string }).ref, []) }));
    await useStore.getState().scan.start(ref);
    const { scan } = useStore.getState();
    scan.setTab('packages');
    scan.setPackageFilter('libc');
    scan.setSeverityFilter(['HIGH']);
    scan.sortVulnerabilities('severity');
    expect(useStore.getState().scan.vulnerabilitySort).toEqual({
      column: 'severity',
      direction: 'descending',
    });
    await useStore.getState().scan.rescan();
    expect(useStore.getState().scan).toMatchObject({ tab: 'packages', packageFilter: 'libc' });

    await useStore.getState().scan.start(other);
    expect(useStore.getState().scan).toMatchObject({
      tab: 'vulnerabilities',
      packageFilter: '',
      severityFilter: [],
      vulnerabilitySort: { column: 'severity', direction: 'ascending' },
    });
  });
});

/** A bridge whose scan waits until `finish` is called, with the progress listener exposed. */
function pendingScanBridge() {
  let listener: ((event: EventOf<'progress'>) => void) | undefined;
  let finish: (answer: Result<unknown>) => void = () => {};
  const invoke = vi.fn((channel: string, request: unknown) => {
    if (channel === 'images.scan') {
      return new Promise<Result<unknown>>((resolve) => {
        finish = resolve;
      });
    }
    if (channel === 'tasks.cancel') {
      finish({
        ok: false,
        error: { code: 'BAD_REQUEST', message: 'The scan was cancelled.' },
      });
      return Promise.resolve({ ok: true, data: { cancelled: true } });
    }
    return Promise.resolve({ ok: false, error: { code: 'INTERNAL', message: String(request) } });
  });
  const on = vi.fn((_event: string, listen: (event: EventOf<'progress'>) => void) => {
    listener = listen;
    return () => {
      listener = undefined;
    };
  });
  vi.stubGlobal('window', { consign: { invoke, on } as unknown as ConsignBridge });
  return {
    invoke,
    emit: (event: EventOf<'progress'>) => listener?.(event),
    listening: () => listener !== undefined,
    finish: (answer: Result<unknown>) => finish(answer),
  };
}

const layerA = `sha256:${'1'.repeat(64)}`;
const layerB = `sha256:${'2'.repeat(64)}`;
const layerEvent = (
  taskId: string,
  item: string,
  state: EventOf<'progress'>['state'],
  done: number,
): EventOf<'progress'> => ({
  taskId,
  label: item === layerA ? 'Layer 1 of 2' : 'Layer 2 of 2',
  state,
  done,
  total: 1000,
  unit: 'bytes',
  item,
});

describe('scan progress and cancel', () => {
  it('follows its own task’s layer events in order, and stops listening when done', async () => {
    const bridge = pendingScanBridge();
    const running = useStore.getState().scan.start(ref);
    const { taskId } = useStore.getState().scan;
    expect(taskId).toBeTypeOf('string');
    expect(bridge.invoke).toHaveBeenCalledWith('images.scan', { ref, taskId });
    bridge.emit(layerEvent(taskId!, layerA, 'queued', 0));
    bridge.emit(layerEvent(taskId!, layerB, 'queued', 0));
    bridge.emit(layerEvent(taskId!, layerA, 'running', 400));
    // Another task's events are not this scan's.
    bridge.emit(layerEvent('someone-else', layerA, 'running', 999));
    bridge.emit(layerEvent(taskId!, layerA, 'done', 1000));
    // A late running event never reopens a finished layer.
    bridge.emit(layerEvent(taskId!, layerA, 'running', 700));
    bridge.emit(layerEvent(taskId!, layerB, 'running', 250));
    expect(useStore.getState().scan.layers).toEqual([
      { digest: layerA, label: 'Layer 1 of 2', state: 'done', done: 1000, total: 1000 },
      { digest: layerB, label: 'Layer 2 of 2', state: 'running', done: 250, total: 1000 },
    ]);
    bridge.finish({ ok: true, data: scanOf(ref, []) });
    await running;
    expect(useStore.getState().scan).toMatchObject({
      loading: false,
      taskId: null,
      cancelled: false,
      error: null,
    });
    expect(bridge.listening()).toBe(false);
  });

  it('cancels the running scan: back to idle with a cancelled note, no error, report kept', async () => {
    stubBridge(() => ({ ok: true, data: scanOf(ref, [finding]) }));
    await useStore.getState().scan.start(ref);
    const shown = useStore.getState().scan.result;
    expect(shown).not.toBeNull();

    const bridge = pendingScanBridge();
    const running = useStore.getState().scan.rescan();
    const { taskId } = useStore.getState().scan;
    expect(useStore.getState().scan.loading).toBe(true);
    await useStore.getState().scan.cancel();
    await running;
    expect(bridge.invoke).toHaveBeenCalledWith('tasks.cancel', { taskId });
    expect(useStore.getState().scan).toMatchObject({
      loading: false,
      cancelling: false,
      cancelled: true,
      error: null,
      taskId: null,
      result: shown,
    });
    // The next scan clears the note.
    const next = useStore.getState().scan.rescan();
    expect(useStore.getState().scan.cancelled).toBe(false);
    bridge.finish({ ok: true, data: scanOf(ref, []) });
    await next;
  });

  it('shows a real failure as an error, not as cancelled', async () => {
    stubBridge(() => ({ ok: false, error: { code: 'REGISTRY_UNAVAILABLE', message: 'down' } }));
    await useStore.getState().scan.start(ref);
    expect(useStore.getState().scan).toMatchObject({
      cancelled: false,
      loading: false,
      error: { code: 'REGISTRY_UNAVAILABLE' },
    });
  });

  it('does nothing when no scan is running', async () => {
    const invoke = stubBridge(() => ({ ok: true, data: { cancelled: false } }));
    await useStore.getState().scan.cancel();
    expect(invoke).not.toHaveBeenCalled();
  });
});
