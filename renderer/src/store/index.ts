import { create } from 'zustand';
import { createAppSlice, type AppSlice } from './app';
import { createImagesSlice, type ImagesSlice } from './images';
import { createSystemSlice, type SystemSlice } from './system';
import { createUiSlice, type UiSlice } from './ui';

/** The renderer's state: one slice per domain. */
export type StoreState = UiSlice & AppSlice & SystemSlice & ImagesSlice;

export const useStore = create<StoreState>()((...args) => ({
  ...createUiSlice(...args),
  ...createAppSlice(...args),
  ...createSystemSlice(...args),
  ...createImagesSlice(...args),
}));

export type { PageId } from './ui';
