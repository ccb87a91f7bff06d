/**
 * Where Sigstore bundles live: OCI 1.1 referrer manifests of the image (artifactType = the
 * bundle media type, empty config, one bundle layer, subject = the image), pushed by digest and
 * made findable through the referrers API or, where the registry lacks it, the `sha256-<hex>`
 * fallback index. Signatures and attestations share this one path.
 */
import { digestOf, MediaType, type Descriptor, type Digest } from '../oci';
import { BUNDLE_V03_MEDIA_TYPE, MAX_BUNDLE_BYTES, openBundle, type OpenedBundle } from './bundle';
import { messageOf, readSmallBlob, uploadBytes, type ResolvedImage } from './image';

/** Annotations cosign writes on a bundle referrer (and registries copy into referrer lists). */
export const BUNDLE_CONTENT_ANNOTATION = 'dev.sigstore.bundle.content';
export const BUNDLE_PREDICATE_ANNOTATION = 'dev.sigstore.bundle.predicateType';
const CREATED_ANNOTATION = 'org.opencontainers.image.created';

/** The OCI empty descriptor's blob: `{}`. */
const EMPTY_CONFIG = Buffer.from('{}', 'utf8');

/** Where a referrer lives, as an image reference by digest. */
export function referrerRef(image: ResolvedImage, digest: Digest): string {
  return `docker://${image.registry.host}/${image.repository}@${digest}`;
}

/**
 * The empty config every bundle referrer shares, uploaded once per repository and client: when
 * many images are signed at once they would otherwise all check and upload the same blob
 * together, which costs round trips and makes concurrent commits of one digest race.
 */
const emptyConfigs = new WeakMap<object, Map<string, Promise<Digest>>>();

function ensureEmptyConfig(image: ResolvedImage): Promise<Digest> {
  let byRepository = emptyConfigs.get(image.registry);
  if (!byRepository) {
    byRepository = new Map();
    emptyConfigs.set(image.registry, byRepository);
  }
  let pending = byRepository.get(image.repository);
  if (!pending) {
    pending = uploadBytes(image, EMPTY_CONFIG);
    byRepository.set(image.repository, pending);
    // A failed upload is tried again by the next signature, not remembered.
    pending.catch(() => byRepository.delete(image.repository));
  }
  return pending;
}

/**
 * Pushes a bundle as a referrer of the image: blobs, then the manifest by digest, then the
 * fallback index entry (a no-op on registries with the referrers API). Returns its digest.
 */
export async function pushBundle(
  image: ResolvedImage,
  bundle: Buffer,
  predicateType: string,
  now: Date = new Date(),
): Promise<Digest> {
  const annotations = {
    [BUNDLE_CONTENT_ANNOTATION]: 'dsse-envelope',
    [BUNDLE_PREDICATE_ANNOTATION]: predicateType,
    // Seconds precision, as cosign writes it.
    [CREATED_ANNOTATION]: `${now.toISOString().slice(0, 19)}Z`,
  };
  const [configDigest, bundleDigest] = await Promise.all([
    ensureEmptyConfig(image),
    uploadBytes(image, bundle, { fresh: true }),
  ]);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      artifactType: BUNDLE_V03_MEDIA_TYPE,
      config: { mediaType: MediaType.ociEmpty, digest: configDigest, size: EMPTY_CONFIG.length },
      layers: [{ mediaType: BUNDLE_V03_MEDIA_TYPE, digest: bundleDigest, size: bundle.length }],
      subject: image.descriptor,
      annotations,
    }),
    'utf8',
  );
  const digest = digestOf(manifest);
  await image.registry.putManifest(image.repository, digest, {
    bytes: manifest,
    mediaType: MediaType.ociManifest,
  });
  await image.registry.addReferrers(image.repository, image.digest, [
    {
      mediaType: MediaType.ociManifest,
      digest,
      size: manifest.length,
      artifactType: BUNDLE_V03_MEDIA_TYPE,
      annotations,
    },
  ]);
  return digest;
}

/** A bundle referrer found on an image: opened, or why it could not be. */
export interface FoundBundle {
  ref: string;
  /** The referrer manifest's digest. */
  digest: Digest;
  /** The bundle blob's digest (absent when the manifest has no bundle layer). */
  layerDigest?: Digest;
  opened: OpenedBundle | string;
  /** The predicate type the referrer announces (the statement's own is what counts). */
  announcedPredicateType?: string;
}

/**
 * Referrer list entries that may be bundles: ours carry the bundle artifactType; cosign 2.5's
 * fallback index entries carry the config's empty media type instead, so those are opened too.
 */
function mayBeBundle(descriptor: Descriptor): boolean {
  const type = descriptor.artifactType;
  return type === undefined || type === BUNDLE_V03_MEDIA_TYPE || type === MediaType.ociEmpty;
}

/**
 * The Sigstore bundles that refer to the image. With `predicateType`, referrers announcing
 * another predicate type are skipped unread (an SBOM attestation can be large).
 */
export async function imageBundles(
  image: ResolvedImage,
  predicateType?: string,
): Promise<FoundBundle[]> {
  const { manifests } = await image.registry.referrers(image.repository, image.digest);
  const found: FoundBundle[] = [];
  for (const descriptor of manifests.filter(mayBeBundle)) {
    const announced = descriptor.annotations?.[BUNDLE_PREDICATE_ANNOTATION];
    if (predicateType && announced && announced !== predicateType) continue;
    const bundle = await readBundle(image, descriptor.digest);
    if (bundle === null) continue;
    if (
      predicateType &&
      bundle.announcedPredicateType &&
      bundle.announcedPredicateType !== predicateType
    ) {
      continue;
    }
    found.push(bundle);
  }
  return found;
}

/** Reads one referrer; null when it is not a bundle at all (another kind of referrer). */
async function readBundle(image: ResolvedImage, digest: Digest): Promise<FoundBundle | null> {
  const ref = referrerRef(image, digest);
  let manifest;
  try {
    manifest = await image.registry.getManifest(image.repository, digest);
  } catch (error) {
    return { ref, digest, opened: `the referrer manifest cannot be read: ${messageOf(error)}` };
  }
  if (manifest.kind !== 'manifest') return null;
  const { layers, annotations, artifactType } = manifest.manifest;
  const layer = layers.find((l) => l.mediaType === BUNDLE_V03_MEDIA_TYPE);
  if (artifactType !== BUNDLE_V03_MEDIA_TYPE && !layer) return null;
  const announced = annotations?.[BUNDLE_PREDICATE_ANNOTATION];
  const base = { ref, digest, ...(announced ? { announcedPredicateType: announced } : {}) };
  if (!layer) return { ...base, opened: 'the referrer has no bundle layer' };
  if (layer.size > MAX_BUNDLE_BYTES) {
    return {
      ...base,
      layerDigest: layer.digest,
      opened: `the bundle is ${layer.size} bytes, over the ${MAX_BUNDLE_BYTES}-byte limit`,
    };
  }
  let bytes: Buffer;
  try {
    bytes = await readSmallBlob(image, layer, MAX_BUNDLE_BYTES);
  } catch (error) {
    return {
      ...base,
      layerDigest: layer.digest,
      opened: `the bundle cannot be read: ${messageOf(error)}`,
    };
  }
  return { ...base, layerDigest: layer.digest, opened: openBundle(bytes) };
}
