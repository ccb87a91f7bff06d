import type { StateCreator } from 'zustand';
import type { AppInfo } from '../../../shared/contract';
import { call, toApiError, type ApiError } from '../api';
import type { StoreState } from '.';

export interface AppSlice {
  app: {
    info: AppInfo | null;
    error: ApiError | null;
    load: () => Promise<void>;
  };
}

export const createAppSlice: StateCreator<StoreState, [], [], AppSlice> = (set) => {
  const patch = (values: Partial<AppSlice['app']>) =>
    set((state) => ({ app: { ...state.app, ...values } }));
  return {
    app: {
      info: null,
      error: null,
      load: async () => {
        try {
          patch({ info: await call('app.info', {}), error: null });
        } catch (error) {
          patch({ error: toApiError('app.info', error) });
        }
      },
    },
  };
};
