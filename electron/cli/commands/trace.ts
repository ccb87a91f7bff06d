import { traceDeliveries } from '../../core/delivery';
import type { Command } from '../command';
import { table } from '../output';

const WHAT = { digest: 'Image', vulnerability: 'Vulnerability', package: 'Package' } as const;

/** `sha256:` and the first 12 hex digits, as `docker images` shortens ids. */
function shortDigest(digest: string): string {
  const [algorithm, hex] = digest.split(':');
  return `${algorithm}:${hex!.slice(0, 12)}`;
}

export const traceCommand: Command = {
  name: 'trace',
  summary: 'Which releases contained an image, a vulnerability or a package, and who received it',
  usage: 'trace (DIGEST | VULNERABILITY-ID | PURL)',
  help: [
    'DIGEST            sha256:<64 hex>, the 64 hex digits alone, or a reference by digest',
    '                  (docker://HOST/REPO@sha256:…)',
    'VULNERABILITY-ID  CVE-2024-3094, GHSA-…, DEBIAN-CVE-…: matched without case, aliases too',
    'PURL              a package URL; without a version it matches every version',
    '                  (pkg:deb/debian/openssl), qualifiers given must match (?arch=arm64)',
    'Answers from the scan results kept with each delivery; one line per customer and image',
    'received, newest first. Exit 0 even when nothing matches, 2 for a malformed query.',
  ],
  options: {},
  positionals: { min: 1, max: 1 },
  async run({ engine, out }, { positionals }) {
    const result = traceDeliveries(engine(), positionals[0]!);
    out.result(result, () => {
      const hits = result.deliveries;
      if (!hits.length) return `No delivery contained ${result.query}.`;
      const customers = new Set(hits.map((hit) => hit.customer)).size;
      const releases = new Set(hits.map((hit) => hit.release)).size;
      return [
        `${WHAT[result.kind]} ${result.query}: ${releases} ${releases === 1 ? 'release' : 'releases'}, ` +
          `received by ${customers} ${customers === 1 ? 'customer' : 'customers'}`,
        '',
        table(
          [
            'DELIVERED',
            'RELEASE',
            'CUSTOMER',
            'DIGEST',
            'KEY',
            'REF',
            ...(result.kind === 'digest' ? [] : ['MATCH']),
          ],
          hits.map((hit) => [
            hit.at,
            hit.release,
            hit.customer,
            shortDigest(hit.digest),
            hit.keyFingerprint.slice(0, 16),
            hit.ref,
            ...(result.kind === 'digest' ? [] : [hit.match.value]),
          ]),
        ),
      ].join('\n');
    });
    return 0;
  },
};
