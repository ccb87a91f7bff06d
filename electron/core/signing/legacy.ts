/**
 * Legacy cosign signatures on a registry image: the layers of the manifest at the
 * `sha256-<hex>.sig` tag (see ./simple-signing for the bytes themselves).
 */
import type { KeyObject } from 'node:crypto';
import { ConsignError } from '../errors';
import { MediaType, type Descriptor, type Digest } from '../oci';
import { cosignTag } from '../transfer';
import { messageOf, readSmallBlob, repositoryName, uploadBytes, type ResolvedImage } from './image';
import {
  MAX_PAYLOAD_BYTES,
  parsePayload,
  signatureConfig,
  signatureLayer,
  signatureManifest,
  signPayload,
  simpleSigningPayload,
  SIGNATURE_ANNOTATION,
  verifyPayload,
  type SimpleSigningPayload,
} from './simple-signing';

/** Where an image's legacy signatures live. */
export function legacySignatureRef(image: ResolvedImage): string {
  return `docker://${image.registry.host}/${image.repository}:${cosignTag(image.digest, 'sig')}`;
}

/** The layers of the `.sig` manifest; empty when the image has none. */
export async function legacyLayers(image: ResolvedImage): Promise<Descriptor[]> {
  const tag = cosignTag(image.digest, 'sig');
  let manifest;
  try {
    // One GET rather than HEAD then GET: an absent tag answers 404 either way.
    manifest = await image.registry.getManifest(image.repository, tag);
  } catch (error) {
    if (error instanceof ConsignError && error.code === 'NOT_FOUND') return [];
    throw error;
  }
  if (manifest.kind !== 'manifest') {
    throw new ConsignError(
      'BAD_INPUT',
      `${image.registry.host}/${image.repository}:${tag} is an index, not a cosign signature manifest.`,
    );
  }
  return manifest.manifest.layers;
}

/** One `.sig` layer read from the registry, before any key is tried. */
export interface LegacyLayer {
  layer: Descriptor;
  payload: Buffer;
  signature: Buffer;
  parsed: SimpleSigningPayload | string;
}

/** Reads a layer's payload and signature, or says why it is not a signature. */
export async function readLegacyLayer(
  image: ResolvedImage,
  layer: Descriptor,
): Promise<LegacyLayer | string> {
  if (layer.mediaType !== MediaType.cosignSimpleSigning) {
    return `the layer has media type ${layer.mediaType}, not a simple signing payload`;
  }
  const signature = layer.annotations?.[SIGNATURE_ANNOTATION];
  if (!signature) return `the layer has no ${SIGNATURE_ANNOTATION} annotation`;
  if (layer.size > MAX_PAYLOAD_BYTES) {
    return `the payload is ${layer.size} bytes, too large for a signature payload`;
  }
  let payload: Buffer;
  try {
    payload = await readSmallBlob(image, layer, MAX_PAYLOAD_BYTES);
  } catch (error) {
    return `the payload could not be read: ${messageOf(error)}`;
  }
  return {
    layer,
    payload,
    signature: Buffer.from(signature, 'base64'),
    parsed: parsePayload(payload),
  };
}

/** What one key makes of a read layer: null when it is not this key's signature. */
export function judgeLegacy(
  read: LegacyLayer,
  key: KeyObject,
  digest: Digest,
): { valid: boolean; reason?: string } | null {
  if (!verifyPayload(key, read.payload, read.signature)) return null;
  if (typeof read.parsed === 'string') return { valid: false, reason: read.parsed };
  const signed = read.parsed.critical.image['docker-manifest-digest'];
  if (signed !== digest)
    return { valid: false, reason: `the signature covers ${signed}, not ${digest}` };
  return { valid: true };
}

/**
 * Appends a signature by `privateKey` to the image's `.sig` manifest, unless a valid one by the
 * same key is already there. Returns whether it wrote one.
 */
export async function signLegacy(image: ResolvedImage, privateKey: KeyObject): Promise<boolean> {
  const layers = await legacyLayers(image);
  for (const layer of layers) {
    const read = await readLegacyLayer(image, layer);
    if (typeof read !== 'string' && judgeLegacy(read, privateKey, image.digest)?.valid) {
      return false;
    }
  }
  const payload = simpleSigningPayload(repositoryName(image), image.digest);
  const all = [...layers, signatureLayer(payload, signPayload(privateKey, payload))];
  const config = signatureConfig(all);
  await Promise.all([
    uploadBytes(image, payload, { fresh: true }),
    uploadBytes(image, config, { fresh: true }),
  ]);
  await image.registry.putManifest(image.repository, cosignTag(image.digest, 'sig'), {
    bytes: signatureManifest(config, all),
    mediaType: MediaType.ociManifest,
  });
  return true;
}
