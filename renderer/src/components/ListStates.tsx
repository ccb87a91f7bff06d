import { EmptyState, Paper } from '@mantine/core';
import type { ReactNode } from 'react';
import type { ApiError } from '../api';
import { ErrorAlert } from './ErrorAlert';
import { TableSkeleton } from './TableSkeleton';

/**
 * The body of a list page in each of its states: why it failed to load, a placeholder while it
 * loads, what to do when it is empty, and the list itself once it has items.
 */
export function ListStates({
  list,
  testId,
  loadingLabel,
  empty,
  children,
}: {
  list: { error: ApiError | null; loaded: boolean; items: readonly unknown[] };
  /** Prefix of the test ids: `-error`, `-loading`, `-empty`. */
  testId: string;
  loadingLabel: string;
  empty: { icon: ReactNode; title: string; description: string; actions: ReactNode };
  /** Shown once the list has loaded with at least one item. */
  children: ReactNode;
}) {
  return (
    <>
      {list.error && <ErrorAlert error={list.error} testId={`${testId}-error`} />}
      {!list.error && !list.loaded && (
        <TableSkeleton label={loadingLabel} testId={`${testId}-loading`} />
      )}
      {list.loaded && list.items.length === 0 && (
        <Paper withBorder radius="md" bg="transparent">
          <EmptyState
            data-testid={`${testId}-empty`}
            icon={empty.icon}
            title={empty.title}
            description={empty.description}
            py="xl"
          >
            <EmptyState.Actions>{empty.actions}</EmptyState.Actions>
          </EmptyState>
        </Paper>
      )}
      {list.loaded && list.items.length > 0 && children}
    </>
  );
}
