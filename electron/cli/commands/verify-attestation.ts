import { ConsignError } from '../../core';
import { verifyAttestations, type VerifyKey } from '../../core/signing';
import type { Command } from '../command';
import { table } from '../output';

export const verifyAttestationCommand: Command = {
  name: 'verify-attestation',
  summary: "Verify an image's attestations with a key; exit 0 only if one holds",
  usage: 'verify-attestation REF (--key ID | --public-key F) [--type URI]',
  help: [
    'REF               docker://HOST[:PORT]/REPO:TAG or @sha256:…',
    '--key ID          a key of this workspace (a revoked key never verifies)',
    '--public-key F    a PEM public key file, such as cosign.pub',
    '--type URI        only attestations of this predicate type',
    'Reads Sigstore bundle referrers (as `cosign attest --new-bundle-format` writes them).',
    'Exit 0 when an attestation by that key names the digest, 1 when none does.',
    '--json            {verified, digest, key, attestations:[{ref, predicateType, statement}],',
    '                   signatures, reason?}: the statements that verified',
  ],
  options: { key: { type: 'string' }, 'public-key': { type: 'string' }, type: { type: 'string' } },
  positionals: { min: 1, max: 1 },
  async run({ engine, out }, { values, positionals }) {
    const keyId = typeof values.key === 'string' ? values.key.trim() : '';
    const file = typeof values['public-key'] === 'string' ? values['public-key'] : '';
    if ((keyId === '') === (file === '')) {
      throw new ConsignError('BAD_REQUEST', 'Give exactly one of --key ID or --public-key F.', {
        remedy: 'Usage: consign verify-attestation REF (--key ID | --public-key F) [--type URI]',
      });
    }
    const type =
      typeof values.type === 'string' && values.type.trim() ? values.type.trim() : undefined;
    const key: VerifyKey = keyId ? { keyId } : { publicKeyFile: file };
    const result = await verifyAttestations(engine(), positionals[0]!, key, type);
    out.result(result, () =>
      [
        `digest:   ${result.digest}`,
        `key:      ${result.key.fingerprint}${result.key.revoked ? ' (revoked)' : ''}`,
        `verified: ${result.verified ? 'yes' : 'no'}`,
        ...(result.reason ? [`          ${result.reason}`] : []),
        ...(result.signatures.length
          ? [
              '',
              table(
                ['PREDICATE TYPE', 'VALID', 'ATTESTATION', 'WHY NOT'],
                result.signatures.map((s) => [
                  s.predicateType ?? '',
                  s.valid ? 'yes' : 'no',
                  s.ref ?? '',
                  s.reason ?? '',
                ]),
              ),
            ]
          : []),
      ].join('\n'),
    );
    return result.verified ? 0 : 1;
  },
};
