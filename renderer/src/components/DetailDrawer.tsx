import { Drawer, Title } from '@mantine/core';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

/** A panel from the right with a heading: one item (an image, an event, a delivery) in full. */
export function DetailDrawer({
  opened,
  onClose,
  title,
  size,
  testId,
  children,
}: {
  opened: boolean;
  onClose: () => void;
  title: string;
  size: string;
  testId: string;
  children: ReactNode;
}) {
  const { t } = useTranslation();
  return (
    <Drawer
      opened={opened}
      onClose={onClose}
      position="right"
      size={size}
      padding="lg"
      closeButtonProps={{ 'aria-label': t('common.closeDialog') }}
      title={
        <Title order={2} fz="h3" fw={600}>
          {title}
        </Title>
      }
      data-testid={testId}
    >
      {children}
    </Drawer>
  );
}
