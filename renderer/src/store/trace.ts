import type { StateCreator } from 'zustand';
import type { ResponseOf } from '../../../shared/contract';
import { call, toApiError, type ApiError } from '../api';
import type { StoreState } from '.';

export type TraceResult = ResponseOf<'trace.query'>;

export interface TraceSlice {
  trace: {
    /** The Trace dialog is open. */
    open: boolean;
    /** What the query field holds. */
    query: string;
    loading: boolean;
    /** The answer to the last query asked (its `query` is the form the engine understood). */
    result: TraceResult | null;
    error: ApiError | null;
    /** Opens the dialog; with a query (a vulnerability id from a scan row), asks it at once. */
    openWith: (query?: string) => Promise<void>;
    setQuery: (query: string) => void;
    /** Asks who received what the query names; only the latest answer is kept. */
    run: () => Promise<void>;
    close: () => void;
    /** Shows a trace line's delivery on the Deliveries page. */
    showDelivery: (id: string) => void;
    showCustomers: () => void;
  };
}

export const createTraceSlice: StateCreator<StoreState, [], [], TraceSlice> = (set, get) => {
  const patch = (values: Partial<TraceSlice['trace']>) =>
    set((state) => ({ trace: { ...state.trace, ...values } }));

  let latest = 0;
  const run = async () => {
    const query = get().trace.query.trim();
    const request = ++latest;
    if (!query) {
      patch({ loading: false, result: null, error: null });
      return;
    }
    patch({ loading: true, error: null });
    try {
      const result = await call('trace.query', { query });
      if (request === latest) patch({ loading: false, result });
    } catch (error) {
      if (request === latest) {
        patch({ loading: false, result: null, error: toApiError('trace.query', error) });
      }
    }
  };

  const close = () => {
    latest++;
    patch({ open: false, loading: false });
  };

  return {
    trace: {
      open: false,
      query: '',
      loading: false,
      result: null,
      error: null,
      openWith: async (query = '') => {
        latest++;
        patch({ open: true, query, loading: false, result: null, error: null });
        if (query.trim()) await run();
      },
      setQuery: (query) => patch({ query }),
      run,
      close,
      showDelivery: (id) => {
        close();
        get().deliveries.select(id);
        get().ui.navigate('deliveries');
      },
      showCustomers: () => {
        close();
        get().ui.navigate('customers');
      },
    },
  };
};
