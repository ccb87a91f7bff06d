/**
 * Images wherever they are: resolving a reference to something readable, inspecting it, and
 * copying it with everything that travels with it.
 */
import { ConsignError } from './errors';
import type { Engine } from './engine';
import {
  blobsOf,
  formatImageReference,
  parseImageReference,
  type Digest,
  type ImageReference,
  type Platform,
} from './oci';
import { BlobLocations } from './registry';
import { OciLayoutRegistry, openSource, registrySource, splitLayoutRefName } from './sources';
import {
  collectArtifacts,
  collectGraph,
  CompressedLayers,
  copyImage,
  type CopyOptions,
  type CopyProgress,
  type CopyResult,
  type CopySource,
} from './transfer';

type RegistryReference = Extract<ImageReference, { transport: 'docker' }>;

function registryReference(ref: ImageReference, role: string): RegistryReference {
  if (ref.transport !== 'docker') {
    throw new ConsignError(
      'BAD_INPUT',
      `${formatImageReference(ref)} cannot be a ${role}: only registries (docker://…) can.`,
    );
  }
  return ref;
}

/** Opens any supported reference for reading; registry sources also expose their location. */
export async function openImage(engine: Engine, text: string): Promise<CopySource> {
  const ref = parseImageReference(text);
  if (ref.transport === 'docker') {
    const registry = await engine.registries.client(ref.registry);
    return {
      image: registrySource(registry, ref.repository, ref.digest ?? ref.tag ?? 'latest'),
      location: { registry, repository: ref.repository },
    };
  }
  const image = await openSource(ref, { docker: engine.docker });
  if (ref.transport === 'oci') {
    // A layout can hold signatures and attestations too (a delivery bundle does): they travel.
    const repository = splitLayoutRefName(ref.tag ?? '').repository;
    return { image, location: { registry: await OciLayoutRegistry.open(ref.path), repository } };
  }
  // Exported images hold their layers uncompressed; a registry gets them gzipped, as from docker push.
  const exported = ref.transport === 'docker-daemon' || ref.transport === 'docker-archive';
  return exported ? { image, compressLayers: true } : { image };
}

export interface ImageInspection {
  ref: string;
  digest: Digest;
  mediaType: string;
  platforms?: Platform[];
  manifests: {
    digest: Digest;
    mediaType: string;
    platform?: Platform;
    layers: number;
    size: number;
  }[];
  config?: { digest: Digest; size: number; mediaType: string };
  layers: { digest: Digest; size: number; mediaType: string }[];
  size: number;
  signatures: {
    kind: 'cosign-tag' | 'referrer';
    digest: Digest;
    subject: Digest;
    tag?: string;
    artifactType?: string;
    mediaType: string;
  }[];
}

export async function inspectImage(engine: Engine, text: string): Promise<ImageInspection> {
  const source = await openImage(engine, text);
  try {
    const graph = await collectGraph(source.image);
    const { root } = graph;
    const single = graph.manifests.filter((m) => m.kind === 'manifest');
    const first = single[0];
    const platformOf = new Map(
      root.kind === 'index' ? root.index.manifests.map((d) => [d.digest, d.platform] as const) : [],
    );
    const artifacts = source.location
      ? await collectArtifacts(
          source.location,
          graph.manifests.map((m) => m.digest),
        )
      : [];
    return {
      ref: text,
      digest: root.digest,
      mediaType: root.mediaType,
      ...(root.kind === 'index'
        ? { platforms: root.index.manifests.flatMap((d) => (d.platform ? [d.platform] : [])) }
        : {}),
      manifests: single.map((m) => {
        const platform = platformOf.get(m.digest);
        const blobs = m.kind === 'manifest' ? blobsOf(m.manifest) : [];
        return {
          digest: m.digest,
          mediaType: m.mediaType,
          ...(platform ? { platform } : {}),
          layers: blobs.length - 1,
          size: blobs.reduce((sum, b) => sum + b.size, 0),
        };
      }),
      ...(first?.kind === 'manifest'
        ? {
            config: {
              digest: first.manifest.config.digest,
              size: first.manifest.config.size,
              mediaType: first.manifest.config.mediaType,
            },
          }
        : {}),
      layers:
        first?.kind === 'manifest'
          ? first.manifest.layers.map((l) => ({
              digest: l.digest,
              size: l.size,
              mediaType: l.mediaType,
            }))
          : [],
      size: graph.blobs.reduce((sum, b) => sum + b.size, 0),
      signatures: artifacts.map((a) => ({
        kind: a.tag ? ('cosign-tag' as const) : ('referrer' as const),
        digest: a.manifest.digest,
        subject: a.subject,
        ...(a.tag ? { tag: a.tag } : {}),
        ...(a.descriptor?.artifactType ? { artifactType: a.descriptor.artifactType } : {}),
        mediaType: a.manifest.mediaType,
      })),
    };
  } finally {
    await source.image.close();
  }
}

/** Copies SRC to every destination registry and records the outcome in the audit log. */
export async function copyImages(
  engine: Engine,
  sourceText: string,
  destinationTexts: string[],
  options: CopyOptions = {},
): Promise<CopyResult> {
  if (destinationTexts.length === 0) {
    throw new ConsignError('BAD_REQUEST', 'Name at least one destination registry (docker://…).');
  }
  const destinations = await Promise.all(
    destinationTexts.map(async (text) => {
      const ref = registryReference(parseImageReference(text), 'destination');
      return {
        ref: formatImageReference(ref),
        registry: await engine.registries.client(ref.registry),
        repository: ref.repository,
        ...(ref.tag ? { tag: ref.tag } : {}),
        digest: ref.digest,
      };
    }),
  );
  const source = await openImage(engine, sourceText);
  try {
    const result = await copyImage(source, destinations, {
      blobLocations: new BlobLocations(engine.requireStore().db),
      compressedLayers: new CompressedLayers(engine.requireStore().db),
      ...options,
    });
    for (const destination of destinations) {
      if (destination.digest && destination.digest !== result.digest) {
        throw new ConsignError(
          'CHECK_FAILED',
          `${destination.ref} names digest ${destination.digest}, but the source is ${result.digest}.`,
        );
      }
    }
    engine.requireStore().audit.append({
      action: 'image.copied',
      subject: sourceText,
      details: {
        digest: result.digest,
        destinations: result.destinations.map((d) => ({ ref: d.ref, status: d.status })),
      },
    });
    return result;
  } finally {
    await source.image.close();
  }
}

/**
 * A copy's progress as `progress` events of task `taskId`: at most ten updates a second per blob
 * and destination, but every end state. `destinationName` renames destinations (to customers).
 */
export function copyProgressEvents(
  engine: Engine,
  taskId: string,
  destinationName: (ref: string) => string = (ref) => ref,
  label?: string,
): (progress: CopyProgress) => void {
  const throttle = new Map<string, number>();
  return (progress) => {
    const key = `${progress.destination} ${progress.digest}`;
    const now = Date.now();
    if (progress.state === 'running' && now - (throttle.get(key) ?? 0) < 100) return;
    throttle.set(key, now);
    const destination = destinationName(progress.destination);
    engine.events.emit('progress', {
      taskId,
      label: `${label ?? destination} ${progress.digest.slice(7, 19)}`,
      state: progress.state,
      done: progress.done,
      total: progress.total,
      unit: 'bytes',
      destination,
      item: progress.digest,
    });
  };
}
