import { ConsignError } from '../../core';
import { scanImage, type ScanResult } from '../../core/scan';
import type { Command } from '../command';
import { table } from '../output';

const FORMATS = ['json', 'table'];
const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'] as const;
type FailOn = (typeof SEVERITIES)[number];

function tableOf(result: ScanResult): string {
  const { image, summary } = result;
  const counts = SEVERITIES.map((s) => `${summary.vulnerabilities[s]} ${s.toLowerCase()}`).join(
    ', ',
  );
  return [
    `image:    ${image.ref}`,
    `digest:   ${image.digest}${image.manifest !== image.digest ? ` (manifest ${image.manifest})` : ''}`,
    `os:       ${image.os?.prettyName ?? image.os?.id ?? 'not detected'}`,
    `packages: ${summary.packages}`,
    `vulnerabilities: ${summary.vulnerabilities.total} (${counts})`,
    `malware: ${result.malware.length}, secrets: ${result.secrets.length}, baseline findings: ${result.baseline.length}`,
    ...(result.database.warning ? [`warning:  ${result.database.warning}`] : []),
    ...(result.malware.length
      ? [
          '',
          table(
            ['MALWARE', 'PATH', 'SHA-256'],
            result.malware.map((m) => [m.title, m.path, m.sha256]),
          ),
        ]
      : []),
    ...(result.secrets.length
      ? [
          '',
          table(
            ['SECRET', 'PATH', 'LINE'],
            result.secrets.map((f) => [f.title, f.path, String(f.line)]),
          ),
        ]
      : []),
    ...(result.baseline.length
      ? [
          '',
          table(
            ['SEVERITY', 'CHECK', 'BASELINE FINDING'],
            result.baseline.map((b) => [b.severity, b.id, b.title]),
          ),
        ]
      : []),
    ...(result.vulnerabilities.length
      ? [
          '',
          table(
            ['SEVERITY', 'ID', 'PACKAGE', 'INSTALLED', 'FIXED IN'],
            result.vulnerabilities.map((v) => [
              v.severity,
              v.id,
              v.package,
              v.installedVersion,
              v.fixedVersion ?? '(no fix)',
            ]),
          ),
        ]
      : []),
  ].join('\n');
}

export const scanCommand: Command = {
  name: 'scan',
  summary: 'Scan an image offline: packages, vulnerabilities, baseline, secrets, malware',
  usage: 'scan REF [--format json|table] [--fail-on SEVERITY] [--platform OS/ARCH]',
  help: [
    'REF             docker://…, docker-daemon:NAME:TAG, oci:DIR[:TAG] or docker-archive:FILE',
    '--format        table (default on a terminal) or json (the same as --json)',
    '--fail-on SEV   exit 1 when a vulnerability of this severity or above is found:',
    '                critical, high, medium or low',
    '--platform      which image of a multi-platform index (default: this machine’s)',
    'Vulnerabilities come from the OSV data imported with `consign vulndb import`; the scan',
    'runs without it (packages only) and says so.',
  ],
  options: {
    format: { type: 'string' },
    'fail-on': { type: 'string' },
    platform: { type: 'string' },
  },
  positionals: { min: 1, max: 1 },
  async run({ engine, out }, { values, positionals }) {
    const format = typeof values.format === 'string' ? values.format.toLowerCase() : undefined;
    if (format !== undefined && !FORMATS.includes(format)) {
      throw new ConsignError('BAD_REQUEST', `--format ${format} is not a scan format.`, {
        remedy: 'Use --format json or --format table.',
      });
    }
    let failOn: FailOn | undefined;
    if (typeof values['fail-on'] === 'string') {
      const wanted = values['fail-on'].toUpperCase();
      if (!(SEVERITIES as readonly string[]).includes(wanted)) {
        throw new ConsignError('BAD_REQUEST', `--fail-on ${values['fail-on']} is not a severity.`, {
          remedy: 'Use critical, high, medium or low.',
        });
      }
      failOn = wanted as FailOn;
    }
    const result = await scanImage(engine(), positionals[0]!, {
      ...(typeof values.platform === 'string' ? { platform: values.platform } : {}),
    });
    if (format === 'json' && !out.json) {
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      // The table says it itself; JSON readers on a terminal still deserve the warning.
      if (result.database.warning) out.note(`warning: ${result.database.warning}`);
    } else {
      out.result(result, () => tableOf(result));
    }
    if (failOn) {
      const threshold = SEVERITIES.indexOf(failOn);
      const blocking = result.vulnerabilities.filter((v) => {
        const at = (SEVERITIES as readonly string[]).indexOf(v.severity);
        return at !== -1 && at <= threshold;
      });
      if (blocking.length) {
        out.note(`${blocking.length} vulnerabilities at ${failOn.toLowerCase()} or above.`);
        return 1;
      }
    }
    return 0;
  },
};
