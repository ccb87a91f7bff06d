import type { StateCreator } from 'zustand';
import type { StoreState } from '.';

/** Every page the app can show. A page is added here and registered in `app/navigation`. */
export type PageId = 'images' | 'keys' | 'customers' | 'deliveries' | 'audit' | 'settings';

export interface UiSlice {
  ui: {
    page: PageId;
    navigate: (page: PageId) => void;
  };
}

export const createUiSlice: StateCreator<StoreState, [], [], UiSlice> = (set) => ({
  ui: {
    page: 'images',
    navigate: (page) => set((state) => ({ ui: { ...state.ui, page } })),
  },
});
