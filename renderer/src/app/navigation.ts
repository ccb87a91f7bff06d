import {
  IconBuildingStore,
  IconTruckDelivery,
  IconKey,
  IconListCheck,
  IconSettings,
  IconStack2,
  type Icon,
} from '@tabler/icons-react';
import type { ComponentType } from 'react';
import type { ParseKeys } from 'i18next';
import { CustomersPage } from '../pages/customers/CustomersPage';
import { DeliveriesPage } from '../pages/deliveries/DeliveriesPage';
import { ImagesPage } from '../pages/images/ImagesPage';
import { KeysPage } from '../pages/keys/KeysPage';
import { AuditPage } from '../pages/audit/AuditPage';
import { SettingsPage } from '../pages/settings/SettingsPage';
import type { PageId } from '../store';

export interface PageDefinition {
  id: PageId;
  /** Translation key of the page's name in the navigation. */
  label: ParseKeys;
  icon: Icon;
  component: ComponentType;
  /** `main` pages are the work; `system` pages sit at the foot of the navigation. */
  group: 'main' | 'system';
}

/** Every page, in navigation order. */
export const pages: readonly PageDefinition[] = [
  { id: 'images', label: 'nav.images', icon: IconStack2, component: ImagesPage, group: 'main' },
  { id: 'keys', label: 'nav.keys', icon: IconKey, component: KeysPage, group: 'main' },
  {
    id: 'customers',
    label: 'customers.title',
    icon: IconBuildingStore,
    component: CustomersPage,
    group: 'main',
  },
  {
    id: 'deliveries',
    label: 'deliveries.nav',
    icon: IconTruckDelivery,
    component: DeliveriesPage,
    group: 'main',
  },
  { id: 'audit', label: 'audit.nav', icon: IconListCheck, component: AuditPage, group: 'main' },
  {
    id: 'settings',
    label: 'nav.settings',
    icon: IconSettings,
    component: SettingsPage,
    group: 'system',
  },
];

export function pageById(id: PageId): PageDefinition {
  return pages.find((page) => page.id === id) ?? pages[0]!;
}
