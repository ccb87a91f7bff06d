import { ConsignError } from '../../core';
import { verifyImage, type VerifyKey } from '../../core/signing';
import type { Command } from '../command';
import { table } from '../output';

export const verifyCommand: Command = {
  name: 'verify',
  summary: "Verify an image's signatures with a key; exit 0 only if one covers its digest",
  usage: 'verify REF (--key ID | --public-key F)',
  help: [
    'REF               docker://HOST[:PORT]/REPO:TAG or @sha256:…',
    '--key ID          a key of this workspace (a revoked key never verifies)',
    '--public-key F    a PEM public key file, such as cosign.pub',
    'Both formats are checked: the cosign `.sig` tag and Sigstore bundle referrers whose',
    'in-toto Statement (predicate https://sigstore.dev/cosign/sign/v1) names the digest.',
    'Exit 0 when a valid signature by that key covers the digest, 1 when none does.',
  ],
  options: { key: { type: 'string' }, 'public-key': { type: 'string' } },
  positionals: { min: 1, max: 1 },
  async run({ engine, out }, { values, positionals }) {
    const keyId = typeof values.key === 'string' ? values.key.trim() : '';
    const file = typeof values['public-key'] === 'string' ? values['public-key'] : '';
    if ((keyId === '') === (file === '')) {
      throw new ConsignError('BAD_REQUEST', 'Give exactly one of --key ID or --public-key F.', {
        remedy: 'Usage: consign verify REF (--key ID | --public-key F)',
      });
    }
    const key: VerifyKey = keyId ? { keyId } : { publicKeyFile: file };
    const result = await verifyImage(engine(), positionals[0]!, key);
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
                ['FORMAT', 'VALID', 'SIGNATURE', 'WHY NOT'],
                result.signatures.map((s) => [
                  s.format,
                  s.valid ? 'yes' : 'no',
                  s.ref ?? s.payloadDigest ?? '',
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
