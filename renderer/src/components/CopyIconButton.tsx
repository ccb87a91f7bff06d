import { ActionIcon, CopyButton, Tooltip } from '@mantine/core';
import { IconCheck, IconCopy } from '@tabler/icons-react';

/** A small icon button that copies a value, with a tooltip that confirms the copy. */
export function CopyIconButton({
  value,
  label,
  hint = label,
  copiedHint,
  testId,
}: {
  value: string;
  /** The button's accessible name. */
  label: string;
  /** The tooltip before copying, when it should say less than the accessible name. */
  hint?: string;
  copiedHint: string;
  testId?: string;
}) {
  return (
    <CopyButton value={value} timeout={1500}>
      {({ copied, copy }) => (
        <Tooltip label={copied ? copiedHint : hint} withArrow>
          <ActionIcon
            variant="subtle"
            color={copied ? 'teal' : 'gray'}
            size="sm"
            onClick={copy}
            aria-label={label}
            data-testid={testId}
          >
            {copied ? <IconCheck size={14} aria-hidden /> : <IconCopy size={14} aria-hidden />}
          </ActionIcon>
        </Tooltip>
      )}
    </CopyButton>
  );
}
