import { create } from 'zustand';
import { createAppSlice, type AppSlice } from './app';
import { createAuditSlice, type AuditSlice } from './audit';
import { createCopySlice, type CopySlice } from './copy';
import { createCustomersSlice, type CustomersSlice } from './customers';
import { createDeliveriesSlice, type DeliveriesSlice } from './deliveries';
import { createImagesSlice, type ImagesSlice } from './images';
import { createInspectorSlice, type InspectorSlice } from './inspector';
import { createKeysSlice, type KeysSlice } from './keys';
import { createRegistriesSlice, type RegistriesSlice } from './registries';
import { createScanSlice, type ScanSlice } from './scan';
import { createSigningSlice, type SigningSlice } from './signing';
import { createSystemSlice, type SystemSlice } from './system';
import { createTraceSlice, type TraceSlice } from './trace';
import { createUiSlice, type UiSlice } from './ui';
import { createVulnDbSlice, type VulnDbSlice } from './vulndb';

/** The renderer's state: one slice per domain. */
export type StoreState = UiSlice &
  AppSlice &
  SystemSlice &
  ImagesSlice &
  InspectorSlice &
  CopySlice &
  KeysSlice &
  SigningSlice &
  RegistriesSlice &
  VulnDbSlice &
  ScanSlice &
  CustomersSlice &
  DeliveriesSlice &
  TraceSlice &
  AuditSlice;

export const useStore = create<StoreState>()((...args) => ({
  ...createUiSlice(...args),
  ...createAppSlice(...args),
  ...createSystemSlice(...args),
  ...createImagesSlice(...args),
  ...createInspectorSlice(...args),
  ...createCopySlice(...args),
  ...createKeysSlice(...args),
  ...createSigningSlice(...args),
  ...createRegistriesSlice(...args),
  ...createVulnDbSlice(...args),
  ...createScanSlice(...args),
  ...createCustomersSlice(...args),
  ...createDeliveriesSlice(...args),
  ...createTraceSlice(...args),
  ...createAuditSlice(...args),
}));

export type { PageId } from './ui';
