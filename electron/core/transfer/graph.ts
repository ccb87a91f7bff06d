import { blobsOf, digestHex, type Descriptor, type Digest, type ParsedManifest } from '../oci';
import type { ImageSource } from '../sources';
import type { RegistryLocation } from './types';

/** Everything one image consists of, in the order it must be written. */
export interface ImageGraph {
  root: ParsedManifest;
  /** Every manifest, children before the index that lists them; the root is last. */
  manifests: ParsedManifest[];
  /** Every blob once, in manifest order (config, then layers). */
  blobs: Descriptor[];
}

const MAX_DEPTH = 4;

export async function collectGraph(source: ImageSource): Promise<ImageGraph> {
  const root = await source.root();
  const manifests: ParsedManifest[] = [];
  const blobs = new Map<Digest, Descriptor>();
  const seen = new Set<Digest>();

  async function visit(manifest: ParsedManifest, depth: number) {
    if (seen.has(manifest.digest)) return;
    seen.add(manifest.digest);
    if (manifest.kind === 'index') {
      if (depth >= MAX_DEPTH) return;
      for (const child of manifest.index.manifests) {
        await visit(await source.manifest(child.digest), depth + 1);
      }
    } else {
      for (const blob of blobsOf(manifest.manifest)) {
        if (!blobs.has(blob.digest)) blobs.set(blob.digest, blob);
      }
    }
    manifests.push(manifest);
  }
  await visit(root, 0);
  return { root, manifests, blobs: [...blobs.values()] };
}

/** A signature, attestation, SBOM or other artifact that refers to a manifest of the image. */
export interface Artifact {
  manifest: ParsedManifest;
  /** cosign's tag scheme (`sha256-<hex>.sig` and kin); absent for OCI referrers. */
  tag?: string;
  /** The manifest it refers to (for referrers: the `subject`). */
  subject: Digest;
  /** How the subject's referrers index lists it. */
  descriptor?: Descriptor;
}

const COSIGN_SUFFIXES = ['sig', 'att', 'sbom'] as const;

export function cosignTag(digest: Digest, suffix: (typeof COSIGN_SUFFIXES)[number]): string {
  return `sha256-${digestHex(digest)}.${suffix}`;
}

/**
 * Finds what travels with the image in a registry: cosign's `.sig`/`.att`/`.sbom` tags and OCI
 * referrers (through the referrers API or its fallback tag), for every manifest of the image and,
 * one level further, for the artifacts themselves (a signature on an SBOM, say).
 */
export async function collectArtifacts(
  location: RegistryLocation,
  subjects: Digest[],
): Promise<Artifact[]> {
  const { registry, repository } = location;
  const found: Artifact[] = [];
  const seen = new Set<Digest>();
  let frontier = subjects;
  for (let depth = 0; depth < 2 && frontier.length > 0; depth++) {
    const next: Digest[] = [];
    for (const subject of frontier) {
      for (const suffix of COSIGN_SUFFIXES) {
        const tag = cosignTag(subject, suffix);
        if (!(await registry.headManifest(repository, tag))) continue;
        const manifest = await registry.getManifest(repository, tag);
        if (seen.has(manifest.digest)) continue;
        seen.add(manifest.digest);
        found.push({ manifest, tag, subject });
        next.push(manifest.digest);
      }
      for (const descriptor of (await registry.referrers(repository, subject)).manifests) {
        if (seen.has(descriptor.digest)) continue;
        seen.add(descriptor.digest);
        const manifest = await registry.getManifest(repository, descriptor.digest);
        found.push({ manifest, subject, descriptor });
        next.push(manifest.digest);
      }
    }
    frontier = next;
  }
  return found;
}

export function artifactBlobs(artifact: Artifact): Descriptor[] {
  return artifact.manifest.kind === 'manifest' ? blobsOf(artifact.manifest.manifest) : [];
}
