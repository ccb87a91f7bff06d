// What `verify` and `verify-attestation` share: the key options and the report they print.
import { ConsignError } from '../core';
import type { VerifyKey } from '../core/signing';
import type { ParsedArgs } from './command';
import { table } from './output';

export const VERIFY_KEY_HELP = [
  'REF               docker://HOST[:PORT]/REPO:TAG or @sha256:…',
  '--key ID          a key of this workspace (a revoked key never verifies)',
  '--public-key F    a PEM public key file, such as cosign.pub',
];

export const verifyKeyOptions = {
  key: { type: 'string' },
  'public-key': { type: 'string' },
} as const;

/** The key to verify with: exactly one of --key ID or --public-key F. */
export function verifyKeyFrom(values: ParsedArgs['values'], usage: string): VerifyKey {
  const keyId = typeof values.key === 'string' ? values.key.trim() : '';
  const file = typeof values['public-key'] === 'string' ? values['public-key'] : '';
  if ((keyId === '') === (file === '')) {
    throw new ConsignError('BAD_REQUEST', 'Give exactly one of --key ID or --public-key F.', {
      remedy: `Usage: consign ${usage}`,
    });
  }
  return keyId ? { keyId } : { publicKeyFile: file };
}

interface Verification<S> {
  digest: string;
  key: { fingerprint: string; revoked?: boolean };
  verified: boolean;
  reason?: string;
  signatures: S[];
}

/** The verdict, then one row per signature found (`columns` names them, `row` fills them). */
export function verificationText<S>(
  result: Verification<S>,
  columns: string[],
  row: (signature: S) => string[],
): string {
  return [
    `digest:   ${result.digest}`,
    `key:      ${result.key.fingerprint}${result.key.revoked ? ' (revoked)' : ''}`,
    `verified: ${result.verified ? 'yes' : 'no'}`,
    ...(result.reason ? [`          ${result.reason}`] : []),
    ...(result.signatures.length ? ['', table(columns, result.signatures.map(row))] : []),
  ].join('\n');
}
