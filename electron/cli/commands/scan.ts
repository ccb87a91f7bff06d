import { ConsignError } from '../../core';
import {
  evaluatePolicy,
  loadPolicy,
  scanImage,
  scanReportText,
  type PolicyEvaluation,
  type ScanResult,
} from '../../core/scan';
import type { Command } from '../command';
import { table } from '../output';

const FORMATS = ['json', 'table', 'cyclonedx', 'sarif'];
const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'] as const;
type FailOn = (typeof SEVERITIES)[number];

function policyLines(policy: PolicyEvaluation): string[] {
  const where = (r: { package?: string; path?: string }) => r.package ?? r.path ?? '';
  return [
    '',
    `policy:   ${policy.verdict === 'pass' ? 'PASS' : `BLOCK (${policy.reasons.length} ${policy.reasons.length === 1 ? 'finding' : 'findings'})`}`,
    ...(policy.reasons.length
      ? [
          table(
            ['BLOCKED BY', 'WHERE', 'WHY'],
            policy.reasons.map((r) => [r.id, where(r), r.why]),
          ),
        ]
      : []),
    ...(policy.warnings.length
      ? [
          table(
            ['WARNING', 'WHERE', 'WHY'],
            policy.warnings.map((r) => [r.id, where(r), r.why]),
          ),
        ]
      : []),
    ...(policy.allowed.length
      ? [
          table(
            ['ALLOWED', 'WHERE', 'UNTIL', 'JUSTIFICATION'],
            policy.allowed.map((a) => [a.id, where(a), a.expires, a.justification]),
          ),
        ]
      : []),
    ...policy.expiredAllowances.map(
      (a) =>
        `expired allowance: ${a.id}${a.package ? ` (${a.package})` : ''}${a.path ? ` (${a.path})` : ''}, ended ${a.expires}`,
    ),
  ];
}

/** One line for stderr when the report itself (SBOM, SARIF) has no place for the verdict. */
function verdictNote(policy: PolicyEvaluation): string {
  if (policy.verdict === 'pass') {
    return `policy: pass${policy.allowed.length ? ` (${policy.allowed.length} allowed)` : ''}`;
  }
  return [
    `policy: BLOCK (${policy.reasons.length})`,
    ...policy.reasons.map((r) => `  ${r.id}: ${r.why}`),
  ].join('\n');
}

function tableOf(result: ScanResult, policy?: PolicyEvaluation): string {
  const { image, summary } = result;
  const counts = SEVERITIES.map((s) => `${summary.vulnerabilities[s]} ${s.toLowerCase()}`).join(
    ', ',
  );
  return [
    `image:    ${image.ref}`,
    `digest:   ${image.digest}${image.manifest !== image.digest ? ` (manifest ${image.manifest})` : ''}`,
    `os:       ${image.os?.prettyName ?? image.os?.id ?? 'not detected'}`,
    ...(result.cached ? [`cached:   layers read ${result.scannedAt}`] : []),
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
    ...(policy ? policyLines(policy) : []),
  ].join('\n');
}

export const scanCommand: Command = {
  name: 'scan',
  summary: 'Scan an image offline: packages, vulnerabilities, baseline, secrets, malware',
  usage:
    'scan REF [--format json|table|cyclonedx|sarif] [--policy FILE] [--fail-on SEVERITY] [--platform OS/ARCH] [--no-cache]',
  help: [
    'REF             docker://…, docker-daemon:NAME:TAG, oci:DIR[:TAG] or docker-archive:FILE',
    '--format        table (default on a terminal), json (the same as --json),',
    '                cyclonedx (a CycloneDX 1.6 JSON SBOM with the vulnerabilities) or',
    '                sarif (SARIF 2.1.0, for code-scanning services)',
    '--policy FILE   check the findings against a policy (JSON, or YAML as .yaml/.yml) and',
    '                exit 1 when it blocks; table and json show the verdict, and with',
    '                cyclonedx or sarif it goes to stderr. A policy file:',
    '                  { "block": { "severity": "HIGH", "onlyWithFix": false },',
    '                    "baseline": { "enforce": ["CONSIGN-BASE-002"] },',
    '                    "secrets": "block", "malware": "block",',
    '                    "allow": [{ "id": "CVE-…", "justification": "…",',
    '                                "expires": "YYYY-MM-DD", "package": "…" }] }',
    '                block: vulnerabilities at or above a severity (with a fix only, if',
    '                onlyWithFix); baseline.enforce: checks that block; secrets, malware:',
    '                block (default) or warn; allow: exceptions by vulnerability id or alias,',
    '                check id, secret/RULE or malware/RULE (narrowed by package or path),',
    '                in force through their expires day (UTC), then reported as expired',
    '--fail-on SEV   exit 1 when a vulnerability of this severity or above is found:',
    '                critical, high, medium or low',
    '--platform      which image of a multi-platform index (default: this machine’s)',
    '--no-cache      read every layer again, even for an image scanned before (results are',
    '                cached by what pins the layers; vulnerabilities are always matched',
    '                against the current database)',
    'Vulnerabilities come from the OSV data imported with `consign vulndb import`; the scan',
    'runs without it (packages only) and says so.',
  ],
  options: {
    format: { type: 'string' },
    policy: { type: 'string' },
    'fail-on': { type: 'string' },
    platform: { type: 'string' },
    'no-cache': { type: 'boolean' },
  },
  positionals: { min: 1, max: 1 },
  async run({ engine, out }, { values, positionals }) {
    const format = typeof values.format === 'string' ? values.format.toLowerCase() : undefined;
    if (format !== undefined && !FORMATS.includes(format)) {
      throw new ConsignError('BAD_REQUEST', `--format ${format} is not a scan format.`, {
        remedy: 'Use --format json, table, cyclonedx or sarif.',
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
    // Read before scanning: a broken policy should not cost a scan to find out.
    const policy = typeof values.policy === 'string' ? await loadPolicy(values.policy) : undefined;
    const result = await scanImage(engine(), positionals[0]!, {
      ...(typeof values.platform === 'string' ? { platform: values.platform } : {}),
      ...(values['no-cache'] === true ? { cache: false } : {}),
    });
    const verdict = policy ? evaluatePolicy(result, policy, new Date()) : undefined;
    if (format === 'cyclonedx' || format === 'sarif') {
      // Each is one JSON document, so it is also what --json prints.
      const document = await scanReportText(result, format);
      process.stdout.write(`${document}\n`);
      if (result.database.warning) out.note(`warning: ${result.database.warning}`);
      if (verdict) out.note(verdictNote(verdict));
    } else {
      const report = verdict ? { ...result, policy: verdict } : result;
      if (format === 'json' && !out.json) {
        process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        // The table says it itself; JSON readers on a terminal still deserve the warning.
        if (result.database.warning) out.note(`warning: ${result.database.warning}`);
      } else {
        out.result(report, () => tableOf(result, verdict));
      }
    }
    let code = 0;
    if (verdict?.verdict === 'block') {
      out.note(
        `The policy blocks this image (${verdict.reasons.length} ${verdict.reasons.length === 1 ? 'finding' : 'findings'}).`,
      );
      code = 1;
    }
    if (failOn) {
      const threshold = SEVERITIES.indexOf(failOn);
      const blocking = result.vulnerabilities.filter((v) => {
        const at = (SEVERITIES as readonly string[]).indexOf(v.severity);
        return at !== -1 && at <= threshold;
      });
      if (blocking.length) {
        out.note(`${blocking.length} vulnerabilities at ${failOn.toLowerCase()} or above.`);
        code = 1;
      }
    }
    return code;
  },
};
