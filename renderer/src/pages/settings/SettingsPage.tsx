import {
  Alert,
  Button,
  Card,
  DataList,
  Group,
  SimpleGrid,
  Skeleton,
  Stack,
  Text,
  ThemeIcon,
  Title,
} from '@mantine/core';
import {
  IconBrandDocker,
  IconDatabase,
  IconInfoCircle,
  IconKey,
  IconRefresh,
} from '@tabler/icons-react';
import { useEffect, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { CheckState } from '../../../../shared/contract';
import { EngineText, ErrorAlert, Remedy } from '../../components/ErrorAlert';
import { PageHeader } from '../../components/PageHeader';
import { StatusBadge } from '../../components/StatusBadge';
import { useNow } from '../../hooks/useNow';
import { formatDateTime, formatNumber, formatRelativeTime } from '../../lib/format';
import { useStore } from '../../store';
import { RegistriesCard } from './RegistriesCard';
import { VulnDataCard } from './VulnDataCard';
import classes from './SettingsPage.module.css';

export function SettingsPage() {
  const { t, i18n } = useTranslation();
  const system = useStore((state) => state.system);
  const { check } = system;
  const now = useNow();
  const locale = i18n.language;

  useEffect(() => {
    void check();
  }, [check]);

  const status = system.status;
  return (
    <>
      <PageHeader
        title={t('settings.title')}
        description={t('settings.description')}
        actions={
          <>
            {status && (
              <Text size="sm" c="dimmed" data-testid="settings-checked-at">
                <time dateTime={status.checkedAt} title={formatDateTime(status.checkedAt, locale)}>
                  {t('settings.checkedAt', {
                    time: formatRelativeTime(status.checkedAt, locale, now),
                  })}
                </time>
              </Text>
            )}
            <Button
              variant="default"
              leftSection={<IconRefresh size={16} aria-hidden />}
              onClick={() => void check()}
              loading={system.loading}
              loaderProps={{ 'aria-label': t('settings.checking') }}
              data-testid="settings-check-again"
            >
              {t('settings.checkAgain')}
            </Button>
          </>
        }
      />

      <Stack gap="lg">
        {system.error && <ErrorAlert error={system.error} testId="settings-error" />}
        <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="lg">
          {status ? (
            <>
              <WorkspaceCard />
              <KeychainCard />
              <DockerCard />
            </>
          ) : (
            !system.error && [0, 1, 2].map((index) => <CardSkeleton key={index} />)
          )}
          <AboutCard />
        </SimpleGrid>
        <RegistriesCard />
        <VulnDataCard />
      </Stack>
    </>
  );
}

function WorkspaceCard() {
  const { t, i18n } = useTranslation();
  const workspace = useStore((state) => state.system.status?.workspace);
  if (!workspace) return null;
  return (
    <CheckCard
      testId="settings-workspace"
      icon={<IconDatabase size={20} aria-hidden />}
      title={t('settings.workspace.title')}
      state={workspace.state}
      message={workspace.message}
      remedy={workspace.remedy}
    >
      <Field label={t('settings.workspace.path')} testId="workspace-path" mono>
        {workspace.path}
      </Field>
      <Field label={t('settings.workspace.database')} testId="workspace-database" mono>
        {workspace.database || t('common.notAvailable')}
      </Field>
      <Field label={t('settings.workspace.writable')} testId="workspace-writable">
        <YesNo value={workspace.writable} />
      </Field>
      <Field label={t('settings.workspace.schemaVersion')} testId="workspace-schema-version">
        {workspace.schemaVersion}
      </Field>
      <Field label={t('settings.workspace.auditEvents')} testId="workspace-audit-events">
        {formatNumber(workspace.auditEvents, i18n.language)}
      </Field>
      <Field label={t('settings.workspace.auditIntact')} testId="workspace-audit-intact">
        <YesNo value={workspace.auditIntact} />
      </Field>
    </CheckCard>
  );
}

function KeychainCard() {
  const { t } = useTranslation();
  const keychain = useStore((state) => state.system.status?.keychain);
  if (!keychain) return null;
  return (
    <CheckCard
      testId="settings-keychain"
      icon={<IconKey size={20} aria-hidden />}
      title={t('settings.keychain.title')}
      state={keychain.state}
      message={keychain.message}
      remedy={keychain.remedy}
    >
      <Field label={t('settings.keychain.backend')} testId="keychain-backend">
        {keychain.backend}
      </Field>
      <Field label={t('settings.keychain.service')} testId="keychain-service" mono>
        {keychain.service}
      </Field>
      <Field label={t('settings.keychain.available')} testId="keychain-available">
        <YesNo value={keychain.available} />
      </Field>
    </CheckCard>
  );
}

function DockerCard() {
  const { t } = useTranslation();
  const docker = useStore((state) => state.system.status?.docker);
  if (!docker) return null;
  const missing = t('common.notAvailable');
  return (
    <CheckCard
      testId="settings-docker"
      icon={<IconBrandDocker size={20} aria-hidden />}
      title={t('settings.docker.title')}
      state={docker.state}
      message={docker.message}
      remedy={docker.remedy}
    >
      <Field label={t('settings.docker.endpoint')} testId="docker-endpoint" mono>
        {docker.endpoint}
      </Field>
      <Field label={t('settings.docker.reachable')} testId="docker-reachable">
        <YesNo value={docker.reachable} />
      </Field>
      <Field label={t('settings.docker.version')} testId="docker-version">
        {docker.version ?? missing}
      </Field>
      <Field label={t('settings.docker.apiVersion')} testId="docker-api-version">
        {docker.apiVersion ?? missing}
      </Field>
      <Field label={t('settings.docker.platform')} testId="docker-platform">
        {docker.os && docker.arch ? `${docker.os}/${docker.arch}` : (docker.os ?? missing)}
      </Field>
    </CheckCard>
  );
}

function AboutCard() {
  const { t } = useTranslation();
  const info = useStore((state) => state.app.info);
  const error = useStore((state) => state.app.error);
  return (
    <Card withBorder radius="md" padding="lg" data-testid="settings-about">
      <CardTitle
        icon={<IconInfoCircle size={20} aria-hidden />}
        title={t('settings.about.title')}
      />
      {error && <ErrorAlert error={error} />}
      {info && (
        <DataList labelWidth={160} gap="xs" mt="md">
          <Field label={t('settings.about.version')} testId="about-version">
            {info.version}
          </Field>
          <Field label={t('settings.about.host')} testId="about-host">
            {t(`app.host.${info.host}`)}
          </Field>
          <Field label={t('settings.about.platform')} testId="about-platform">
            {info.platform}
          </Field>
          <Field label={t('settings.about.engineNode')} testId="about-engine-node">
            {info.engineNode}
          </Field>
        </DataList>
      )}
    </Card>
  );
}

const alertColor = { ok: 'teal', warning: 'yellow', error: 'red' } as const;

/** One environment check: its facts, its state, and when it is not fine, what to do. */
function CheckCard({
  testId,
  icon,
  title,
  state,
  message,
  remedy,
  children,
}: {
  testId: string;
  icon: ReactNode;
  title: string;
  state: CheckState;
  message: string;
  remedy: string | undefined;
  children: ReactNode;
}) {
  return (
    <Card
      withBorder
      radius="md"
      padding="lg"
      data-testid={testId}
      data-state={state}
      aria-label={title}
      component="section"
    >
      <CardTitle
        icon={icon}
        title={title}
        badge={<StatusBadge state={state} testId="check-state" />}
      />
      {state === 'ok' ? (
        <Text size="sm" c="dimmed" mt={6} data-testid="check-message">
          <EngineText text={message} />
        </Text>
      ) : (
        <Alert color={alertColor[state]} variant="light" mt="md" data-testid="check-problem">
          <Stack gap="xs">
            <Text size="sm" data-testid="check-message">
              <EngineText text={message} />
            </Text>
            {remedy && <Remedy remedy={remedy} />}
          </Stack>
        </Alert>
      )}
      <DataList labelWidth={160} gap="xs" mt="md">
        {children}
      </DataList>
    </Card>
  );
}

function CardTitle({ icon, title, badge }: { icon: ReactNode; title: string; badge?: ReactNode }) {
  return (
    <Group justify="space-between" wrap="nowrap">
      <Group gap="sm" wrap="nowrap">
        <ThemeIcon variant="light" size="lg" radius="md" color="gray">
          {icon}
        </ThemeIcon>
        <Title order={2} fz="h4" fw={600}>
          {title}
        </Title>
      </Group>
      {badge}
    </Group>
  );
}

function Field({
  label,
  testId,
  mono,
  children,
}: {
  label: string;
  testId: string;
  mono?: boolean;
  children: ReactNode;
}) {
  return (
    <DataList.Item>
      <DataList.ItemLabel c="dimmed">{label}</DataList.ItemLabel>
      <DataList.ItemValue
        data-testid={testId}
        ff={mono ? 'monospace' : undefined}
        fz={mono ? 'xs' : undefined}
        className={mono ? classes.wrapAnywhere : undefined}
      >
        {children}
      </DataList.ItemValue>
    </DataList.Item>
  );
}

function YesNo({ value }: { value: boolean }) {
  const { t } = useTranslation();
  return (
    <Text span inherit c={value ? undefined : 'red'} data-value={value}>
      {value ? t('common.yes') : t('common.no')}
    </Text>
  );
}

function CardSkeleton() {
  return (
    <Card withBorder radius="md" padding="lg" aria-busy>
      <Group justify="space-between">
        <Skeleton height={32} width={180} radius="md" />
        <Skeleton height={26} width={64} radius="sm" />
      </Group>
      <Stack gap="sm" mt="lg">
        {[0, 1, 2, 3].map((index) => (
          <Skeleton key={index} height={14} radius="sm" />
        ))}
      </Stack>
    </Card>
  );
}
