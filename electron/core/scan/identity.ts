/**
 * What pins an image's layers, found without reading any of them: the key a scan is cached by.
 * A platform manifest's digest pins its config and every layer (by digest), so for registries,
 * layouts and archives the key is that digest, read from the index or manifest alone. For the
 * Docker engine, exporting the image is the expensive part, so the key is the image id that
 * `docker image inspect` gives (the config digest, which pins every layer's diff_id).
 */
import type { Engine } from '../engine';
import { ConsignError } from '../errors';
import { parseImageReference, type Descriptor, type Digest, type ParsedManifest } from '../oci';

export type ScanSubject =
  { kind: 'manifest'; digest: Digest } | { kind: 'docker-image'; id: string; platform: string };

const GO_ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386' };

/** The platform wanted: the one given, else this machine's (linux/<arch>). */
export function platformTarget(wanted: string | undefined): string {
  return wanted ?? `linux/${GO_ARCH[process.arch] ?? process.arch}`;
}

/** The cache key of a subject: readable, so a row says what it is about. */
export function subjectKey(subject: ScanSubject): string {
  return subject.kind === 'manifest'
    ? `manifest ${subject.digest}`
    : `docker-image ${subject.id} ${subject.platform}`;
}

/**
 * The manifest of the platform to scan: the image itself, or the index's entry for the platform
 * given, else for this machine, else the first real one.
 */
export function choosePlatform(
  root: ParsedManifest,
  wanted: string | undefined,
): { digest: Digest; descriptor?: Descriptor } {
  if (root.kind === 'manifest') return { digest: root.digest };
  const target = platformTarget(wanted);
  const [os, architecture, variant] = target.split('/');
  const candidates = root.index.manifests.filter(
    (d) => d.platform && d.platform.os !== 'unknown' && d.platform.architecture !== 'unknown',
  );
  const chosen =
    candidates.find(
      (d) =>
        d.platform!.os === os &&
        d.platform!.architecture === architecture &&
        (!variant || d.platform!.variant === variant),
    ) ?? (wanted ? undefined : candidates[0]);
  if (!chosen) {
    throw new ConsignError('BAD_INPUT', `The image has no ${target} variant.`, {
      remedy: `Choose one of: ${candidates.map((d) => `${d.platform!.os}/${d.platform!.architecture}`).join(', ') || 'none'}.`,
    });
  }
  return { digest: chosen.digest, descriptor: chosen };
}

/**
 * For a docker-daemon: reference, the engine's image id (one inspect, no export); undefined for
 * every other transport, whose key comes from its manifest.
 */
export async function dockerImageId(engine: Engine, ref: string): Promise<string | undefined> {
  const parsed = parseImageReference(ref);
  if (parsed.transport !== 'docker-daemon') return undefined;
  return (await engine.docker.inspectImage(parsed.name)).Id;
}
