/**
 * Signing registry images and verifying their signatures. This module writes and reads the legacy
 * cosign format (the `sha256-<hex>.sig` tag); see ./simple-signing for the bytes themselves.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Readable } from 'node:stream';
import type { Engine } from '../engine';
import { ConsignError } from '../errors';
import { fingerprintOf, MAX_KEY_FILE_BYTES } from '../keys';
import {
  digestOf,
  formatImageReference,
  MediaType,
  parseImageReference,
  type Descriptor,
  type Digest,
  type ImageReference,
  type ParsedManifest,
} from '../oci';
import type { RegistryClient } from '../registry';
import { cosignTag } from '../transfer';
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
} from './simple-signing';

export * from './simple-signing';

export type SignatureFormat = 'legacy';

export interface SignResult {
  digest: Digest;
  signatures: {
    format: SignatureFormat;
    /** Where the signature lives: the image repository at its `.sig` tag. */
    ref: string;
    /** False when an equal signature by this key was already there, so nothing was written. */
    created: boolean;
  }[];
}

export interface SignatureReport {
  format: SignatureFormat;
  /** Fingerprint of the key the signature verifies with (absent when it verifies with none). */
  keyFingerprint?: string;
  valid: boolean;
  /** Why the signature does not count, when it does not. */
  reason?: string;
  /** The payload's blob digest, to find it in the registry. */
  payloadDigest?: Digest;
  /** What the payload says it covers. */
  signedDigest?: string;
  dockerReference?: string;
}

export interface VerifyResult {
  verified: boolean;
  digest: Digest;
  key: { fingerprint: string; id?: string; revoked?: boolean };
  signatures: SignatureReport[];
  /** Why the image is not verified, when it is not. */
  reason?: string;
}

export type VerifyKey = { keyId: string } | { publicKeyPem: string } | { publicKeyFile: string };

interface ResolvedImage {
  ref: Extract<ImageReference, { transport: 'docker' }>;
  registry: RegistryClient;
  repository: string;
  digest: Digest;
}

/** The registry image behind `text`, resolved to the digest of its top-level manifest. */
async function resolveImage(engine: Engine, text: string): Promise<ResolvedImage> {
  const ref = parseImageReference(text);
  if (ref.transport !== 'docker') {
    throw new ConsignError(
      'BAD_INPUT',
      `${formatImageReference(ref)} is not in a registry: only registry images (docker://…) are signed.`,
      { remedy: 'Copy the image to a registry first (`consign copy`), then sign it there.' },
    );
  }
  const registry = await engine.registries.client(ref.registry);
  const reference = ref.digest ?? ref.tag ?? 'latest';
  const head = await registry.headManifest(ref.repository, reference);
  if (!head) {
    throw new ConsignError(
      'NOT_FOUND',
      `${formatImageReference(ref)} was not found on ${registry.host}.`,
      { remedy: 'Check the repository, tag or digest.' },
    );
  }
  return { ref, registry, repository: ref.repository, digest: ref.digest ?? head.digest };
}

/** The signature manifest at the `.sig` tag, or null when the image has none. */
async function signatureManifestOf(image: ResolvedImage): Promise<ParsedManifest | null> {
  const tag = cosignTag(image.digest, 'sig');
  if (!(await image.registry.headManifest(image.repository, tag))) return null;
  const manifest = await image.registry.getManifest(image.repository, tag);
  if (manifest.kind !== 'manifest') {
    throw new ConsignError(
      'BAD_INPUT',
      `${image.registry.host}/${image.repository}:${tag} is an index, not a cosign signature manifest.`,
    );
  }
  return manifest;
}

async function readPayload(image: ResolvedImage, layer: Descriptor): Promise<Buffer> {
  const stream = await image.registry.getBlob(image.repository, layer);
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

function signatureRef(image: ResolvedImage): string {
  return `docker://${image.registry.host}/${image.repository}:${cosignTag(image.digest, 'sig')}`;
}

/** `docker-reference` as cosign writes it: host and repository, no tag or digest. */
function dockerReference(image: ResolvedImage): string {
  return `${image.ref.registry}/${image.repository}`;
}

/**
 * Signs a registry image by digest with a workspace key, appending a layer to its legacy cosign
 * `.sig` manifest (an equal signature by the same key is not added twice). Revoked keys are
 * refused with CHECK_FAILED before anything is read or written.
 */
export async function signImage(engine: Engine, text: string, keyId: string): Promise<SignResult> {
  const store = engine.requireStore();
  const info = store.keys.get(keyId);
  const privateKey = await store.keys.privateKey(keyId);
  const publicKey = createPublicKey(privateKey);
  const image = await resolveImage(engine, text);
  const payload = simpleSigningPayload(dockerReference(image), image.digest);
  const existing = await signatureManifestOf(image);
  const layers = existing?.kind === 'manifest' ? existing.manifest.layers : [];
  const tag = cosignTag(image.digest, 'sig');
  const ref = signatureRef(image);

  for (const layer of layers) {
    const signature = layer.annotations?.[SIGNATURE_ANNOTATION];
    if (layer.mediaType !== MediaType.cosignSimpleSigning || !signature) continue;
    if (layer.size > MAX_PAYLOAD_BYTES) continue;
    const bytes = await readPayload(image, layer);
    const parsed = parsePayload(bytes);
    if (
      typeof parsed !== 'string' &&
      parsed.critical.image['docker-manifest-digest'] === image.digest &&
      verifyPayload(publicKey, bytes, Buffer.from(signature, 'base64'))
    ) {
      return { digest: image.digest, signatures: [{ format: 'legacy', ref, created: false }] };
    }
  }

  const layer = signatureLayer(payload, signPayload(privateKey, payload));
  const all = [...layers, layer];
  const config = signatureConfig(all);
  const upload = async (bytes: Buffer) => {
    const descriptor = { digest: digestOf(bytes), size: bytes.length };
    await image.registry.uploadBlob(image.repository, descriptor, (offset) =>
      Promise.resolve(Readable.from([bytes.subarray(offset)], { objectMode: false })),
    );
  };
  await upload(payload);
  await upload(config);
  await image.registry.putManifest(image.repository, tag, {
    bytes: signatureManifest(config, all),
    mediaType: MediaType.ociManifest,
  });
  store.audit.append({
    action: 'image.signed',
    subject: text,
    details: {
      ref: text,
      digest: image.digest,
      keyId,
      fingerprint: info.fingerprint,
      format: 'legacy',
      signature: ref,
    },
  });
  return { digest: image.digest, signatures: [{ format: 'legacy', ref, created: true }] };
}

async function publicKeyFrom(
  engine: Engine,
  key: VerifyKey,
): Promise<{ key: KeyObject; id?: string; revoked?: boolean }> {
  if ('keyId' in key) {
    const info = engine.requireStore().keys.get(key.keyId);
    return {
      key: createPublicKey(info.publicKey),
      id: info.id,
      ...(info.state === 'revoked' ? { revoked: true } : {}),
    };
  }
  let pem: string;
  let what = 'The public key';
  if ('publicKeyFile' in key) {
    const path = resolve(key.publicKeyFile);
    what = `The public key file ${path}`;
    try {
      const info = await stat(path);
      if (!info.isFile() || info.size > MAX_KEY_FILE_BYTES) throw new Error('not a key file');
      pem = await readFile(path, 'utf8');
    } catch (cause) {
      throw new ConsignError('BAD_INPUT', `${what} cannot be read.`, {
        remedy: 'Give a PEM public key file (as written by `cosign generate-key-pair`).',
        cause,
      });
    }
  } else {
    pem = key.publicKeyPem;
  }
  try {
    const publicKey = createPublicKey(pem);
    if (publicKey.type !== 'public') throw new Error('not a public key');
    return { key: publicKey };
  } catch (cause) {
    throw new ConsignError('BAD_INPUT', `${what} is not a PEM public key.`, {
      remedy: 'Give a "PUBLIC KEY" PEM file, such as cosign.pub or `consign keys export-public`.',
      cause,
    });
  }
}

/** Checks one layer of the `.sig` manifest against the key and the image digest. */
async function checkLayer(
  image: ResolvedImage,
  layer: Descriptor,
  key: KeyObject,
  fingerprint: string,
): Promise<SignatureReport> {
  const report: SignatureReport = { format: 'legacy', valid: false, payloadDigest: layer.digest };
  const invalid = (reason: string): SignatureReport => ({ ...report, reason });
  if (layer.mediaType !== MediaType.cosignSimpleSigning) {
    return invalid(`the layer has media type ${layer.mediaType}, not a simple signing payload`);
  }
  const signature = layer.annotations?.[SIGNATURE_ANNOTATION];
  if (!signature) return invalid(`the layer has no ${SIGNATURE_ANNOTATION} annotation`);
  if (layer.size > MAX_PAYLOAD_BYTES) {
    return invalid(`the payload is ${layer.size} bytes, too large for a signature payload`);
  }
  let bytes: Buffer;
  try {
    bytes = await readPayload(image, layer);
  } catch (error) {
    return invalid(
      `the payload could not be read: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const parsed = parsePayload(bytes);
  const described =
    typeof parsed === 'string'
      ? report
      : {
          ...report,
          signedDigest: parsed.critical.image['docker-manifest-digest'],
          dockerReference: parsed.critical.identity['docker-reference'],
        };
  if (!verifyPayload(key, bytes, Buffer.from(signature, 'base64'))) {
    return {
      ...described,
      reason:
        'the signature does not verify with this key: it was made by another key or the payload was altered',
    };
  }
  const verifiedBy = { ...described, keyFingerprint: fingerprint };
  if (typeof parsed === 'string') return { ...verifiedBy, reason: parsed };
  if (parsed.critical.image['docker-manifest-digest'] !== image.digest) {
    return {
      ...verifiedBy,
      reason: `the signature covers ${parsed.critical.image['docker-manifest-digest']}, not ${image.digest}`,
    };
  }
  return { ...verifiedBy, valid: true };
}

/**
 * Verifies a registry image's legacy cosign signatures with a workspace key or a PEM public key.
 * Verified means at least one signature by that key covers the image's digest; a revoked key
 * never verifies, though its signatures are still reported.
 */
export async function verifyImage(
  engine: Engine,
  text: string,
  key: VerifyKey,
): Promise<VerifyResult> {
  const publicKey = await publicKeyFrom(engine, key);
  const fingerprint = fingerprintOf(publicKey.key);
  const image = await resolveImage(engine, text);
  const keyReport = {
    fingerprint,
    ...(publicKey.id ? { id: publicKey.id } : {}),
    ...(publicKey.revoked ? { revoked: true } : {}),
  };
  const manifest = await signatureManifestOf(image);
  const layers = manifest?.kind === 'manifest' ? manifest.manifest.layers : [];
  if (layers.length === 0) {
    return {
      verified: false,
      digest: image.digest,
      key: keyReport,
      signatures: [],
      reason: `${image.digest} has no cosign signatures (no ${cosignTag(image.digest, 'sig')} tag in ${image.registry.host}/${image.repository}).`,
    };
  }
  const signatures: SignatureReport[] = [];
  for (const layer of layers) {
    signatures.push(await checkLayer(image, layer, publicKey.key, fingerprint));
  }
  const covered = signatures.some((s) => s.valid);
  if (publicKey.revoked) {
    return {
      verified: false,
      digest: image.digest,
      key: keyReport,
      signatures,
      reason: `The key ${publicKey.id ?? fingerprint} is revoked: its signatures no longer count.`,
    };
  }
  return {
    verified: covered,
    digest: image.digest,
    key: keyReport,
    signatures,
    ...(covered
      ? {}
      : {
          reason: `None of the ${signatures.length} signature(s) on ${image.digest} is a valid signature by key ${fingerprint}.`,
        }),
  };
}
