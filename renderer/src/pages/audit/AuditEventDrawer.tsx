import { Button, Code, CopyButton, DataList, Stack, Text, Title } from '@mantine/core';
import { IconCheck, IconCopy } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { DetailDrawer } from '../../components/DetailDrawer';
import { Fact } from '../../components/Fact';
import { useStore } from '../../store';
import { formatEventTime, recordedJson } from './format';
import classes from './AuditPage.module.css';

/** One event as recorded: its main fields, its hash and the exact JSON that was hashed. */
export function AuditEventDrawer() {
  const { t, i18n } = useTranslation();
  const event = useStore((state) => state.audit.selected);
  const select = useStore((state) => state.audit.select);
  const json = event ? recordedJson(event) : '';

  return (
    <DetailDrawer
      opened={event !== null}
      onClose={() => select(null)}
      title={event ? t('audit.drawer.title', { seq: event.seq }) : ''}
      size="40rem"
      testId="audit-drawer"
    >
      {event && (
        <Stack gap="lg">
          <DataList labelWidth={110} gap="xs">
            <Fact label={t('audit.drawer.time')}>
              <Text size="sm" title={event.at}>
                {formatEventTime(event.at, i18n.language)}
              </Text>
            </Fact>
            <Fact label={t('audit.drawer.actor')}>
              <Text size="sm">
                {event.actor.user}@{event.actor.host}{' '}
                <Text span c="dimmed" inherit>
                  ({event.actor.app})
                </Text>
              </Text>
            </Fact>
            <Fact label={t('audit.drawer.action')}>
              <Text size="sm" ff="monospace" data-testid="audit-drawer-action">
                {event.action}
              </Text>
            </Fact>
            <Fact label={t('audit.drawer.subject')}>
              <Text size="sm" className={classes.wrapAnywhere}>
                {event.subject}
              </Text>
            </Fact>
            <Fact label={t('audit.drawer.hash')}>
              <Text
                size="sm"
                ff="monospace"
                className={classes.wrapAnywhere}
                title={t('audit.drawer.hashHint')}
                data-testid="audit-drawer-hash"
              >
                {event.hash}
              </Text>
            </Fact>
          </DataList>

          <Stack gap="xs">
            <Stack gap={2}>
              <Title order={3} fz="h5" fw={600}>
                {t('audit.drawer.raw')}
              </Title>
              <Text size="xs" c="dimmed">
                {t('audit.drawer.rawHint')}
              </Text>
            </Stack>
            <Code block className={classes.json} data-testid="audit-drawer-json">
              {json}
            </Code>
            <CopyButton value={json}>
              {({ copied, copy }) => (
                <Button
                  variant="default"
                  size="xs"
                  leftSection={
                    copied ? (
                      <IconCheck size={14} aria-hidden />
                    ) : (
                      <IconCopy size={14} aria-hidden />
                    )
                  }
                  onClick={copy}
                  style={{ alignSelf: 'flex-start' }}
                >
                  {copied ? t('common.copied') : t('audit.drawer.copyJson')}
                </Button>
              )}
            </CopyButton>
          </Stack>
        </Stack>
      )}
    </DetailDrawer>
  );
}
