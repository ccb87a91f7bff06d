import type { StateCreator } from 'zustand';
import type { ResponseOf, ScanReportFormat, ScanResult, Severity } from '../../../shared/contract';
import { call, toApiError, type ApiError } from '../api';
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

export interface ScanSlice {
  scan: ReportView & {
    /** The image being scanned or shown; the report is open while it is set. */
    ref: string | null;
    result: ScanResult | null;
    loading: boolean;
    /** When the running scan started (ms since the epoch), for "running for N s". */
    startedAt: number | null;
    error: ApiError | null;
    /** Opens the report on `ref` (a skopeo-style reference) and scans it. */
    start: (ref: string) => Promise<void>;
    rescan: () => Promise<void>;
    /** Saves the open report as a new file the engine writes (never replacing one). */
    exportReport: (
      format: ScanReportFormat,
      path: string,
    ) => Promise<
      { ok: true; data: ResponseOf<'images.scanExport'> } | { ok: false; error: ApiError }
    >;
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
  const run = async (ref: string) => {
    const request = ++latest;
    patch({ ref, loading: true, startedAt: Date.now(), error: null });
    try {
      const result = await call('images.scan', { ref });
      if (request === latest) patch({ result, loading: false, startedAt: null });
    } catch (error) {
      if (request === latest) {
        patch({
          result: null,
          loading: false,
          startedAt: null,
          error: toApiError('images.scan', error),
        });
      }
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
      close: () => {
        latest++;
        patch({ ref: null, result: null, loading: false, startedAt: null, error: null });
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
