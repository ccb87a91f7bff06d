import type { StateCreator } from 'zustand';
import type { ImageInspection } from '../../../shared/contract';
import { call, toApiError, type ApiError } from '../api';
import type { StoreState } from '.';

export interface InspectorSlice {
  inspector: {
    /** The reference being shown; the inspector is open while it is set. */
    ref: string | null;
    result: ImageInspection | null;
    loading: boolean;
    error: ApiError | null;
    /** Opens the inspector on `ref` (a skopeo-style reference) and inspects it. */
    open: (ref: string) => Promise<void>;
    reload: () => Promise<void>;
    close: () => void;
  };
}

export const createInspectorSlice: StateCreator<StoreState, [], [], InspectorSlice> = (
  set,
  get,
) => {
  const patch = (values: Partial<InspectorSlice['inspector']>) =>
    set((state) => ({ inspector: { ...state.inspector, ...values } }));
  let latest = 0;
  const inspect = async (ref: string) => {
    const request = ++latest;
    patch({ ref, loading: true, error: null });
    try {
      const result = await call('images.inspect', { ref });
      if (request === latest) patch({ result, loading: false });
    } catch (error) {
      if (request === latest) {
        patch({ result: null, loading: false, error: toApiError('images.inspect', error) });
      }
    }
  };
  return {
    inspector: {
      ref: null,
      result: null,
      loading: false,
      error: null,
      open: async (ref) => {
        // Another image's facts must never show under this reference, even for a moment.
        if (get().inspector.ref !== ref) patch({ result: null });
        // Who signed it is part of what the inspector shows, so both are asked at once.
        await Promise.all([inspect(ref.trim()), get().signing.load(ref)]);
      },
      reload: async () => {
        const { ref } = get().inspector;
        if (ref) await Promise.all([inspect(ref), get().signing.load(ref)]);
      },
      close: () => {
        latest++;
        patch({ ref: null, result: null, loading: false, error: null });
        get().signing.clear();
      },
    },
  };
};
