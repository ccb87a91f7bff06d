import { Group, Text, Tooltip } from '@mantine/core';
import {} from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { CopyIconButton } from './CopyIconButton';
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
        <CopyIconButton
          value={digest}
          label={t('inspector.copyDigest')}
          copiedHint={t('inspector.digestCopied')}
        />
      )}
    </Group>
  );
}
