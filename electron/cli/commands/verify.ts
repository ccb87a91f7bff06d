import { verifyImage } from '../../core/signing';
import type { Command } from '../command';
import {
  VERIFY_KEY_HELP,
  verificationText,
  verifyKeyFrom,
  verifyKeyOptions,
} from '../verification';

const USAGE = 'verify REF (--key ID | --public-key F)';

export const verifyCommand: Command = {
  name: 'verify',
  summary: "Verify an image's signatures with a key; exit 0 only if one covers its digest",
  usage: USAGE,
  help: [
    ...VERIFY_KEY_HELP,
    'Both formats are checked: the cosign `.sig` tag and Sigstore bundle referrers whose',
    'in-toto Statement (predicate https://sigstore.dev/cosign/sign/v1) names the digest.',
    'Exit 0 when a valid signature by that key covers the digest, 1 when none does.',
  ],
  options: verifyKeyOptions,
  positionals: { min: 1, max: 1 },
  async run({ engine, out }, { values, positionals }) {
    const key = verifyKeyFrom(values, USAGE);
    const result = await verifyImage(engine(), positionals[0]!, key);
    out.result(result, () =>
      verificationText(result, ['FORMAT', 'VALID', 'SIGNATURE', 'WHY NOT'], (s) => [
        s.format,
        s.valid ? 'yes' : 'no',
        s.ref ?? s.payloadDigest ?? '',
        s.reason ?? '',
      ]),
    );
    return result.verified ? 0 : 1;
  },
};
