import {
  Badge,
  Button,
  Code,
  DataList,
  EmptyState,
  Group,
  Paper,
  Skeleton,
  Stack,
  Table,
  Text,
  Title,
  Tooltip,
  VisuallyHidden,
} from '@mantine/core';
import { IconRefresh, IconSend, IconShieldSearch, IconSignatureOff } from '@tabler/icons-react';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { ImageInspection } from '../../../../shared/contract';
import { DetailDrawer } from '../../components/DetailDrawer';
import { Digest } from '../../components/Digest';
import { ErrorAlert } from '../../components/ErrorAlert';
import { Fact } from '../../components/Fact';
import { formatBytes } from '../../lib/format';
import { useStore } from '../../store';
import classes from './ImagesPage.module.css';
import { SignaturesSection } from './SignaturesSection';
import { SignDialog } from './SignDialog';

type Platform = NonNullable<ImageInspection['platforms']>[number];

function platformName(platform: Platform): string {
  return [platform.os, platform.architecture, platform.variant].filter(Boolean).join('/');
}

/** `sha256-<64 hex>.sig` → `sha256-<12 hex>….sig`: cosign tags spell the digest out in full. */
function shortTag(tag: string): string {
  return tag.replace(/^(sha(?:256|512)-[0-9a-f]{12})[0-9a-f]{20,}/, '$1…');
}

function isIndex(mediaType: string): boolean {
  return mediaType.endsWith('image.index.v1+json') || mediaType.endsWith('manifest.list.v2+json');
}

/** The image inspector: what a reference resolves to, its layers and what is signed for it. */
export function InspectorDrawer() {
  const { t } = useTranslation();
  const ref = useStore((state) => state.inspector.ref);
  const loading = useStore((state) => state.inspector.loading);
  const result = useStore((state) => state.inspector.result);
  const error = useStore((state) => state.inspector.error);
  const close = useStore((state) => state.inspector.close);
  const reload = useStore((state) => state.inspector.reload);
  const openCopy = useStore((state) => state.copy.open);
  const startScan = useStore((state) => state.scan.start);
  const [signing, setSigning] = useState(false);

  return (
    <DetailDrawer
      opened={ref !== null}
      onClose={close}
      title={t('inspector.title')}
      size="56rem"
      testId="inspector"
    >
      {ref && (
        <Stack gap="lg" aria-busy={loading}>
          <Group justify="space-between" align="flex-start" wrap="nowrap">
            <Stack gap={2} miw={0}>
              <Text size="xs" c="dimmed" fw={500} tt="uppercase">
                {t('inspector.reference')}
              </Text>
              <Text
                ff="monospace"
                size="sm"
                className={classes.wrapAnywhere}
                data-testid="inspector-ref"
              >
                {ref}
              </Text>
            </Stack>
            <Group gap="xs" wrap="nowrap">
              <Button
                variant="default"
                size="sm"
                leftSection={<IconRefresh size={16} aria-hidden />}
                onClick={() => void reload()}
                loading={loading}
                loaderProps={{ 'aria-label': t('inspector.loading', { ref }) }}
                data-testid="inspector-reload"
              >
                {t('inspector.reload')}
              </Button>
              <Tooltip label={t('scan.actionHint')} withArrow multiline maw={280}>
                <Button
                  variant="default"
                  size="sm"
                  leftSection={<IconShieldSearch size={16} aria-hidden />}
                  onClick={() => void startScan(ref)}
                  disabled={!result}
                  data-testid="inspector-scan"
                >
                  {t('scan.action')}
                </Button>
              </Tooltip>
              <Button
                size="sm"
                leftSection={<IconSend size={16} aria-hidden />}
                onClick={() => openCopy(ref)}
                disabled={!result}
                data-testid="inspector-copy"
              >
                {t('inspector.copy')}
              </Button>
            </Group>
          </Group>

          {error && <ErrorAlert error={error} testId="inspector-error" />}
          {!error && !result && <InspectorSkeleton label={t('inspector.loading', { ref })} />}
          {result && (
            <Inspection
              inspection={result}
              signatures={<SignaturesSection reference={ref} onSign={() => setSigning(true)} />}
            />
          )}
        </Stack>
      )}
      {ref && <SignDialog reference={ref} opened={signing} onClose={() => setSigning(false)} />}
    </DetailDrawer>
  );
}

function Inspection({
  inspection,
  signatures,
}: {
  inspection: ImageInspection;
  /** Who signed the image, right under what it is. */
  signatures: ReactNode;
}) {
  const { t, i18n } = useTranslation();
  const locale = i18n.language;
  const index = isIndex(inspection.mediaType);
  const firstPlatform = inspection.manifests[0]?.platform;
  return (
    <Stack gap="lg" data-testid="inspector-result">
      <Paper withBorder radius="md" p="md">
        <DataList labelWidth={140} gap="xs">
          <Fact label={t('inspector.digest')}>
            <Digest digest={inspection.digest} full copyable testId="inspector-digest" />
          </Fact>
          <Fact label={t('inspector.mediaType')}>
            <Group gap="xs" wrap="wrap">
              <Text size="sm" ff="monospace" data-testid="inspector-media-type">
                {inspection.mediaType}
              </Text>
              <Badge variant="light" color={index ? 'grape' : 'gray'} radius="sm">
                {index ? t('inspector.kind.index') : t('inspector.kind.manifest')}
              </Badge>
            </Group>
          </Fact>
          <Fact label={t('inspector.totalSize')}>
            <Tooltip label={t('inspector.totalSizeHint')} withArrow>
              <Text size="sm" data-testid="inspector-size" data-bytes={inspection.size} span>
                {formatBytes(inspection.size, locale)}
              </Text>
            </Tooltip>
          </Fact>
          {inspection.platforms && (
            <Fact label={t('inspector.platforms')}>
              <Group gap={6} data-testid="inspector-platforms">
                {inspection.platforms.map((platform) => (
                  <Badge
                    key={platformName(platform)}
                    variant="outline"
                    color="gray"
                    radius="sm"
                    tt="none"
                  >
                    {platformName(platform)}
                  </Badge>
                ))}
              </Group>
            </Fact>
          )}
        </DataList>
      </Paper>

      {signatures}

      {index && inspection.manifests.length > 0 && <Manifests inspection={inspection} />}

      {inspection.config && (
        <Section title={t('inspector.config.title')}>
          <Paper withBorder radius="md" p="md" data-testid="inspector-config">
            <DataList labelWidth={140} gap="xs">
              <Fact label={t('inspector.config.digest')}>
                <Digest digest={inspection.config.digest} full copyable />
              </Fact>
              <Fact label={t('inspector.config.mediaType')}>
                <Text size="sm" ff="monospace">
                  {inspection.config.mediaType}
                </Text>
              </Fact>
              <Fact label={t('inspector.config.size')}>
                {formatBytes(inspection.config.size, locale)}
              </Fact>
            </DataList>
          </Paper>
        </Section>
      )}

      <Section
        title={
          index && firstPlatform
            ? t('inspector.layers.titleForPlatform', { platform: platformName(firstPlatform) })
            : t('inspector.layers.title')
        }
        aside={t('inspector.layers.count', { count: inspection.layers.length })}
      >
        <Layers inspection={inspection} />
      </Section>

      <Section title={t('inspector.signatures.title')}>
        <Signatures inspection={inspection} />
      </Section>
    </Stack>
  );
}

function Manifests({ inspection }: { inspection: ImageInspection }) {
  const { t, i18n } = useTranslation();
  return (
    <Section
      title={t('inspector.manifests.title')}
      aside={t('inspector.platformCount', { count: inspection.manifests.length })}
    >
      <Paper withBorder radius="md" className={classes.tablePaper}>
        <Table
          verticalSpacing="xs"
          horizontalSpacing="md"
          aria-label={t('inspector.manifests.caption')}
          data-testid="inspector-manifests"
        >
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">{t('inspector.manifests.platform')}</Table.Th>
              <Table.Th scope="col">{t('inspector.manifests.digest')}</Table.Th>
              <Table.Th scope="col" className={classes.numeric}>
                {t('inspector.manifests.layers')}
              </Table.Th>
              <Table.Th scope="col" className={classes.numeric}>
                {t('inspector.manifests.size')}
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {inspection.manifests.map((manifest) => (
              <Table.Tr key={manifest.digest} data-testid="inspector-manifest">
                <Table.Td>
                  <Text size="sm" fw={500}>
                    {manifest.platform
                      ? platformName(manifest.platform)
                      : t('inspector.manifests.unknownPlatform')}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Digest digest={manifest.digest} copyable />
                </Table.Td>
                <Table.Td className={classes.numeric}>{manifest.layers}</Table.Td>
                <Table.Td className={`${classes.numeric} ${classes.nowrap}`}>
                  {formatBytes(manifest.size, i18n.language)}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Paper>
    </Section>
  );
}

function Layers({ inspection }: { inspection: ImageInspection }) {
  const { t, i18n } = useTranslation();
  if (inspection.layers.length === 0) {
    return (
      <Text size="sm" c="dimmed">
        {t('inspector.layers.none')}
      </Text>
    );
  }
  return (
    <Paper withBorder radius="md" className={classes.tablePaper}>
      <Table.ScrollContainer minWidth={560} type="native">
        <Table
          verticalSpacing="xs"
          horizontalSpacing="md"
          striped
          aria-label={t('inspector.layers.caption')}
          data-testid="inspector-layers"
        >
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col" w={40}>
                {t('inspector.layers.index')}
              </Table.Th>
              <Table.Th scope="col">{t('inspector.layers.digest')}</Table.Th>
              <Table.Th scope="col" className={classes.numeric}>
                {t('inspector.layers.size')}
              </Table.Th>
              <Table.Th scope="col">{t('inspector.layers.mediaType')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {inspection.layers.map((layer, position) => (
              <Table.Tr key={`${position}-${layer.digest}`} data-testid="inspector-layer">
                <Table.Td>
                  <Text size="sm" c="dimmed">
                    {position + 1}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Digest digest={layer.digest} copyable testId="layer-digest" />
                </Table.Td>
                <Table.Td
                  className={`${classes.numeric} ${classes.nowrap}`}
                  data-testid="layer-size"
                  data-bytes={layer.size}
                >
                  {formatBytes(layer.size, i18n.language)}
                </Table.Td>
                <Table.Td>
                  <Text size="xs" ff="monospace" c="dimmed" className={classes.wrapAnywhere}>
                    {layer.mediaType}
                  </Text>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Paper>
  );
}

function Signatures({ inspection }: { inspection: ImageInspection }) {
  const { t } = useTranslation();
  if (inspection.signatures.length === 0) {
    const inRegistry = inspection.ref.trim().startsWith('docker://');
    return (
      <Paper withBorder radius="md">
        <EmptyState
          data-testid="inspector-no-signatures"
          icon={<IconSignatureOff aria-hidden />}
          title={
            inRegistry ? t('inspector.signatures.emptyTitle') : t('inspector.signatures.localTitle')
          }
          description={
            inRegistry
              ? t('inspector.signatures.emptyDescription')
              : t('inspector.signatures.localDescription')
          }
          py="lg"
        />
      </Paper>
    );
  }
  return (
    <Paper withBorder radius="md" className={classes.tablePaper}>
      <Table.ScrollContainer minWidth={620} type="native">
        <Table
          verticalSpacing="xs"
          horizontalSpacing="md"
          aria-label={t('inspector.signatures.caption')}
          data-testid="inspector-signatures"
        >
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">{t('inspector.signatures.kind')}</Table.Th>
              <Table.Th scope="col">{t('inspector.signatures.artifactType')}</Table.Th>
              <Table.Th scope="col">{t('inspector.signatures.digest')}</Table.Th>
              <Table.Th scope="col">{t('inspector.signatures.subject')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {inspection.signatures.map((signature) => (
              <Table.Tr
                key={`${signature.kind}-${signature.digest}`}
                data-testid="inspector-signature"
                data-kind={signature.kind}
              >
                <Table.Td>
                  <Stack gap={2}>
                    <Badge
                      variant="light"
                      color={signature.kind === 'referrer' ? 'indigo' : 'teal'}
                      radius="sm"
                    >
                      {t(`inspector.signatures.kindValue.${signature.kind}`)}
                    </Badge>
                    {signature.tag && (
                      <Tooltip label={signature.tag} withArrow maw={600} multiline>
                        <Text
                          size="xs"
                          c="dimmed"
                          ff="monospace"
                          tabIndex={0}
                          data-tag={signature.tag}
                          className={classes.nowrap}
                        >
                          {t('inspector.signatures.tag', { tag: shortTag(signature.tag) })}
                        </Text>
                      </Tooltip>
                    )}
                  </Stack>
                </Table.Td>
                <Table.Td>
                  {signature.artifactType ? (
                    <Code className={classes.wrapAnywhere}>{signature.artifactType}</Code>
                  ) : (
                    <Text size="sm" c="dimmed">
                      {t('inspector.signatures.noArtifactType')}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>
                  <Digest digest={signature.digest} copyable />
                </Table.Td>
                <Table.Td>
                  <Digest digest={signature.subject} />
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Paper>
  );
}

function Section({
  title,
  aside,
  children,
}: {
  title: string;
  aside?: string;
  children: ReactNode;
}) {
  return (
    <Stack gap="xs" component="section" aria-label={title}>
      <Group justify="space-between" align="baseline">
        <Title order={3} fz="h5" fw={600}>
          {title}
        </Title>
        {aside && (
          <Text size="sm" c="dimmed">
            {aside}
          </Text>
        )}
      </Group>
      {children}
    </Stack>
  );
}

function InspectorSkeleton({ label }: { label: string }) {
  return (
    <Stack gap="sm" aria-busy data-testid="inspector-loading">
      <VisuallyHidden>{label}</VisuallyHidden>
      <Skeleton height={96} radius="md" />
      <Skeleton height={20} width={160} radius="sm" />
      {[0, 1, 2].map((index) => (
        <Skeleton key={index} height={28} radius="sm" />
      ))}
    </Stack>
  );
}
