/**
 * Matching an installed package version against OSV affected entries, as the OSV schema
 * evaluates them: the explicit `versions` list, then each ECOSYSTEM or SEMVER range's events in
 * version order (introduced / fixed / last_affected). Records about the same vulnerability
 * (a DSA and its CVE, a GHSA and its CVE) are merged through their aliases.
 */
import {
  cvss3BaseScore,
  ratingOfScore,
  ratingOfWord,
  SEVERITY_ORDER,
  type SeverityRating,
} from './cvss';
import { cvss4ScoreOf } from './cvss4';
import type { StoredAffected } from './database';
import type { OsvRange, OsvSeverity, RangeEvent } from './osv';

/** What matching needs of a version scheme. */
export interface Ordering {
  isValid(version: string): boolean;
  compare(a: string, b: string): number;
}

export interface Severity {
  rating: SeverityRating;
  /** The CVSS score, when a valid vector gave one (its version is the vector's prefix). */
  score?: number;
  vector?: string;
}

export interface Finding {
  /** A CVE id when the vulnerability has one, else the source's id. */
  id: string;
  aliases: string[];
  summary?: string;
  installedVersion: string;
  /** The lowest version that fixes every merged record, when the data names one. */
  fixedVersion?: string;
  severity: Severity;
  /** The OSV records this finding merges. */
  records: string[];
}

const eventVersion = (event: RangeEvent): string => Object.values(event)[0] as string;
const isIntroducedZero = (event: RangeEvent) => 'introduced' in event && event.introduced === '0';

/**
 * Whether `version` falls in the range, and the fix that ends the part of the range it is in.
 * Events with versions the scheme cannot read are left out rather than guessed at.
 */
export function inRange(
  range: OsvRange,
  version: string,
  ordering: Ordering,
): { affected: boolean; fixed?: string } {
  if (range.type === 'GIT') return { affected: false };
  const events = range.events
    .filter((e) => isIntroducedZero(e) || ordering.isValid(eventVersion(e)))
    .sort((a, b) => {
      if (isIntroducedZero(a)) return isIntroducedZero(b) ? 0 : -1;
      if (isIntroducedZero(b)) return 1;
      return ordering.compare(eventVersion(a), eventVersion(b));
    });
  let affected = false;
  let index = -1;
  for (const [i, event] of events.entries()) {
    if ('introduced' in event) {
      if (isIntroducedZero(event) || ordering.compare(version, event.introduced) >= 0) {
        affected = true;
        index = i;
      }
    } else if ('fixed' in event) {
      if (ordering.compare(version, event.fixed) >= 0) affected = false;
    } else if ('last_affected' in event) {
      if (ordering.compare(version, event.last_affected) > 0) affected = false;
    }
  }
  if (!affected) return { affected };
  const fix = events.slice(index + 1).find((e): e is { fixed: string } => 'fixed' in e);
  return fix ? { affected, fixed: fix.fixed } : { affected };
}

/** Whether an affected entry covers the version, and its fix. */
export function matchAffected(
  entry: Pick<StoredAffected, 'ranges' | 'versions'>,
  version: string,
  ordering: Ordering,
): { affected: boolean; fixed?: string } {
  let result: { affected: boolean; fixed?: string } = {
    affected: entry.versions.includes(version),
  };
  for (const range of entry.ranges) {
    const hit = inRange(range, version, ordering);
    if (!hit.affected) continue;
    if (
      !result.affected ||
      (hit.fixed && (!result.fixed || ordering.compare(hit.fixed, result.fixed) > 0))
    ) {
      result = hit;
    }
  }
  return result;
}

/**
 * One list's severity: a valid CVSS v4.0 vector first (the newer standard, as sources now
 * publish it), then a CVSS v3.x vector, then the source's own rating word. An invalid vector
 * is passed over, so the next of these decides.
 */
function severityOf(list: OsvSeverity[] | undefined, rating?: string): Severity | undefined {
  for (const entry of list ?? []) {
    if (entry.type === 'CVSS_V4') {
      const score = cvss4ScoreOf(entry.score);
      if (score !== undefined) return { rating: ratingOfScore(score), score, vector: entry.score };
    }
  }
  for (const entry of list ?? []) {
    if (entry.type === 'CVSS_V3') {
      const score = cvss3BaseScore(entry.score);
      if (score !== undefined) return { rating: ratingOfScore(score), score, vector: entry.score };
    }
  }
  for (const entry of list ?? []) {
    const word = entry.type === 'RATING' ? ratingOfWord(entry.score) : undefined;
    if (word) return { rating: word };
  }
  const word = rating ? ratingOfWord(rating) : undefined;
  return word ? { rating: word } : undefined;
}

const rank = (severity: Severity) => SEVERITY_ORDER.indexOf(severity.rating);

/**
 * The vulnerabilities among `entries` (all naming one package) that affect `version`, merged by
 * alias. Severity comes from the CVSS v4.0 vector, else the v3 one, else the source's rating
 * (package-level first, then record-level); the highest of merged records wins.
 */
export function findVulnerabilities(
  entries: StoredAffected[],
  version: string,
  ordering: Ordering,
): Finding[] {
  if (!ordering.isValid(version)) return [];
  const hits = entries.flatMap((entry) => {
    const match = matchAffected(entry, version, ordering);
    if (!match.affected) return [];
    const severity = severityOf(entry.severity) ??
      severityOf(entry.record.severity, entry.record.rating) ?? { rating: 'UNKNOWN' as const };
    return [{ entry, fixed: match.fixed, severity }];
  });

  // Union-find over ids and aliases: records naming each other are one vulnerability.
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let root = x;
    while (parent.has(root) && parent.get(root) !== root) root = parent.get(root)!;
    parent.set(x, root);
    return root;
  };
  const union = (a: string, b: string) => {
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent.set(ra, rb);
  };
  for (const { entry } of hits) {
    find(entry.recordId);
    for (const alias of entry.record.aliases) union(entry.recordId, alias);
  }

  const groups = new Map<string, typeof hits>();
  for (const hit of hits) {
    const root = find(hit.entry.recordId);
    groups.set(root, [...(groups.get(root) ?? []), hit]);
  }
  const findings: Finding[] = [];
  for (const group of groups.values()) {
    const names = new Set<string>();
    for (const { entry } of group) {
      names.add(entry.recordId);
      for (const alias of entry.record.aliases) names.add(alias);
    }
    const sorted = [...names].sort();
    const id = sorted.find((name) => name.startsWith('CVE-')) ?? group[0]!.entry.recordId;
    const fixes = group.map((h) => h.fixed);
    // Unfixed in any merged record means no single version is known to fix them all.
    const fixedVersion = fixes.every((f): f is string => f !== undefined)
      ? fixes.reduce((a, b) => (ordering.compare(a, b) >= 0 ? a : b))
      : undefined;
    const severity = group.map((h) => h.severity).reduce((a, b) => (rank(b) > rank(a) ? b : a));
    const summary = group.find((h) => h.entry.record.summary)?.entry.record.summary;
    findings.push({
      id,
      aliases: sorted.filter((name) => name !== id),
      ...(summary ? { summary } : {}),
      installedVersion: version,
      ...(fixedVersion ? { fixedVersion } : {}),
      severity,
      records: [...new Set(group.map((h) => h.entry.recordId))].sort(),
    });
  }
  return findings.sort((a, b) => rank(b.severity) - rank(a.severity) || (a.id < b.id ? -1 : 1));
}
