import { ConsignError } from '../../core';
import { toErrorInfo } from '../../core/errors';
import {
  attestScanResult,
  checkAttestable,
  evaluatePolicy,
  loadPolicy,
  scanImage,
  scanReportText,
  type PolicyEvaluation,
  type ScanAttestations,
  type ScanOptions,
  type ScanResult,
} from '../../core/scan';
import { TaskCancelledError } from '../../core/tasks';
import type { Digest } from '../../core/oci';
import type { Command } from '../command';
import { table, type Output } from '../output';
import { EXIT_INTERRUPTED } from '../engine-task';
import { progressReporter } from '../progress';

/**
 * Scans with Ctrl-C wired to a clean stop (nothing cached) and, on a terminal, a progress bar of
 * the compressed layer bytes read. A second Ctrl-C ends the process the usual way.
 */
async function scanInteractively(
  out: Output,
  scan: (options: Pick<ScanOptions, 'signal' | 'onProgress'>) => Promise<ScanResult>,
): Promise<ScanResult | undefined> {
  const controller = new AbortController();
  const interrupt = () => controller.abort(new TaskCancelledError('scan'));
  process.once('SIGINT', interrupt);
  const progress = out.json ? undefined : progressReporter(process.stderr);
  try {
    return await scan({
      signal: controller.signal,
      ...(progress
        ? {
            onProgress(event) {
              // Queued layers count too, so the bar's total is the image's from the start.
              if (event.kind !== 'layer') return;
              // The copy bar's shape: one "destination" (the scan), one item per layer.
              progress.update({
                destination: 'scan',
                digest: event.digest as Digest,
                state: event.state,
                done: event.done,
                total: event.size,
              });
            },
          }
        : {}),
    });
  } catch (error) {
    if (!(error instanceof TaskCancelledError)) throw error;
    const info = toErrorInfo(error);
    if (out.json) process.stdout.write(`${JSON.stringify({ error: info }, null, 2)}\n`);
    else out.note(`consign: ${info.message}`);
    return undefined;
  } finally {
    process.off('SIGINT', interrupt);
    progress?.finish();
  }
}

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

function attestationLines(attested: ScanAttestations): string[] {
  return [
    '',
    table(
      ['ATTESTATION', 'STATUS', 'WHERE'],
      attested.attestations.map((a) => [
        a.predicateType,
        a.created ? 'attested' : 'already attested by this key',
        a.ref,
      ]),
    ),
  ];
}

function tableOf(
  result: ScanResult,
  policy?: PolicyEvaluation,
  attested?: ScanAttestations,
): string {
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
    ...(result.skipped?.length
      ? [
          '',
          table(
            ['NOT READ', 'WHY'],
            result.skipped.map((f) => [f.path, f.reason]),
          ),
        ]
      : []),
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
    ...(attested ? attestationLines(attested) : []),
  ].join('\n');
}

export const scanCommand: Command = {
  name: 'scan',
  summary: 'Scan an image offline: packages, vulnerabilities, baseline, secrets, malware',
  usage:
    'scan REF [--format json|table|cyclonedx|sarif] [--policy FILE] [--fail-on SEVERITY] [--platform OS/ARCH] [--no-cache] [--attest --key ID]',
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
    '--attest        after scanning a registry image (docker://…), sign its CycloneDX SBOM',
    '                (https://cyclonedx.org/bom) and its vulnerability report',
    '                (https://cosign.sigstore.dev/attestation/vuln/v1) with --key and attach',
    '                both to the scanned digest as Sigstore bundle referrers, readable with',
    '                `cosign verify-attestation --new-bundle-format`. Attesting an unchanged',
    '                image again adds nothing. --json then has an `attestations` field.',
    '                Attesting comes first: --fail-on and --policy still set the exit code',
    '                afterwards, so a failing image is attested with its findings.',
    '--key ID        the signing key for --attest (`consign keys list`); revoked keys never',
    '                sign (exit 1)',
    'Vulnerabilities come from the OSV data imported with `consign vulndb import`; the scan',
    'runs without it (packages only) and says so.',
    'On a terminal, a progress bar on stderr shows the layer bytes read (never with --json).',
    'Ctrl-C stops the scan cleanly: nothing is cached, and the exit code is 130.',
  ],
  options: {
    format: { type: 'string' },
    policy: { type: 'string' },
    'fail-on': { type: 'string' },
    platform: { type: 'string' },
    'no-cache': { type: 'boolean' },
    attest: { type: 'boolean' },
    key: { type: 'string' },
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
    const attest = values.attest === true;
    const keyId = typeof values.key === 'string' ? values.key.trim() : '';
    if (attest !== (keyId !== '')) {
      throw new ConsignError(
        'BAD_REQUEST',
        attest ? '--attest needs --key.' : '--key is only used with --attest.',
        { remedy: 'Usage: consign scan REF --attest --key ID' },
      );
    }
    const ref = positionals[0]!;
    // Checked before scanning: a wrong reference, key or policy should not cost a scan to find out.
    if (attest) checkAttestable(engine(), ref, keyId);
    const policy = typeof values.policy === 'string' ? await loadPolicy(values.policy) : undefined;
    const result = await scanInteractively(out, (options) =>
      scanImage(engine(), ref, {
        ...(typeof values.platform === 'string' ? { platform: values.platform } : {}),
        ...(values['no-cache'] === true ? { cache: false } : {}),
        ...options,
      }),
    );
    if (!result) return EXIT_INTERRUPTED;
    const attested = attest ? await attestScanResult(engine(), ref, keyId, result) : undefined;
    const verdict = policy ? evaluatePolicy(result, policy, new Date()) : undefined;
    if (format === 'cyclonedx' || format === 'sarif') {
      // Each is one JSON document, so it is also what --json prints.
      const document = await scanReportText(result, format);
      process.stdout.write(`${document}\n`);
      if (result.database.warning) out.note(`warning: ${result.database.warning}`);
      if (verdict) out.note(verdictNote(verdict));
      if (attested) out.note(attestationLines(attested).join('\n').trim());
    } else {
      const report = {
        ...result,
        ...(verdict ? { policy: verdict } : {}),
        ...(attested ? { attestations: attested.attestations } : {}),
      };
      if (format === 'json' && !out.json) {
        process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        // The table says it itself; JSON readers on a terminal still deserve the warning.
        if (result.database.warning) out.note(`warning: ${result.database.warning}`);
      } else {
        out.result(report, () => tableOf(result, verdict, attested));
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
