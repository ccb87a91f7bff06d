import { verifyAttestations } from '../../core/signing';
import type { Command } from '../command';
import {
  VERIFY_KEY_HELP,
  verificationText,
  verifyKeyFrom,
  verifyKeyOptions,
} from '../verification';

const USAGE = 'verify-attestation REF (--key ID | --public-key F) [--type URI]';

export const verifyAttestationCommand: Command = {
  name: 'verify-attestation',
  summary: "Verify an image's attestations with a key; exit 0 only if one holds",
  usage: USAGE,
  help: [
    ...VERIFY_KEY_HELP,
    '--type URI        only attestations of this predicate type',
    'Reads Sigstore bundle referrers (as `cosign attest --new-bundle-format` writes them).',
    'Exit 0 when an attestation by that key names the digest, 1 when none does.',
    '--json            {verified, digest, key, attestations:[{ref, predicateType, statement}],',
    '                   signatures, reason?}: the statements that verified',
  ],
  options: { ...verifyKeyOptions, type: { type: 'string' } },
  positionals: { min: 1, max: 1 },
  async run({ engine, out }, { values, positionals }) {
    const key = verifyKeyFrom(values, USAGE);
    const type =
      typeof values.type === 'string' && values.type.trim() ? values.type.trim() : undefined;
    const result = await verifyAttestations(engine(), positionals[0]!, key, type);
    out.result(result, () =>
      verificationText(result, ['PREDICATE TYPE', 'VALID', 'ATTESTATION', 'WHY NOT'], (s) => [
        s.predicateType ?? '',
        s.valid ? 'yes' : 'no',
        s.ref ?? '',
        s.reason ?? '',
      ]),
    );
    return result.verified ? 0 : 1;
  },
};
