import { Alert, Badge, Button, Group, Paper, Stack, Text } from '@mantine/core';
import { IconCircleCheck } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { Digest } from './Digest';
import classes from './PushedArtifacts.module.css';

/** One artifact attached to an image: what it is, where it lives, and whether this run wrote it. */
export interface PushedArtifact {
  key: string;
  label: string;
  /** Monospaced detail lines (type, reference). */
  lines: string[];
  created: boolean;
  /** Extra data attributes that identify the item to tests. */
  data: Record<`data-${string}`, string>;
}

/**
 * What a signing dialog shows once done: a success notice, the image digest, each artifact
 * written (or found already there), and a button to close.
 */
export function PushedArtifactsView({
  title,
  body,
  digest,
  caption,
  items,
  createdLabel,
  existingLabel,
  testId,
  onClose,
}: {
  title: string;
  body: string;
  digest: string;
  /** Accessible name of the list. */
  caption: string;
  items: PushedArtifact[];
  createdLabel: string;
  existingLabel: string;
  /** Prefix of the test ids: `-done`, `-digest`, `-result`, `-close`. */
  testId: string;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  return (
    <Stack gap="md" data-testid={`${testId}-done`}>
      <Alert color="teal" variant="light" icon={<IconCircleCheck aria-hidden />} title={title}>
        <Text size="sm">{body}</Text>
      </Alert>
      <Group gap={6}>
        <Text size="sm" c="dimmed">
          {t('sign.digest')}
        </Text>
        <Digest digest={digest} copyable testId={`${testId}-digest`} />
      </Group>
      <Stack gap="xs" aria-label={caption} component="ul" className={classes.list}>
        {items.map((item) => (
          <Paper
            key={item.key}
            component="li"
            withBorder
            radius="md"
            p="sm"
            data-testid={`${testId}-result`}
            data-created={item.created}
            {...item.data}
          >
            <Group justify="space-between" wrap="nowrap" align="flex-start">
              <Stack gap={2} miw={0}>
                <Text size="sm" fw={600}>
                  {item.label}
                </Text>
                {item.lines.map((line) => (
                  <Text key={line} size="xs" ff="monospace" c="dimmed" className={classes.mono}>
                    {line}
                  </Text>
                ))}
              </Stack>
              <Badge
                color={item.created ? 'teal' : 'gray'}
                variant="light"
                radius="sm"
                className={classes.badge}
              >
                {item.created ? createdLabel : existingLabel}
              </Badge>
            </Group>
          </Paper>
        ))}
      </Stack>
      <Group justify="flex-end">
        <Button onClick={onClose} data-testid={`${testId}-close`}>
          {t('common.close')}
        </Button>
      </Group>
    </Stack>
  );
}
