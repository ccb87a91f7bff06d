import type { StateCreator } from 'zustand';
import type { EventOf, SystemStatus } from '../../../shared/contract';
import { call, toApiError, type ApiError } from '../api';
import type { StoreState } from '.';

export interface SystemSlice {
  system: {
    status: SystemStatus | null;
    loading: boolean;
    error: ApiError | null;
    /** Runs every environment check again. */
    check: () => Promise<void>;
    /** Takes in a `status` event from the engine and refreshes what it is about. */
    applyEvent: (event: EventOf<'status'>) => void;
  };
}

export const createSystemSlice: StateCreator<StoreState, [], [], SystemSlice> = (set, get) => {
  const patch = (values: Partial<SystemSlice['system']>) =>
    set((state) => ({ system: { ...state.system, ...values } }));
  let latest = 0;
  return {
    system: {
      status: null,
      loading: false,
      error: null,
      check: async () => {
        const request = ++latest;
        patch({ loading: true });
        try {
          const status = await call('system.status', {});
          if (request === latest) patch({ status, error: null, loading: false });
        } catch (error) {
          if (request === latest)
            patch({ error: toApiError('system.status', error), loading: false });
        }
      },
      applyEvent: (event) => {
        const { status } = get().system;
        const current = status?.[event.subject];
        if (current && current.state === event.state && current.message === event.message) return;
        if (status && current) {
          // Show the news at once; the full check below brings the details.
          const updated = { ...current, state: event.state, message: event.message };
          if (event.state === 'ok') delete updated.remedy;
          patch({ status: { ...status, [event.subject]: updated } });
        }
        void get().system.check();
        const images = get().images;
        if (event.subject === 'docker' && (images.loaded || images.error)) void images.load();
      },
    },
  };
};
