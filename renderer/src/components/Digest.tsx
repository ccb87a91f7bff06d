import { ActionIcon, CopyButton, Group, Text, Tooltip } from '@mantine/core';
import { IconCheck, IconCopy } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { shortDigest } from '../lib/reference';

/**
 * A content digest: shortened (`sha256:` and 12 hex digits) with the full value on hover, or in
 * full; optionally with a button that copies the full value.
 */
export function Digest({
  digest,
  full,
  copyable,
  size = 'sm',
  testId,
}: {
  digest: string;
  full?: boolean;
  copyable?: boolean;
  size?: 'xs' | 'sm';
  testId?: string;
}) {
  const { t } = useTranslation();
  const text = (
    <Text
      size={size}
      ff="monospace"
      data-testid={testId}
      data-digest={digest}
      tabIndex={full ? undefined : 0}
      style={full ? { overflowWrap: 'anywhere' } : { whiteSpace: 'nowrap' }}
    >
      {full ? digest : shortDigest(digest)}
    </Text>
  );
  return (
    <Group gap={4} wrap="nowrap" align="center">
      {full ? (
        text
      ) : (
        <Tooltip label={digest} withArrow openDelay={300} maw={600} multiline>
          {text}
        </Tooltip>
      )}
      {copyable && (
        <CopyButton value={digest} timeout={1500}>
          {({ copied, copy }) => (
            <Tooltip
              label={copied ? t('inspector.digestCopied') : t('inspector.copyDigest')}
              withArrow
            >
              <ActionIcon
                variant="subtle"
                color={copied ? 'teal' : 'gray'}
                size="sm"
                onClick={copy}
                aria-label={t('inspector.copyDigest')}
              >
                {copied ? <IconCheck size={14} aria-hidden /> : <IconCopy size={14} aria-hidden />}
              </ActionIcon>
            </Tooltip>
          )}
        </CopyButton>
      )}
    </Group>
  );
}
