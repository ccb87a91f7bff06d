import type { StateCreator } from 'zustand';
import type {
  EventOf,
  VulnDbImportResult,
  VulnDbStatus,
  VulnRecord,
} from '../../../shared/contract';
import { call, toApiError, type ApiError } from '../api';
import type { StoreState } from '.';

export interface ImportProgress {
  done: number;
  total?: number;
}

export interface VulnDbSlice {
  vulndb: {
    status: VulnDbStatus | null;
    loading: boolean;
    error: ApiError | null;
    /** Asks what data is loaded and how old it is; only the latest answer is kept. */
    load: () => Promise<void>;
    import: {
      running: boolean;
      /** Chosen here for the running import; progress events of any other task are ignored. */
      taskId: string | null;
      progress: ImportProgress | null;
      result: VulnDbImportResult | null;
      error: ApiError | null;
    };
    /**
     * Imports OSV data from a path the engine reads (all or nothing), then reloads the status.
     * Refused while an import runs.
     */
    importPath: (path: string) => Promise<void>;
    applyProgress: (event: EventOf<'progress'>) => void;
    /** One stored record shown offline; the viewer is open while `id` is set. */
    record: {
      id: string | null;
      result: VulnRecord | null;
      loading: boolean;
      error: ApiError | null;
    };
    openRecord: (id: string) => Promise<void>;
    closeRecord: () => void;
  };
}

export const createVulnDbSlice: StateCreator<StoreState, [], [], VulnDbSlice> = (set, get) => {
  const patch = (values: Partial<VulnDbSlice['vulndb']>) =>
    set((state) => ({ vulndb: { ...state.vulndb, ...values } }));
  const patchImport = (values: Partial<VulnDbSlice['vulndb']['import']>) =>
    set((state) => ({
      vulndb: { ...state.vulndb, import: { ...state.vulndb.import, ...values } },
    }));
  const patchRecord = (values: Partial<VulnDbSlice['vulndb']['record']>) =>
    set((state) => ({
      vulndb: { ...state.vulndb, record: { ...state.vulndb.record, ...values } },
    }));

  let latestStatus = 0;
  let latestRecord = 0;
  const load = async () => {
    const request = ++latestStatus;
    patch({ loading: true });
    try {
      const status = await call('vulndb.status', {});
      if (request === latestStatus) patch({ status, loading: false, error: null });
    } catch (error) {
      if (request === latestStatus) {
        patch({ status: null, loading: false, error: toApiError('vulndb.status', error) });
      }
    }
  };

  return {
    vulndb: {
      status: null,
      loading: false,
      error: null,
      load,
      import: { running: false, taskId: null, progress: null, result: null, error: null },
      importPath: async (input) => {
        const path = input.trim();
        if (!path || get().vulndb.import.running) return;
        const taskId = crypto.randomUUID();
        patchImport({ running: true, taskId, progress: null, result: null, error: null });
        try {
          const result = await call('vulndb.import', { path, taskId });
          patchImport({ running: false, result });
        } catch (error) {
          patchImport({ running: false, error: toApiError('vulndb.import', error) });
        }
        // Even a refused import is worth a fresh look: the data may have changed meanwhile.
        await load();
      },
      applyProgress: (event) => {
        const { taskId, running } = get().vulndb.import;
        if (!running || event.taskId !== taskId || event.state !== 'running') return;
        patchImport({
          progress: {
            done: event.done,
            ...(event.total !== undefined ? { total: event.total } : {}),
          },
        });
      },
      record: { id: null, result: null, loading: false, error: null },
      openRecord: async (input) => {
        const id = input.trim();
        const request = ++latestRecord;
        patchRecord({ id, result: null, loading: true, error: null });
        try {
          const result = await call('vulndb.record', { id });
          if (request === latestRecord) patchRecord({ result, loading: false });
        } catch (error) {
          if (request === latestRecord) {
            patchRecord({ loading: false, error: toApiError('vulndb.record', error) });
          }
        }
      },
      closeRecord: () => {
        latestRecord++;
        patchRecord({ id: null, result: null, loading: false, error: null });
      },
    },
  };
};
