import { describe, expect, it } from 'vitest';
import { channels } from '../../shared/contract';

const ref = 'docker://registry.example.com/team/app:1.0';

describe('signing channels', () => {
  const sign = channels['images.sign'].request;

  it('takes a reference, a key id and one or both formats', () => {
    expect(sign.safeParse({ ref, keyId: 'k1', formats: ['legacy'] }).success).toBe(true);
    expect(sign.safeParse({ ref, keyId: 'k1', formats: ['legacy', 'bundle'] }).success).toBe(true);
  });

  it('refuses no format, a format twice, an unknown format and unknown fields', () => {
    for (const request of [
      { ref, keyId: 'k1', formats: [] },
      { ref, keyId: 'k1', formats: ['bundle', 'bundle'] },
      { ref, keyId: 'k1', formats: ['gpg'] },
      { ref, keyId: 'k1' },
      { ref, keyId: '', formats: ['legacy'] },
      { ref: '', keyId: 'k1', formats: ['legacy'] },
      { ref, keyId: 'k1', formats: ['legacy'], privateKey: 'x' },
    ]) {
      expect(sign.safeParse(request).success, JSON.stringify(request)).toBe(false);
    }
  });

  it('lets no key material out in a signature listing', () => {
    const listing = channels['images.signatures'].response;
    const signature = {
      format: 'bundle',
      ref: `${ref}@sha256:${'c'.repeat(64)}`,
      keyFingerprint: 'a'.repeat(64),
      keyName: 'release',
      keyState: 'active',
      valid: true,
      predicateType: 'https://sigstore.dev/cosign/sign/v1',
    };
    const digest = `sha256:${'b'.repeat(64)}`;
    expect(listing.safeParse({ digest, signatures: [signature] }).success).toBe(true);
    expect(
      listing.safeParse({
        digest,
        signatures: [{ ...signature, privateKey: '-----BEGIN PRIVATE KEY-----' }],
      }).success,
    ).toBe(false);
  });

  it('verifies with a workspace key id only', () => {
    const verify = channels['images.verify'].request;
    expect(verify.safeParse({ ref, keyId: 'k1' }).success).toBe(true);
    expect(verify.safeParse({ ref, publicKeyFile: '/etc/passwd' }).success).toBe(false);
  });
});
