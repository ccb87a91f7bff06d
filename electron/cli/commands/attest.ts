import { ConsignError } from '../../core';
import { readSmallTextFile } from '../../core/files';
import { attestImage } from '../../core/signing';
import type { Command } from '../command';

/** Predicates are JSON documents held whole to be signed; an SBOM is at most tens of megabytes. */
const MAX_PREDICATE_BYTES = 64 * 1024 * 1024;

async function readPredicate(file: string): Promise<unknown> {
  const { path, text } = await readSmallTextFile(
    file,
    'The predicate file',
    MAX_PREDICATE_BYTES,
    'Give a smaller predicate document.',
  );
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new ConsignError('BAD_INPUT', `The predicate file ${path} is not JSON.`, {
      remedy: 'Give the predicate as one JSON object.',
      cause,
    });
  }
}

export const attestCommand: Command = {
  name: 'attest',
  summary: 'Attest to a registry image with a signed in-toto Statement (Sigstore bundle)',
  usage: 'attest REF --key ID --type URI --predicate FILE.json',
  help: [
    'REF               docker://HOST[:PORT]/REPO:TAG or @sha256:…; a tag is resolved to its digest',
    '--key ID          the signing key (`consign keys list`); revoked keys never sign (exit 1)',
    '--type URI        the predicate type, e.g. https://cyclonedx.org/bom or',
    '                  https://cosign.sigstore.dev/attestation/vuln/v1',
    '--predicate FILE  the predicate: one JSON object',
    'The Statement is signed as DSSE in a Sigstore bundle v0.3 and pushed as an OCI referrer of',
    'the image; `cosign verify-attestation --new-bundle-format --key` reads it. An equal',
    'attestation by the same key is not added twice.',
    '--json            {digest, ref, created}',
  ],
  options: { key: { type: 'string' }, type: { type: 'string' }, predicate: { type: 'string' } },
  positionals: { min: 1, max: 1 },
  async run({ engine, out }, { values, positionals }) {
    const key = typeof values.key === 'string' ? values.key.trim() : '';
    const type = typeof values.type === 'string' ? values.type.trim() : '';
    const file = typeof values.predicate === 'string' ? values.predicate : '';
    if (!key || !type || !file) {
      throw new ConsignError('BAD_REQUEST', '--key, --type and --predicate are required.', {
        remedy: 'Usage: consign attest REF --key ID --type URI --predicate FILE.json',
      });
    }
    const predicate = await readPredicate(file);
    const result = await attestImage(engine(), positionals[0]!, key, {
      predicateType: type,
      predicate,
    });
    const { digest, ref, created } = result;
    out.result({ digest, ref, created }, () =>
      [
        `digest:      ${result.digest}`,
        `attestation: ${result.ref}`,
        `status:      ${result.created ? 'attested' : 'already attested by this key'}`,
      ].join('\n'),
    );
    return 0;
  },
};
