import { ConsignError } from '../../core';
import { signImage } from '../../core/signing';
import type { Command } from '../command';
import { table } from '../output';

const FORMATS = ['legacy', 'bundle', 'both'];

export const signCommand: Command = {
  name: 'sign',
  summary: 'Sign a registry image by digest with a key from the keychain',
  usage: 'sign REF --key ID [--format legacy|bundle|both]',
  help: [
    'REF       docker://HOST[:PORT]/REPO:TAG or @sha256:…; a tag is resolved to its digest',
    '--key ID  the signing key (`consign keys list`); revoked keys never sign (exit 1)',
    '--format  legacy: the cosign `.sig` tag (read by cosign, policy-controller, Kyverno);',
    '          bundle and both (Sigstore bundle v0.3) are not available yet',
  ],
  options: { key: { type: 'string' }, format: { type: 'string' } },
  positionals: { min: 1, max: 1 },
  async run({ engine, out }, { values, positionals }) {
    const key = values.key;
    if (typeof key !== 'string' || key.trim() === '') {
      throw new ConsignError('BAD_REQUEST', '--key is required.', {
        remedy: 'Usage: consign sign REF --key ID (see `consign keys list`).',
      });
    }
    const format = typeof values.format === 'string' ? values.format : 'legacy';
    if (!FORMATS.includes(format)) {
      throw new ConsignError('BAD_REQUEST', `--format ${format} is not a signature format.`, {
        remedy: 'Use --format legacy.',
      });
    }
    if (format !== 'legacy') {
      throw new ConsignError(
        'BAD_REQUEST',
        `--format ${format}: Sigstore bundle signatures are not available yet.`,
        { remedy: 'Use --format legacy (the cosign `.sig` tag), the default for now.' },
      );
    }
    const result = await signImage(engine(), positionals[0]!, key.trim());
    out.result(
      { digest: result.digest, signatures: result.signatures },
      () =>
        `digest: ${result.digest}\n${table(
          ['FORMAT', 'SIGNATURE', 'STATUS'],
          result.signatures.map((s) => [
            s.format,
            s.ref,
            s.created ? 'signed' : 'already signed by this key',
          ]),
        )}`,
    );
    return 0;
  },
};
