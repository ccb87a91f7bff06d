/**
 * Sigstore bundles (v0.3) holding a DSSE-signed in-toto Statement, made and checked with
 * sigstore-js. Signing uses a keychain key through our own `Signer` and no witness (no
 * transparency log, no timestamp authority), so it works offline; checking trusts exactly the
 * public key it is given, as `cosign verify-attestation --key --insecure-ignore-tlog` does.
 * Pure: no registry access (see ./referrers for where bundles live).
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import {
  bundleFromJSON,
  bundleToJSON,
  BUNDLE_V03_MEDIA_TYPE,
  type Bundle,
  type BundleWithDsseEnvelope,
} from '@sigstore/bundle';
import { DSSEBundleBuilder, type Signer } from '@sigstore/sign';
import { toSignedEntity, Verifier, type TrustMaterial } from '@sigstore/verify';
import { fingerprintOf } from '../keys';
import { messageOf } from './image';
import { signPayload } from './simple-signing';
import { IN_TOTO_PAYLOAD_TYPE, parseStatement, type Statement } from './statement';

export { BUNDLE_V03_MEDIA_TYPE };

/** A bundle with a Statement is a few kilobytes; an SBOM attestation can be a few megabytes. */
export const MAX_BUNDLE_BYTES = 64 * 1024 * 1024;

/**
 * The key hint cosign writes in a bundle's verification material: base64 of the SHA-256 of the
 * public key's DER SubjectPublicKeyInfo (the same bytes as our hex fingerprint).
 */
export function keyHint(key: KeyObject): string {
  return Buffer.from(fingerprintOf(key), 'hex').toString('base64');
}

/** A sigstore-js `Signer` over a private key held in memory only for this signing. */
function keySigner(privateKey: KeyObject): Signer {
  const publicKey = createPublicKey(privateKey);
  const material = {
    $case: 'publicKey' as const,
    publicKey: publicKey.export({ type: 'spki', format: 'pem' }) as string,
    hint: keyHint(publicKey),
  };
  return {
    sign: (data) => Promise.resolve({ signature: signPayload(privateKey, data), key: material }),
  };
}

/** Signs a Statement as a DSSE envelope and returns the bundle's JSON bytes. */
export async function signStatement(privateKey: KeyObject, statement: Buffer): Promise<Buffer> {
  const builder = new DSSEBundleBuilder({ signer: keySigner(privateKey), witnesses: [] });
  const bundle = await builder.create({ data: statement, type: IN_TOTO_PAYLOAD_TYPE });
  // sigstore-js copies the hint into the DSSE signature's keyid; cosign (go-securesystemslib)
  // then skips the signature unless its own verifier has that key id, so leave it empty as cosign
  // does. The keyid is not signed (not part of the pre-authentication encoding).
  for (const signature of bundle.content.dsseEnvelope.signatures) signature.keyid = '';
  return Buffer.from(JSON.stringify(bundleToJSON(bundle)), 'utf8');
}

/** An opened bundle written back as the JSON document it was read from. */
export function bundleJson(opened: OpenedBundle): string {
  return JSON.stringify(bundleToJSON(opened.bundle));
}

/** A bundle read from its bytes, before any key is tried. */
export interface OpenedBundle {
  bundle: BundleWithDsseEnvelope;
  /** The key hint in the verification material ('' when absent). */
  hint: string;
  /** The signed Statement, or why the payload is not one. */
  statement: Statement | string;
}

/** Reads a bundle's bytes, or says (in words fit for a person) why they are not a DSSE bundle. */
export function openBundle(bytes: Buffer): OpenedBundle | string {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    return 'the bundle is not JSON';
  }
  let bundle: Bundle;
  try {
    bundle = bundleFromJSON(json);
  } catch (error) {
    const fields = (error as { fields?: unknown }).fields;
    return `the bundle is not a valid Sigstore bundle (${
      Array.isArray(fields) && fields.length ? `bad ${fields.join(', ')}` : messageOf(error)
    })`;
  }
  if (bundle.content.$case !== 'dsseEnvelope') {
    return 'the bundle signs a message, not an in-toto Statement (no DSSE envelope)';
  }
  const envelope = bundle.content.dsseEnvelope;
  const material = bundle.verificationMaterial.content;
  return {
    bundle: bundle as BundleWithDsseEnvelope,
    hint: material?.$case === 'publicKey' ? material.publicKey.hint : '',
    statement:
      envelope.payloadType === IN_TOTO_PAYLOAD_TYPE
        ? parseStatement(envelope.payload)
        : `the envelope's payload type is ${envelope.payloadType || 'empty'}, not ${IN_TOTO_PAYLOAD_TYPE}`,
  };
}

/**
 * Checks the envelope's signature with `key` through sigstore-js. Any hint resolves to this key:
 * the hint only helps pick a key, the signature decides. Transparency-log entries and timestamps
 * are not required and not consulted (offline, key-based trust). Returns null when the signature
 * holds, else why not.
 */
export function checkSignature(opened: OpenedBundle, key: KeyObject): string | null {
  if (opened.bundle.verificationMaterial.content?.$case !== 'publicKey') {
    return 'the bundle is signed with a certificate (keyless), not with a key';
  }
  const trust: TrustMaterial = {
    certificateAuthorities: [],
    timestampAuthorities: [],
    tlogs: [],
    ctlogs: [],
    publicKey: () => ({ publicKey: key, validFor: () => true }),
  };
  const entity = { ...toSignedEntity(opened.bundle), tlogEntries: [], timestamps: [] };
  try {
    new Verifier(trust, { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 }).verify(
      entity,
    );
    return null;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return code === 'SIGNATURE_ERROR'
      ? 'the signature does not verify with this key: it was made by another key or the payload was altered'
      : `the bundle does not verify: ${messageOf(error)}`;
  }
}
