/**
 * A scan as SARIF 2.1.0 (one run), the format code-scanning services read: a rule per
 * vulnerability id, baseline check, secret rule and malware rule, and a result per finding
 * located at the file inside the image it concerns. Findings about the image configuration
 * (user, environment, ports) have no file: they are located at the image itself.
 */
import { createHash } from 'node:crypto';
import type { Location, Log, ReportingDescriptor, Result } from 'sarif';
import { APP_VERSION } from '../../version';
import type { BaselineFinding } from '../baseline';
import type { ScanResult, Vulnerability } from '../scan';
import { baselinePaths, malwareRuleId, secretRuleId } from './finding-ids';
import { imageIdentity } from './image-identity';
import { vulnerabilitySource } from './sources';

type Severity = Vulnerability['severity'];

/** The base every in-image path is relative to. */
export const IMAGE_ROOT = 'IMAGEROOT';
/** The partial fingerprint's name (versioned: a new recipe gets a new name). */
export const FINGERPRINT = 'consignFinding/v1';

/**
 * GitHub code scanning's `security-severity` (a number from 0.0 to 10.0, written as a string):
 * the CVSS score where there is one, else the middle of the severity's band.
 */
const BAND_SCORE: Partial<Record<Severity, number>> = {
  CRITICAL: 9.5,
  HIGH: 8.0,
  MEDIUM: 5.5,
  LOW: 2.0,
  NONE: 0.0,
};
const SECRET_SEVERITY: Severity = 'HIGH';
const MALWARE_SEVERITY: Severity = 'CRITICAL';

function level(severity: Severity): Result.level {
  if (severity === 'CRITICAL' || severity === 'HIGH') return 'error';
  if (severity === 'MEDIUM' || severity === 'UNKNOWN') return 'warning';
  return 'note';
}

function securitySeverity(severity: Severity, score?: number): string | undefined {
  const value = score ?? BAND_SCORE[severity];
  return value === undefined ? undefined : value.toFixed(1);
}

/** Stable across scans of any build of the image: what, in which package or file, not when. */
function fingerprint(...parts: string[]): Record<string, string> {
  return { [FINGERPRINT]: createHash('sha256').update(parts.join('\0')).digest('hex') };
}

/** A path inside the image (`/etc/x` or `etc/x`) as a URI relative to the image root. */
function inImage(path: string, line?: number): Location {
  const uri = path
    .replace(/^\/+/, '')
    .split('/')
    .map((segment) => encodeURIComponent(segment))
    .join('/');
  return {
    physicalLocation: {
      artifactLocation: { uri, uriBaseId: IMAGE_ROOT },
      ...(line ? { region: { startLine: line } } : {}),
    },
  };
}

interface RuleDraft {
  rule: ReportingDescriptor;
  severity: Severity;
  score?: number;
}

export interface SarifOptions {
  /** When the scan ended (default: now). */
  now?: Date;
}

export function toSarif(result: ScanResult, options: SarifOptions = {}): Log {
  const identity = imageIdentity(result.image);
  const imageName = `${identity.name}${identity.tag ? `:${identity.tag}` : ''}`;
  const imageLocation: Location = {
    physicalLocation: { artifactLocation: { uri: encodeURI(imageName) } },
    logicalLocations: [
      {
        kind: 'resource',
        name: imageName,
        fullyQualifiedName: `${identity.name}@${result.image.digest}`,
      },
    ],
  };
  const rules = new Map<string, RuleDraft>();
  const results: Result[] = [];
  const addRule = (draft: RuleDraft) => {
    const known = rules.get(draft.rule.id);
    if (!known) rules.set(draft.rule.id, draft);
    else if ((draft.score ?? -1) > (known.score ?? -1)) known.score = draft.score;
  };

  const pathsOf = new Map<string, string[]>();
  for (const p of result.packages) {
    if (!p.path) continue;
    const paths = pathsOf.get(p.purl);
    if (paths) paths.push(p.path);
    else pathsOf.set(p.purl, [p.path]);
  }
  const byId = new Map<string, Vulnerability[]>();
  for (const v of result.vulnerabilities) {
    const hits = byId.get(v.id);
    if (hits) hits.push(v);
    else byId.set(v.id, [v]);
  }
  for (const [id, hits] of [...byId].sort(([x], [y]) => x.localeCompare(y))) {
    addRule(vulnerabilityRule(id, hits));
    for (const v of hits) {
      const paths = pathsOf.get(v.purl) ?? [];
      const rating = `${v.severity}${v.score !== undefined ? `, CVSS ${v.score}` : ''}`;
      const fix = v.fixedVersion ? `fixed in ${v.fixedVersion}` : 'no fixed version is known';
      results.push({
        ruleId: v.id,
        level: level(v.severity),
        message: {
          text: `${v.package} ${v.installedVersion} is affected by ${v.id} (${rating}); ${fix}.${v.summary ? ` ${v.summary}` : ''}`,
        },
        locations: paths.length ? paths.map((path) => inImage(path)) : [imageLocation],
        // The package without its version: upgrading it keeps the alert the same one.
        partialFingerprints: fingerprint('vulnerability', v.id, v.purl.split('@')[0]!),
        properties: {
          package: v.package,
          purl: v.purl,
          installedVersion: v.installedVersion,
          ...(v.fixedVersion ? { fixedVersion: v.fixedVersion } : {}),
          severity: v.severity,
        },
      });
    }
  }

  for (const b of result.baseline) {
    addRule({ rule: baselineRule(b), severity: b.severity });
    const paths = baselinePaths(b.details);
    results.push({
      ruleId: b.id,
      level: level(b.severity),
      message: { text: `${b.title}${b.details.length ? `: ${b.details.join(', ')}` : ''}.` },
      locations: paths.length ? paths.map((path) => inImage(path)) : [imageLocation],
      partialFingerprints: fingerprint('baseline', b.id),
      properties: { severity: b.severity },
    });
  }

  for (const s of result.secrets) {
    const id = secretRuleId(s.rule);
    addRule({
      rule: {
        id,
        name: 'Secret',
        shortDescription: { text: `${s.title} in a file` },
        fullDescription: {
          text: `A ${s.title.toLowerCase()} is stored in a file of the image, where anyone who pulls the image can read it.`,
        },
        help: {
          text: 'Remove the file from the image (from every layer: rebuild without it) and rotate the secret. Pass secrets at run time instead.',
        },
      },
      severity: SECRET_SEVERITY,
    });
    results.push({
      ruleId: id,
      level: level(SECRET_SEVERITY),
      // The secret itself is never repeated: only what kind it is and where.
      message: { text: `${s.title} in ${s.path}, line ${s.line}.` },
      locations: [inImage(s.path, s.line)],
      partialFingerprints: fingerprint('secret', s.rule, s.path),
      properties: { severity: SECRET_SEVERITY },
    });
  }

  for (const m of result.malware) {
    const id = malwareRuleId(m.rule);
    addRule({
      rule: {
        id,
        name: 'Malware',
        shortDescription: { text: m.title },
        fullDescription: { text: `${m.title}: a known-malicious file or content.` },
        help: {
          text: 'Remove the file, find how it got into the image (base image, dependency, build step) and rebuild from trusted sources.',
        },
      },
      severity: MALWARE_SEVERITY,
    });
    results.push({
      ruleId: id,
      level: level(MALWARE_SEVERITY),
      message: { text: `${m.title}: ${m.path} (SHA-256 ${m.sha256}).` },
      locations: [inImage(m.path)],
      partialFingerprints: fingerprint('malware', m.rule, m.path),
      properties: { severity: MALWARE_SEVERITY, sha256: m.sha256 },
    });
  }

  const ruleList = [...rules.values()].map(({ rule, severity, score }) => {
    const security = securitySeverity(severity, score);
    return {
      ...rule,
      defaultConfiguration: { level: level(severity) },
      properties: {
        tags: ['security', rule.name!.toLowerCase()],
        ...(security !== undefined ? { 'security-severity': security } : {}),
      },
    } satisfies ReportingDescriptor;
  });
  const ruleIndex = new Map(ruleList.map((rule, i) => [rule.id, i]));
  for (const r of results) r.ruleIndex = ruleIndex.get(r.ruleId!)!;

  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'Consign',
            version: APP_VERSION,
            semanticVersion: APP_VERSION,
            rules: ruleList,
          },
        },
        // One category per image, so reports of several images do not replace each other.
        automationDetails: { id: `consign/image/${identity.name}/` },
        invocations: [
          {
            executionSuccessful: true,
            endTimeUtc: (options.now ?? new Date()).toISOString(),
          },
        ],
        originalUriBaseIds: {
          [IMAGE_ROOT]: {
            uri: 'file:///',
            description: { text: "The root of the image's file system." },
          },
        },
        results,
        properties: {
          image: {
            name: identity.name,
            ...(identity.tag ? { tag: identity.tag } : {}),
            digest: result.image.digest,
            manifest: result.image.manifest,
            purl: identity.purl,
          },
        },
      },
    ],
  };
}

function vulnerabilityRule(id: string, hits: Vulnerability[]): RuleDraft {
  const first = hits[0]!;
  const worst = hits.reduce((a, b) => ((b.score ?? -1) > (a.score ?? -1) ? b : a), first);
  const source = vulnerabilitySource(id);
  const fixes = [...new Set(hits.flatMap((v) => (v.fixedVersion ? [v.fixedVersion] : [])))];
  const title = first.summary ?? `${id} in ${[...new Set(hits.map((v) => v.package))].join(', ')}`;
  const help = [
    `Vulnerability ${id}${first.aliases.length ? ` (also ${first.aliases.join(', ')})` : ''}`,
    `Severity: ${worst.severity}${worst.score !== undefined ? ` (CVSS ${worst.score})` : ''}`,
    ...(worst.vector ? [`Vector: ${worst.vector}`] : []),
    `Fixed in: ${fixes.length ? fixes.join(', ') : 'no fixed version is known'}`,
    `Details: ${source.url}`,
  ];
  return {
    rule: {
      id,
      name: 'Vulnerability',
      shortDescription: { text: title },
      fullDescription: { text: first.summary ?? title },
      help: { text: help.join('\n'), markdown: help.map((line) => `- ${line}`).join('\n') },
      helpUri: source.url,
    },
    severity: worst.severity,
    ...(worst.score !== undefined ? { score: worst.score } : {}),
  };
}

function baselineRule(b: BaselineFinding): ReportingDescriptor {
  const help = [b.remedy, ...(b.cis ? [`CIS Docker Benchmark ${b.cis}.`] : [])];
  return {
    id: b.id,
    name: 'Baseline',
    shortDescription: { text: b.title },
    fullDescription: { text: `${b.title}.` },
    help: { text: help.join(' '), markdown: help.join('\n\n') },
  };
}
