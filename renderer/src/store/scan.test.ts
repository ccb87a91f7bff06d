import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ConsignBridge, Result, ScanResult } from '../../../shared/contract';
import { useStore } from '.';

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

function stubBridge(answer: (request: unknown) => Result<unknown> | Promise<Result<unknown>>) {
  const invoke = vi.fn((_channel: string, request: unknown) => Promise.resolve(answer(request)));
  vi.stubGlobal('window', {
    consign: { invoke, on: () => () => {} } as unknown as ConsignBridge,
  });
  return invoke;
}

afterEach(() => {
  vi.unstubAllGlobals();
  useStore.setState(useStore.getInitialState());
});

describe('scan slice', () => {
  it('scans a trimmed reference and shows its report, running state first', async () => {
    const result = scanOf(ref, [finding]);
    const invoke = stubBridge(() => ({ ok: true, data: result }));
    const running = useStore.getState().scan.start(`  ${ref} `);
    expect(useStore.getState().scan).toMatchObject({ ref, loading: true, result: null });
    expect(useStore.getState().scan.startedAt).toBeTypeOf('number');
    await running;
    expect(invoke).toHaveBeenCalledWith('images.scan', { ref });
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
