/**
 * The bundle's own description, `consign-bundle.json`: which release, which images (by name, tag
 * and digest, with their scan summary, verdict and inventory for `trace`), and which key signed
 * it (fingerprint and public key only). It travels as a DSSE envelope signed by that key,
 * `consign-bundle.dsse.json`, so the receiving side trusts nothing it has not checked.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { DeliveryImage } from '../../../shared/contract';
import { asEnvelope, openEnvelope, signEnvelope, type DsseEnvelope } from '../audit/dsse';
import { ConsignError } from '../errors';
import { fingerprintOf } from '../keys';
import { isDigest } from '../oci';

export const BUNDLE_PAYLOAD_TYPE = 'application/vnd.consign.bundle+json';
export const BUNDLE_FORMAT = 'consign-bundle/v1';
export const DOCUMENT_FILE = 'consign-bundle.json';
export const ENVELOPE_FILE = 'consign-bundle.dsse.json';
/** Inventories can be long; anything over this is not a bundle Consign wrote. */
export const MAX_DOCUMENT_BYTES = 32 * 1024 * 1024;

const Digest = z.string().refine(isDigest, 'is not a digest');

export const BundleImage = z.strictObject({
  /** The repository name customers get, and the tag. */
  name: z.string().regex(/^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/, 'is not a repository name'),
  tag: z.string().regex(/^[\w][\w.-]{0,127}$/, 'is not a tag'),
  /** The ref name of the image in the bundle's index.json. */
  refName: z.string().min(1).max(400),
  digest: Digest,
  mediaType: z.string().max(200),
  size: z.number().int().nonnegative(),
  /** Where the image was read from when the bundle was made. */
  source: z.string().max(4096),
  scan: DeliveryImage.shape.scan,
  verdict: DeliveryImage.shape.verdict,
  inventory: z.strictObject({
    purls: z.array(z.string().max(2000)),
    vulnerabilities: z.array(
      z.strictObject({ id: z.string().max(300), purl: z.string().max(2000) }),
    ),
  }),
});
export type BundleImage = z.infer<typeof BundleImage>;

export const BundleDocument = z.strictObject({
  format: z.literal(BUNDLE_FORMAT),
  id: z.string().min(1).max(100),
  release: z.strictObject({
    name: z.string().min(1).max(200),
    version: z.string().min(1).max(128),
  }),
  policy: z.strictObject({
    name: z.string().max(300).optional(),
    verdict: z.enum(['pass', 'block']),
  }),
  images: z.array(BundleImage).min(1).max(100),
  key: z.strictObject({
    fingerprint: z.string().regex(/^[0-9a-f]{64}$/),
    publicKey: z.string().max(20_000),
  }),
  createdAt: z.string().max(40),
  producer: z.string().max(200),
});
export type BundleDocument = z.infer<typeof BundleDocument>;

/** The document's bytes (exactly what the envelope signs) and its envelope. */
export function signDocument(
  document: BundleDocument,
  privateKey: KeyObject,
): { bytes: Buffer; envelope: DsseEnvelope } {
  const bytes = Buffer.from(`${JSON.stringify(document, null, 2)}\n`, 'utf8');
  return {
    bytes,
    envelope: signEnvelope(BUNDLE_PAYLOAD_TYPE, bytes, privateKey, document.key.fingerprint),
  };
}

const tampered = (what: string) =>
  new ConsignError('BAD_INPUT', `The bundle's ${ENVELOPE_FILE} ${what}.`, {
    remedy: 'The bundle is damaged or was altered: get it again from whoever made it.',
  });

/**
 * What the envelope claims before any trust: the document and the key it names. The caller
 * decides whether to trust that key, then `openDocument` checks the signature with it.
 */
export function readClaims(envelopeBytes: Buffer): {
  envelope: DsseEnvelope;
  document: BundleDocument;
  publicKey: KeyObject;
} {
  let parsed: unknown;
  try {
    parsed = JSON.parse(envelopeBytes.toString('utf8'));
  } catch {
    throw tampered('is not JSON');
  }
  const envelope = asEnvelope(parsed);
  if (typeof envelope === 'string') throw tampered(`is not valid: ${envelope}`);
  if (envelope.payloadType !== BUNDLE_PAYLOAD_TYPE) {
    throw tampered(`has the payload type ${envelope.payloadType}, not ${BUNDLE_PAYLOAD_TYPE}`);
  }
  let document: BundleDocument;
  try {
    const checked = BundleDocument.safeParse(
      JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')),
    );
    if (!checked.success) {
      const issue = checked.error.issues[0];
      throw tampered(
        `describes the bundle wrongly at ${issue?.path.join('.') || 'the top'}: ${issue?.message ?? 'invalid'}`,
      );
    }
    document = checked.data;
  } catch (error) {
    if (error instanceof ConsignError) throw error;
    throw tampered('holds a payload that is not JSON');
  }
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey(document.key.publicKey);
  } catch {
    throw tampered('names a public key that is not a PEM public key');
  }
  if (fingerprintOf(publicKey) !== document.key.fingerprint) {
    throw tampered('names a public key whose fingerprint is not the one it states');
  }
  return { envelope, document, publicKey };
}

/** The signed payload's bytes when the envelope's signature holds with `publicKey`. */
export function openDocument(envelope: DsseEnvelope, publicKey: KeyObject): Buffer {
  const opened = openEnvelope(envelope, BUNDLE_PAYLOAD_TYPE, publicKey);
  if (typeof opened === 'string') {
    throw new ConsignError(
      'CHECK_FAILED',
      `The bundle's signature does not verify: ${ENVELOPE_FILE} was altered or signed by another key.`,
      { remedy: 'Do not deliver this bundle; get it again from whoever made it.' },
    );
  }
  return opened;
}
