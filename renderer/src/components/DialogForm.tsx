import { Stack } from '@mantine/core';
import type { ComponentProps, ReactNode } from 'react';
import { DialogActions } from './DialogActions';

/**
 * A dialog's form: its fields, then Cancel and Submit. Fields are checked by the dialog itself
 * (noValidate), so its own messages show rather than the browser's.
 */
export function DialogForm({
  onSubmit,
  children,
  ...actions
}: {
  onSubmit: () => void | Promise<void>;
  children: ReactNode;
} & Omit<ComponentProps<typeof DialogActions>, 'onConfirm'>) {
  return (
    <form
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        void onSubmit();
      }}
    >
      <Stack gap="md">
        {children}
        <DialogActions {...actions} />
      </Stack>
    </form>
  );
}
