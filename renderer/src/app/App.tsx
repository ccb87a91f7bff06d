import {
  ActionIcon,
  AppShell,
  Badge,
  Group,
  NavLink,
  Text,
  Tooltip,
  useComputedColorScheme,
  useMantineColorScheme,
} from '@mantine/core';
import { IconMoon, IconShieldCheck, IconSun } from '@tabler/icons-react';
import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { subscribe } from '../api';
import { useStore } from '../store';
import classes from './App.module.css';
import { pageById, pages, type PageDefinition } from './navigation';

export function App() {
  const page = useStore((state) => state.ui.page);
  const loadInfo = useStore((state) => state.app.load);
  const applyStatusEvent = useStore((state) => state.system.applyEvent);
  const applyProgressEvent = useStore((state) => state.copy.applyProgress);
  const applyImportProgress = useStore((state) => state.vulndb.applyProgress);
  const mainRef = useRef<HTMLElement>(null);

  useEffect(() => {
    void loadInfo();
  }, [loadInfo]);

  useEffect(() => subscribe('status', applyStatusEvent), [applyStatusEvent]);
  useEffect(() => subscribe('progress', applyProgressEvent), [applyProgressEvent]);
  useEffect(() => subscribe('progress', applyImportProgress), [applyImportProgress]);

  const Page = pageById(page).component;
  return (
    <AppShell
      header={{ height: 56 }}
      navbar={{ width: 232, breakpoint: 0 }}
      padding="xl"
      className={classes.shell}
    >
      <AppShell.Header>
        <Header />
      </AppShell.Header>
      <AppShell.Navbar p="sm">
        <Navigation onNavigate={() => mainRef.current?.focus()} />
      </AppShell.Navbar>
      <AppShell.Main ref={mainRef} tabIndex={-1} className={classes.main} data-page={page}>
        <div className={classes.content}>
          <Page />
        </div>
      </AppShell.Main>
    </AppShell>
  );
}

function Header() {
  const { t } = useTranslation();
  const info = useStore((state) => state.app.info);
  return (
    <Group h="100%" px="md" justify="space-between" wrap="nowrap">
      <Group gap="sm" wrap="nowrap">
        <IconShieldCheck size={24} stroke={1.75} className={classes.logo} aria-hidden />
        <Text fw={700} size="lg" data-testid="app-name">
          {info?.name ?? t('app.name')}
        </Text>
        {info && (
          <Text size="sm" c="dimmed" data-testid="app-version">
            {t('app.version', { version: info.version })}
          </Text>
        )}
      </Group>
      <Group gap="sm" wrap="nowrap">
        {info && info.host !== 'electron' && (
          <Badge variant="outline" color="gray" radius="sm" data-testid="app-host">
            {t(`app.host.${info.host}`)}
          </Badge>
        )}
        <ColorSchemeToggle />
      </Group>
    </Group>
  );
}

function ColorSchemeToggle() {
  const { t } = useTranslation();
  const { setColorScheme } = useMantineColorScheme();
  const scheme = useComputedColorScheme('light');
  const label = scheme === 'dark' ? t('app.colorScheme.toLight') : t('app.colorScheme.toDark');
  return (
    <Tooltip label={label} withArrow>
      <ActionIcon
        variant="subtle"
        color="gray"
        size="lg"
        aria-label={label}
        onClick={() => setColorScheme(scheme === 'dark' ? 'light' : 'dark')}
      >
        {scheme === 'dark' ? <IconSun size={18} aria-hidden /> : <IconMoon size={18} aria-hidden />}
      </ActionIcon>
    </Tooltip>
  );
}

function Navigation({ onNavigate }: { onNavigate: () => void }) {
  const { t } = useTranslation();
  const groups: PageDefinition['group'][] = ['main', 'system'];
  return (
    <nav aria-label={t('nav.label')} className={classes.nav}>
      {groups.map((group) => (
        <ul key={group} className={classes.navGroup} data-group={group}>
          {pages
            .filter((page) => page.group === group)
            .map((page) => (
              <li key={page.id}>
                <NavItem page={page} onNavigate={onNavigate} />
              </li>
            ))}
        </ul>
      ))}
    </nav>
  );
}

function NavItem({ page, onNavigate }: { page: PageDefinition; onNavigate: () => void }) {
  const { t } = useTranslation();
  const active = useStore((state) => state.ui.page === page.id);
  const navigate = useStore((state) => state.ui.navigate);
  const Icon = page.icon;
  return (
    <NavLink
      component="button"
      type="button"
      label={t(page.label)}
      leftSection={<Icon size={18} stroke={1.75} aria-hidden />}
      active={active}
      aria-current={active ? 'page' : undefined}
      variant="light"
      className={classes.navLink}
      data-testid={`nav-${page.id}`}
      onClick={() => {
        navigate(page.id);
        onNavigate();
      }}
    />
  );
}
