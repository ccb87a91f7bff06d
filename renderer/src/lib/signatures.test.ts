import { describe, expect, it } from 'vitest';
import type { ImageSignature } from '../../../shared/contract';
import { SIGN_PREDICATE, shortFingerprint, signatureKind, signatureStatus } from './signatures';

const base: ImageSignature = { format: 'legacy', ref: 'docker://r.example/app:x.sig', valid: true };

describe('signature kind and status', () => {
  it('names the format, and a bundle of another predicate as an attestation', () => {
    expect(signatureKind(base)).toBe('legacy');
    expect(signatureKind({ ...base, format: 'bundle' })).toBe('bundle');
    expect(signatureKind({ ...base, format: 'bundle', predicateType: SIGN_PREDICATE })).toBe(
      'bundle',
    );
    expect(
      signatureKind({ ...base, format: 'bundle', predicateType: 'https://cyclonedx.org/bom' }),
    ).toBe('attestation');
  });

  it('puts revocation before the verdict of the bytes', () => {
    expect(signatureStatus(base)).toBe('valid');
    expect(signatureStatus({ ...base, valid: false, reason: 'altered' })).toBe('invalid');
    expect(signatureStatus({ ...base, keyState: 'revoked' })).toBe('revoked');
    expect(signatureStatus({ ...base, valid: false, keyState: 'revoked' })).toBe('revoked');
  });

  it('shortens a fingerprint as the Keys page does', () => {
    expect(shortFingerprint('0123456789abcdef'.repeat(4))).toBe('0123456789ab…');
  });
});
