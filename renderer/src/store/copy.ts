import type { StateCreator } from 'zustand';
import type { CopyResult, EventOf } from '../../../shared/contract';
import { call, toApiError, type ApiError } from '../api';
import { checkDestinations } from '../lib/reference';
import type { StoreState } from '.';

export interface DestinationRow {
  /** Stable identity of the row while its text changes. */
  key: string;
  value: string;
}

/** One blob on its way to one destination, as the engine's progress events report it. */
export interface BlobProgress {
  digest: string;
  state: EventOf<'progress'>['state'];
  done: number;
  total: number;
}

export type CopyPhase = 'editing' | 'running' | 'finished';

export interface CopySlice {
  copy: {
    /** The dialog is open while a source is set. */
    source: string | null;
    destinations: DestinationRow[];
    overwrite: boolean;
    /** Set once Start was pressed, so problems are shown on every field from then on. */
    attempted: boolean;
    phase: CopyPhase;
    /** Chosen here for the running copy; progress events of any other task are ignored. */
    taskId: string | null;
    /** The destinations being copied to, as the engine writes them back, in the order given. */
    targets: string[];
    /** Per destination (as the engine names it), per blob digest. */
    progress: Record<string, Record<string, BlobProgress>>;
    result: CopyResult | null;
    error: ApiError | null;
    open: (source: string) => void;
    /** Closes the dialog; refused while a copy runs. */
    close: () => void;
    setDestination: (key: string, value: string) => void;
    addDestination: () => void;
    removeDestination: (key: string) => void;
    setOverwrite: (overwrite: boolean) => void;
    /** Validates the destinations and, if they are fine, runs the copy. */
    start: () => Promise<void>;
    /** Back to the form with the same source and destinations, e.g. to try again. */
    edit: () => void;
    applyProgress: (event: EventOf<'progress'>) => void;
  };
}

let rowCounter = 0;
function newRow(value = ''): DestinationRow {
  rowCounter += 1;
  return { key: `destination-${rowCounter}`, value };
}

export const createCopySlice: StateCreator<StoreState, [], [], CopySlice> = (set, get) => {
  const patch = (values: Partial<CopySlice['copy']>) =>
    set((state) => ({ copy: { ...state.copy, ...values } }));
  const idle = {
    attempted: false,
    phase: 'editing' as const,
    taskId: null,
    targets: [],
    progress: {},
    result: null,
    error: null,
  };
  return {
    copy: {
      source: null,
      destinations: [newRow()],
      overwrite: false,
      ...idle,
      open: (source) => {
        if (get().copy.phase === 'running') return;
        patch({ source, destinations: [newRow()], overwrite: false, ...idle });
      },
      close: () => {
        if (get().copy.phase === 'running') return;
        patch({ source: null, ...idle });
      },
      setDestination: (key, value) =>
        patch({
          destinations: get().copy.destinations.map((row) =>
            row.key === key ? { ...row, value } : row,
          ),
        }),
      addDestination: () => patch({ destinations: [...get().copy.destinations, newRow()] }),
      removeDestination: (key) => {
        const rest = get().copy.destinations.filter((row) => row.key !== key);
        patch({ destinations: rest.length > 0 ? rest : [newRow()] });
      },
      setOverwrite: (overwrite) => patch({ overwrite }),
      start: async () => {
        const { source, destinations, overwrite, phase } = get().copy;
        if (!source || phase === 'running') return;
        const checks = checkDestinations(destinations.map((row) => row.value));
        const targets = checks.flatMap((check) => (check.ok ? [check.normalized] : []));
        if (targets.length !== checks.length) {
          patch({ attempted: true });
          return;
        }
        const taskId = crypto.randomUUID();
        patch({
          attempted: true,
          phase: 'running',
          taskId,
          targets,
          progress: {},
          result: null,
          error: null,
        });
        try {
          const result = await call('images.copy', {
            source,
            destinations: targets,
            ...(overwrite ? { overwrite: true } : {}),
            taskId,
          });
          if (get().copy.taskId === taskId) patch({ phase: 'finished', result });
        } catch (error) {
          if (get().copy.taskId === taskId) {
            patch({ phase: 'finished', error: toApiError('images.copy', error) });
          }
        }
      },
      edit: () => {
        if (get().copy.phase === 'running') return;
        patch({ ...idle });
      },
      applyProgress: (event) => {
        const { taskId, progress } = get().copy;
        if (!taskId || event.taskId !== taskId || !event.destination || !event.item) return;
        const blobs = progress[event.destination] ?? {};
        const previous = blobs[event.item];
        // Events may overtake each other; a finished blob stays finished.
        if (previous && (previous.state === 'done' || previous.state === 'failed')) {
          if (event.state === 'running' || event.state === 'queued') return;
        }
        const total = event.total ?? previous?.total ?? 0;
        patch({
          progress: {
            ...progress,
            [event.destination]: {
              ...blobs,
              [event.item]: { digest: event.item, state: event.state, done: event.done, total },
            },
          },
        });
      },
    },
  };
};

/** Bytes done and expected over every blob one destination has reported so far. */
export function destinationTotals(blobs: Record<string, BlobProgress> | undefined) {
  let done = 0;
  let total = 0;
  let finished = 0;
  let failed = 0;
  const list = Object.values(blobs ?? {});
  for (const blob of list) {
    done += Math.min(blob.done, blob.total || blob.done);
    total += blob.total;
    if (blob.state === 'done') finished += 1;
    if (blob.state === 'failed') failed += 1;
  }
  return { done, total, blobs: list.length, finished, failed };
}
