import { Modal, Title } from '@mantine/core';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

/**
 * A dialog with a heading that cannot be dismissed while its request runs, so a half-done
 * change is never left without its outcome on screen.
 */
export function DialogModal({
  opened,
  busy,
  onClose,
  title,
  size = 'lg',
  testId,
  children,
}: {
  opened: boolean;
  busy: boolean;
  onClose: () => void;
  title: string;
  size?: string;
  testId: string;
  children: ReactNode;
}) {
  const { t } = useTranslation();
  return (
    <Modal
      closeButtonProps={{ 'aria-label': t('common.closeDialog') }}
      opened={opened}
      onClose={onClose}
      size={size}
      padding="lg"
      closeOnClickOutside={!busy}
      closeOnEscape={!busy}
      withCloseButton={!busy}
      title={
        <Title order={2} fz="h3" fw={600}>
          {title}
        </Title>
      }
      data-testid={testId}
    >
      {children}
    </Modal>
  );
}
