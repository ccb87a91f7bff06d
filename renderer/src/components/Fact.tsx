import { DataList } from '@mantine/core';
import type { ReactNode } from 'react';

/** One labelled value in a detail view's list of facts (a `DataList`). */
export function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <DataList.Item>
      <DataList.ItemLabel c="dimmed">{label}</DataList.ItemLabel>
      <DataList.ItemValue>{children}</DataList.ItemValue>
    </DataList.Item>
  );
}
