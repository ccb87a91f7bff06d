import { Alert, Button, Code, Group, Stack, Text } from '@mantine/core';
import { IconCircleCheck } from '@tabler/icons-react';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import classes from './SavedFile.module.css';

/**
 * What a "save to a new file or folder" dialog shows once it wrote: what was written, the full
 * path (so it can be found and copied), anything more to know, and a button to close.
 */
export function SavedFileView({
  title,
  message,
  path,
  testId,
  pathTestId,
  note,
  closeTestId,
  onClose,
  children,
}: {
  title?: string;
  message: string;
  path: string;
  testId: string;
  pathTestId: string;
  /** Said after the path, inside the same notice. */
  note?: string;
  closeTestId?: string;
  onClose: () => void;
  /** Shown under the notice, e.g. the list of files written. */
  children?: ReactNode;
}) {
  const { t } = useTranslation();
  return (
    <Stack gap="md" data-testid={testId}>
      <Alert color="teal" variant="light" icon={<IconCircleCheck aria-hidden />} title={title}>
        <Stack gap="xs">
          <Text size="sm">{message}</Text>
          <Code block className={classes.path} data-testid={pathTestId}>
            {path}
          </Code>
          {note && <Text size="sm">{note}</Text>}
        </Stack>
      </Alert>
      {children}
      <Group justify="flex-end">
        <Button onClick={onClose} data-testid={closeTestId}>
          {t('common.close')}
        </Button>
      </Group>
    </Stack>
  );
}
