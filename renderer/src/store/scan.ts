import type { StateCreator } from 'zustand';
import type {
  EventOf,
  ResponseOf,
  ScanReportFormat,
  ScanResult,
  Severity,
} from '../../../shared/contract';
import { call, subscribe, toApiError, type ApiError } from '../api';
import { nextSort, type PackageColumn, type Sort, type VulnerabilityColumn } from '../lib/scan';
import type { StoreState } from '.';

export type ScanTab = 'vulnerabilities' | 'packages' | 'baseline' | 'secrets' | 'malware';

/** How the report's tables are filtered and sorted; reset for every new report. */
interface ReportView {
  tab: ScanTab;
  vulnerabilityFilter: string;
  severityFilter: Severity[];
  vulnerabilitySort: Sort<VulnerabilityColumn>;
  packageFilter: string;
  packageSort: Sort<PackageColumn>;
}

const freshView: ReportView = {
  tab: 'vulnerabilities',
  vulnerabilityFilter: '',
  severityFilter: [],
  vulnerabilitySort: { column: 'severity', direction: 'ascending' },
  packageFilter: '',
  packageSort: { column: 'name', direction: 'ascending' },
};

/** One layer of the running scan, as its progress events report it (compressed bytes read). */
export interface LayerProgress {
  digest: string;
  label: string;
  state: EventOf<'progress'>['state'];
  done: number;
  total: number;
}

/** The answer of an attest request, or why it failed. */
export type AttestOutcome =
  { ok: true; data: ResponseOf<'images.attestScan'> } | { ok: false; error: ApiError };

export interface ScanSlice {
  scan: ReportView & {
    /** The image being scanned or shown; the report is open while it is set. */
    ref: string | null;
    result: ScanResult | null;
    loading: boolean;
    /** When the running scan started (ms since the epoch), for "running for N s". */
    startedAt: number | null;
    error: ApiError | null;
    /** Chosen here for the running scan; progress events of any other task are ignored. */
    taskId: string | null;
    /** The running scan's layers, base first, as announced by the engine. */
    layers: LayerProgress[];
    /** Asked to stop; the scan ends as soon as the engine sees it. */
    cancelling: boolean;
    /** The last scan was cancelled (shown as a note until the next one starts). */
    cancelled: boolean;
    /** Opens the report on `ref` (a skopeo-style reference) and scans it. */
    start: (ref: string) => Promise<void>;
    rescan: () => Promise<void>;
    /** Stops the running scan; nothing of it is kept, and a report shown before stays. */
    cancel: () => Promise<void>;
    /** Saves the open report as a new file the engine writes (never replacing one). */
    exportReport: (
      format: ScanReportFormat,
      path: string,
    ) => Promise<
      { ok: true; data: ResponseOf<'images.scanExport'> } | { ok: false; error: ApiError }
    >;
    /**
     * Signs the open report's SBOM and vulnerability report with `keyId` and attaches them to the
     * registry image; then refreshes the keys (last used) and the image's signatures if shown.
     */
    attest: (keyId: string) => Promise<AttestOutcome>;
    close: () => void;
    setTab: (tab: ScanTab) => void;
    setVulnerabilityFilter: (filter: string) => void;
    setSeverityFilter: (severities: Severity[]) => void;
    sortVulnerabilities: (column: VulnerabilityColumn) => void;
    setPackageFilter: (filter: string) => void;
    sortPackages: (column: PackageColumn) => void;
  };
}

export const createScanSlice: StateCreator<StoreState, [], [], ScanSlice> = (set, get) => {
  const patch = (values: Partial<ScanSlice['scan']>) =>
    set((state) => ({ scan: { ...state.scan, ...values } }));
  // Only the latest scan's answer is shown, so a slow old one never replaces a newer one.
  let latest = 0;
  const idle = { loading: false, startedAt: null, taskId: null, cancelling: false };
  const follow = (taskId: string) =>
    subscribe('progress', (event) => {
      if (event.taskId !== taskId || get().scan.taskId !== taskId || !event.item) return;
      const layers = [...get().scan.layers];
      const at = layers.findIndex((layer) => layer.digest === event.item);
      const previous = layers[at];
      // Events may overtake each other; a finished layer stays finished.
      if (previous && previous.state !== 'queued' && previous.state !== 'running') return;
      const layer = {
        digest: event.item,
        label: event.label,
        state: event.state,
        done: event.done,
        total: event.total ?? previous?.total ?? 0,
      };
      if (at === -1) layers.push(layer);
      else layers[at] = layer;
      patch({ layers });
    });
  const run = async (ref: string) => {
    const request = ++latest;
    const taskId = crypto.randomUUID();
    patch({
      ref,
      loading: true,
      startedAt: Date.now(),
      error: null,
      taskId,
      layers: [],
      cancelling: false,
      cancelled: false,
    });
    const stop = follow(taskId);
    try {
      const result = await call('images.scan', { ref, taskId });
      if (request === latest) patch({ result, ...idle });
    } catch (error) {
      if (request !== latest) return;
      // Asked for, so not a failure: the report shown before (if any) stays.
      if (get().scan.cancelling) patch({ ...idle, cancelled: true });
      else patch({ result: null, ...idle, error: toApiError('images.scan', error) });
    } finally {
      stop();
    }
  };
  return {
    scan: {
      ...freshView,
      ref: null,
      result: null,
      loading: false,
      startedAt: null,
      error: null,
      taskId: null,
      layers: [],
      cancelling: false,
      cancelled: false,
      start: async (input) => {
        const ref = input.trim();
        if (!ref) return;
        // Another image's findings must never show under this reference, even for a moment.
        if (get().scan.ref !== ref) patch({ result: null, ...freshView });
        await run(ref);
      },
      rescan: async () => {
        const { ref } = get().scan;
        if (ref) await run(ref);
      },
      cancel: async () => {
        const { taskId, loading } = get().scan;
        if (!taskId || !loading) return;
        patch({ cancelling: true });
        try {
          const { cancelled } = await call('tasks.cancel', { taskId });
          // Already over: its answer (or error) is what the scan shows.
          if (!cancelled && get().scan.taskId === taskId) patch({ cancelling: false });
        } catch (error) {
          if (get().scan.taskId === taskId) {
            patch({ cancelling: false, error: toApiError('tasks.cancel', error) });
          }
        }
      },
      exportReport: async (format, path) => {
        const { ref } = get().scan;
        if (!ref) {
          return {
            ok: false,
            error: toApiError('images.scanExport', new Error('No report is open.')),
          };
        }
        try {
          return { ok: true, data: await call('images.scanExport', { ref, format, path }) };
        } catch (error) {
          return { ok: false, error: toApiError('images.scanExport', error) };
        }
      },
      attest: async (keyId) => {
        const { ref, result } = get().scan;
        if (!ref) {
          return {
            ok: false,
            error: toApiError('images.attestScan', new Error('No report is open.')),
          };
        }
        const platform = result?.image.platform;
        let outcome: AttestOutcome;
        try {
          const data = await call('images.attestScan', {
            ref,
            keyId,
            // The platform the report shows, so the attested findings are the ones on screen.
            ...(platform
              ? {
                  platform: [platform.os, platform.architecture, platform.variant]
                    .filter(Boolean)
                    .join('/'),
                }
              : {}),
          });
          outcome = { ok: true, data };
        } catch (error) {
          outcome = { ok: false, error: toApiError('images.attestScan', error) };
        }
        // Reading the key counts as using it, and new attestations show among the signatures.
        const shown = get().signing.ref === ref;
        await Promise.all([shown ? get().signing.reload() : undefined, get().keys.load()]);
        return outcome;
      },
      close: () => {
        latest++;
        const { taskId, loading } = get().scan;
        // Nobody will read the report: stop reading layers for it.
        if (taskId && loading) void call('tasks.cancel', { taskId }).catch(() => undefined);
        patch({ ref: null, result: null, ...idle, error: null, layers: [], cancelled: false });
      },
      setTab: (tab) => patch({ tab }),
      setVulnerabilityFilter: (vulnerabilityFilter) => patch({ vulnerabilityFilter }),
      setSeverityFilter: (severityFilter) => patch({ severityFilter }),
      sortVulnerabilities: (column) =>
        patch({ vulnerabilitySort: nextSort(get().scan.vulnerabilitySort, column) }),
      setPackageFilter: (packageFilter) => patch({ packageFilter }),
      sortPackages: (column) => patch({ packageSort: nextSort(get().scan.packageSort, column) }),
    },
  };
};
