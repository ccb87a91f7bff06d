import { ConsignError, exitCodeOf, toErrorInfo } from '../../core';
import {
  signImage,
  signImages,
  SIGN_CONCURRENCY,
  type SignatureFormat,
  type SignResult,
} from '../../core/signing';
import type { Command } from '../command';
import { table } from '../output';

const FORMATS: Record<string, SignatureFormat[]> = {
  legacy: ['legacy'],
  bundle: ['bundle'],
  both: ['legacy', 'bundle'],
};

function rows(ref: string | undefined, result: SignResult): string[][] {
  return result.signatures.map((s) => [
    ...(ref === undefined ? [] : [ref]),
    s.format,
    s.ref,
    s.created ? 'signed' : 'already signed by this key',
  ]);
}

export const signCommand: Command = {
  name: 'sign',
  summary: 'Sign registry images by digest with a key from the keychain',
  usage: 'sign REF [REF...] --key ID [--format legacy|bundle|both]',
  help: [
    'REF       docker://HOST[:PORT]/REPO:TAG or @sha256:…; a tag is resolved to its digest',
    '--key ID  the signing key (`consign keys list`); revoked keys never sign (exit 1)',
    '--format  both (default): both of the formats below',
    '          legacy: the cosign `.sig` tag (read by cosign, policy-controller, Kyverno)',
    '          bundle: a Sigstore bundle v0.3 (in-toto Statement, DSSE) as an OCI referrer',
    `Several REFs are signed ${SIGN_CONCURRENCY} at a time with one read of the key; one failing`,
    'does not stop the others, and the exit code is that of the first failure.',
    '--json    one REF: {digest, signatures:[{format, ref, created}]}',
    '          several: {images:[{ref, digest, signatures} or {ref, error:{code, message, remedy}}]}',
  ],
  options: { key: { type: 'string' }, format: { type: 'string' } },
  positionals: { min: 1, max: 1000 },
  async run({ engine, out }, { values, positionals }) {
    const key = values.key;
    if (typeof key !== 'string' || key.trim() === '') {
      throw new ConsignError('BAD_REQUEST', '--key is required.', {
        remedy: 'Usage: consign sign REF [REF...] --key ID (see `consign keys list`).',
      });
    }
    const format = typeof values.format === 'string' ? values.format : 'both';
    const formats = FORMATS[format];
    if (!formats) {
      throw new ConsignError('BAD_REQUEST', `--format ${format} is not a signature format.`, {
        remedy: 'Use --format legacy, bundle or both.',
      });
    }
    if (positionals.length === 1) {
      const result = await signImage(engine(), positionals[0]!, key.trim(), { formats });
      out.result(
        { digest: result.digest, signatures: result.signatures },
        () =>
          `digest: ${result.digest}\n${table(['FORMAT', 'SIGNATURE', 'STATUS'], rows(undefined, result))}`,
      );
      return 0;
    }
    const outcomes = await signImages(engine(), positionals, key.trim(), { formats });
    const failures = outcomes.filter((o) => 'error' in o);
    out.result(
      {
        images: outcomes.map((o) =>
          'error' in o
            ? { ref: o.ref, error: toErrorInfo(o.error) }
            : { ref: o.ref, digest: o.result.digest, signatures: o.result.signatures },
        ),
      },
      () =>
        [
          table(
            ['IMAGE', 'FORMAT', 'SIGNATURE', 'STATUS'],
            outcomes.flatMap((o) =>
              'error' in o
                ? [[o.ref, '', '', `failed: ${toErrorInfo(o.error).message}`]]
                : rows(o.ref, o.result),
            ),
          ),
          `${outcomes.length - failures.length} of ${outcomes.length} image(s) signed.`,
        ].join('\n'),
    );
    const first = failures[0];
    if (!first || !('error' in first)) return 0;
    return exitCodeOf(first.error instanceof ConsignError ? first.error.kind : 'internal');
  },
};
