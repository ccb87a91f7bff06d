/**
 * How the inspector names and judges one signature found on an image. Pure, so the rules are
 * tested apart from the page.
 */
import type { ImageSignature } from '../../../shared/contract';

/** The in-toto predicate cosign puts in a plain signature's bundle; anything else attests. */
export const SIGN_PREDICATE = 'https://sigstore.dev/cosign/sign/v1';

export type SignatureKind = 'legacy' | 'bundle' | 'attestation';
export type SignatureStatus = 'valid' | 'revoked' | 'invalid';

export function signatureKind(signature: ImageSignature): SignatureKind {
  if (signature.format === 'legacy') return 'legacy';
  return signature.predicateType && signature.predicateType !== SIGN_PREDICATE
    ? 'attestation'
    : 'bundle';
}

/**
 * A revoked key's signature never counts, however sound its bytes, so revocation is named first;
 * otherwise the engine's verdict stands.
 */
export function signatureStatus(signature: ImageSignature): SignatureStatus {
  if (signature.keyState === 'revoked') return 'revoked';
  return signature.valid ? 'valid' : 'invalid';
}

/** The first 12 hex digits of a key fingerprint, as the Keys page shows it. */
export function shortFingerprint(fingerprint: string): string {
  return `${fingerprint.slice(0, 12)}…`;
}
