/**
 * DSSE envelopes (the in-toto signing envelope) for the audit log's own statements. Written here
 * rather than borrowed from the signing module: the audit log sits below every other module.
 */
import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

export interface DsseSignature {
  keyid: string;
  sig: string;
}

export interface DsseEnvelope {
  payload: string;
  payloadType: string;
  signatures: DsseSignature[];
}

/** PAE(type, body) = "DSSEv1" SP len(type) SP type SP len(body) SP body, lengths in bytes. */
export function pae(payloadType: string, payload: Buffer): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([
    Buffer.from(`DSSEv1 ${type.length} `, 'utf8'),
    type,
    Buffer.from(` ${payload.length} `, 'utf8'),
    payload,
  ]);
}

/** SHA-256 of the DER SubjectPublicKeyInfo, lower-case hex (the same fingerprint as signing keys). */
export function publicKeyFingerprint(key: KeyObject): string {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex');
}

/** ECDSA P-256 / SHA-256, DER signature, as `openssl dgst -sha256 -verify` checks it. */
export function signEnvelope(
  payloadType: string,
  payload: Buffer,
  privateKey: KeyObject,
  keyid: string,
): DsseEnvelope {
  const sig = sign('sha256', pae(payloadType, payload), privateKey);
  return {
    payload: payload.toString('base64'),
    payloadType,
    signatures: [{ keyid, sig: sig.toString('base64') }],
  };
}

/** Shape check for an envelope read from the database or a file; a reason when it is not one. */
export function asEnvelope(value: unknown): DsseEnvelope | string {
  const v = value as Partial<DsseEnvelope> | null;
  if (
    !v ||
    typeof v !== 'object' ||
    typeof v.payload !== 'string' ||
    typeof v.payloadType !== 'string' ||
    !Array.isArray(v.signatures) ||
    v.signatures.length !== 1 ||
    typeof v.signatures[0]?.sig !== 'string' ||
    typeof v.signatures[0]?.keyid !== 'string'
  ) {
    return 'it is not a DSSE envelope with one signature';
  }
  return v as DsseEnvelope;
}

/**
 * The envelope's payload when its type is `payloadType` and its one signature verifies with
 * `publicKey`; otherwise a reason.
 */
export function openEnvelope(
  envelope: DsseEnvelope,
  payloadType: string,
  publicKey: KeyObject,
): Buffer | string {
  if (envelope.payloadType !== payloadType) {
    return `its payload type is ${envelope.payloadType}, not ${payloadType}`;
  }
  const payload = Buffer.from(envelope.payload, 'base64');
  const signature = Buffer.from(envelope.signatures[0]!.sig, 'base64');
  let valid: boolean;
  try {
    valid = verify('sha256', pae(payloadType, payload), publicKey, signature);
  } catch {
    // A signature that is not even DER, or a key of another type: simply not valid.
    valid = false;
  }
  return valid ? payload : 'its signature does not verify with the audit key';
}
