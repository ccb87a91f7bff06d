/**
 * The legacy cosign signature format: a "simple signing" JSON payload, signed with the key, kept
 * as one layer of the OCI manifest at the `sha256-<hex>.sig` tag. Everything here is pure (no
 * registry access), so it can be checked byte for byte against what cosign writes.
 */
import { sign as cryptoSign, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { digestOf, MediaType, type Descriptor, type Digest } from '../oci';

export const SIGNATURE_ANNOTATION = 'dev.cosignproject.cosign/signature';
export const SIMPLE_SIGNING_TYPE = 'cosign container image signature';
/** Payloads are a few hundred bytes; anything far larger is not a signature payload. */
export const MAX_PAYLOAD_BYTES = 1024 * 1024;
/** cosign's signature images carry no real creation time. */
const ZERO_TIME = '0001-01-01T00:00:00Z';

export interface SimpleSigningPayload {
  critical: {
    identity: { 'docker-reference': string };
    image: { 'docker-manifest-digest': string };
    type: string;
  };
  optional: Record<string, unknown> | null;
}

/**
 * The payload bytes for an image, in the key order cosign marshals them. `repository` is the
 * registry host and repository without tag or digest, as cosign writes it.
 */
export function simpleSigningPayload(repository: string, digest: Digest): Buffer {
  const payload: SimpleSigningPayload = {
    critical: {
      identity: { 'docker-reference': repository },
      image: { 'docker-manifest-digest': digest },
      type: SIMPLE_SIGNING_TYPE,
    },
    optional: null,
  };
  return Buffer.from(JSON.stringify(payload), 'utf8');
}

/** Reads a payload, or says why it is not one. */
export function parsePayload(bytes: Buffer): SimpleSigningPayload | string {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    return 'the payload is not JSON';
  }
  const critical = (value as { critical?: unknown } | null)?.critical as
    { identity?: unknown; image?: unknown; type?: unknown } | undefined;
  const image = critical?.image as { 'docker-manifest-digest'?: unknown } | undefined;
  const identity = critical?.identity as { 'docker-reference'?: unknown } | undefined;
  if (typeof image?.['docker-manifest-digest'] !== 'string') {
    return 'the payload names no docker-manifest-digest';
  }
  if (critical?.type !== SIMPLE_SIGNING_TYPE) {
    return `the payload's type is not "${SIMPLE_SIGNING_TYPE}"`;
  }
  const optional = (value as { optional?: unknown }).optional;
  return {
    critical: {
      identity: {
        'docker-reference':
          typeof identity?.['docker-reference'] === 'string' ? identity['docker-reference'] : '',
      },
      image: { 'docker-manifest-digest': image['docker-manifest-digest'] },
      type: SIMPLE_SIGNING_TYPE,
    },
    optional:
      typeof optional === 'object' && optional !== null
        ? (optional as Record<string, unknown>)
        : null,
  };
}

/**
 * Signs the payload as cosign does for each key type: ECDSA and RSA (PKCS#1 v1.5) over SHA-256,
 * DER-encoded for ECDSA; Ed25519 over the message itself.
 */
export function signPayload(key: KeyObject, payload: Buffer): Buffer {
  return key.asymmetricKeyType === 'ed25519'
    ? cryptoSign(null, payload, key)
    : cryptoSign('sha256', payload, key);
}

/** True when `signature` is a signature by `key` over `payload` in any form cosign writes. */
export function verifyPayload(key: KeyObject, payload: Buffer, signature: Buffer): boolean {
  try {
    if (key.asymmetricKeyType === 'ed25519') return cryptoVerify(null, payload, key, signature);
    if (cryptoVerify('sha256', payload, key, signature)) return true;
    // Some signers pair P-384 with SHA-384.
    return (
      key.asymmetricKeyDetails?.namedCurve === 'secp384r1' &&
      cryptoVerify('sha384', payload, key, signature)
    );
  } catch {
    return false;
  }
}

/** A layer of the signature manifest: the payload blob and its signature. */
export function signatureLayer(payload: Buffer, signature: Buffer): Descriptor {
  return {
    mediaType: MediaType.cosignSimpleSigning,
    size: payload.length,
    digest: digestOf(payload),
    annotations: { [SIGNATURE_ANNOTATION]: signature.toString('base64') },
  };
}

/**
 * The config blob cosign writes for a signature image: an empty image whose root filesystem
 * lists each payload as a layer, with one zero-time history entry per layer.
 */
export function signatureConfig(layers: Descriptor[]): Buffer {
  return Buffer.from(
    JSON.stringify({
      architecture: '',
      created: ZERO_TIME,
      history: layers.map(() => ({ created: ZERO_TIME })),
      os: '',
      rootfs: { type: 'layers', diff_ids: layers.map((layer) => layer.digest) },
      config: {},
    }),
    'utf8',
  );
}

/** The signature manifest over the given layers and their config. */
export function signatureManifest(config: Buffer, layers: Descriptor[]): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: { mediaType: MediaType.ociConfig, size: config.length, digest: digestOf(config) },
      layers,
    }),
    'utf8',
  );
}
