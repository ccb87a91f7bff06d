/**
 * What both signature formats need from the outside world: the registry image a reference names,
 * small blobs read and written whole, and the public key a verification is asked about.
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
  parseImageReference,
  type Descriptor,
  type Digest,
  type ImageReference,
} from '../oci';
import type { RegistryApi } from '../transfer';

export interface ResolvedImage {
  ref: Extract<ImageReference, { transport: 'docker' }>;
  registry: RegistryApi;
  repository: string;
  digest: Digest;
  /** The image manifest's own descriptor, the `subject` of its referrers. */
  descriptor: { mediaType: string; digest: Digest; size: number };
}

/** The registry image behind `text`, resolved to the digest of its top-level manifest. */
export async function resolveImage(engine: Engine, text: string): Promise<ResolvedImage> {
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
  const digest = ref.digest ?? head.digest;
  return {
    ref,
    registry,
    repository: ref.repository,
    digest,
    descriptor: { mediaType: head.mediaType, digest, size: head.size },
  };
}

/**
 * An image already located by digest in a registry reached through `registry` (a customer's own
 * account, an OCI layout): what signing, attesting and verifying need, without a lookup.
 */
export function imageAt(
  registry: RegistryApi,
  repository: string,
  descriptor: { mediaType: string; digest: Digest; size: number },
): ResolvedImage {
  const ref = parseImageReference(`docker://${registry.host}/${repository}@${descriptor.digest}`);
  if (ref.transport !== 'docker') throw new Error('a registry reference parses as one');
  return { ref, registry, repository, digest: descriptor.digest, descriptor };
}

/** `HOST/REPO` as cosign names an image in payloads and statements: no tag or digest. */
export function repositoryName(image: ResolvedImage): string {
  return `${image.ref.registry}/${image.repository}`;
}

/**
 * Reads a small blob (a signature payload, a bundle) whole, refusing more than `limit` bytes
 * whatever the descriptor claims, so a hostile registry cannot make us buffer without end.
 */
export async function readSmallBlob(
  image: ResolvedImage,
  layer: Descriptor,
  limit: number,
): Promise<Buffer> {
  if (layer.size > limit) {
    throw new ConsignError('BAD_INPUT', `The blob ${layer.digest} is ${layer.size} bytes.`);
  }
  const stream = await image.registry.getBlob(image.repository, layer);
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > limit) {
      stream.destroy();
      throw new ConsignError('BAD_INPUT', `The blob ${layer.digest} is over ${limit} bytes.`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * Uploads bytes we made (a payload, a config, a bundle) unless the repository has them. `fresh`
 * bytes were just made and are almost never there yet, so the existence check is skipped: it
 * would cost a round trip per signature, and storing bytes a registry has is harmless.
 */
export async function uploadBytes(
  image: ResolvedImage,
  bytes: Buffer,
  options: { fresh?: boolean } = {},
): Promise<Digest> {
  const digest = digestOf(bytes);
  await image.registry.uploadBlob(
    image.repository,
    { digest, size: bytes.length },
    (offset) => Promise.resolve(Readable.from([bytes.subarray(offset)], { objectMode: false })),
    options.fresh ? { checkExisting: false } : {},
  );
  return digest;
}

/** How a verification names the key it checks with. */
export type VerifyKey = { keyId: string } | { publicKeyPem: string } | { publicKeyFile: string };

export interface CheckingKey {
  key: KeyObject;
  fingerprint: string;
  id?: string;
  name?: string;
  revoked?: boolean;
}

/** The public key a verification asks about: a workspace key (revoked ones too) or a PEM. */
export async function publicKeyFrom(engine: Engine, key: VerifyKey): Promise<CheckingKey> {
  if ('keyId' in key) {
    const info = engine.requireStore().keys.get(key.keyId);
    return {
      key: createPublicKey(info.publicKey),
      fingerprint: info.fingerprint,
      id: info.id,
      name: info.name,
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
    return { key: publicKey, fingerprint: fingerprintOf(publicKey) };
  } catch (cause) {
    throw new ConsignError('BAD_INPUT', `${what} is not a PEM public key.`, {
      remedy: 'Give a "PUBLIC KEY" PEM file, such as cosign.pub or `consign keys export-public`.',
      cause,
    });
  }
}

/** Every key of the workspace as checking material (active and revoked). */
export function workspaceKeys(engine: Engine): CheckingKey[] {
  return engine
    .requireStore()
    .keys.list()
    .map((info) => ({
      key: createPublicKey(info.publicKey),
      fingerprint: info.fingerprint,
      id: info.id,
      name: info.name,
      ...(info.state === 'revoked' ? { revoked: true } : {}),
    }));
}

/** The text of an error for a reason shown to a person. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
