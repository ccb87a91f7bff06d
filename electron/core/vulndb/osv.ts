/**
 * OSV records (https://ossf.github.io/osv-schema/): what the vulnerability database keeps of each
 * one, read leniently (unknown fields are kept in the raw JSON) but with the fields matching
 * depends on checked, so a malformed record is refused with a reason instead of matching wrongly.
 */

export type RangeEvent =
  { introduced: string } | { fixed: string } | { last_affected: string } | { limit: string };

export interface OsvRange {
  type: 'SEMVER' | 'ECOSYSTEM' | 'GIT';
  events: RangeEvent[];
}

export interface OsvAffected {
  ecosystem: string;
  name: string;
  purl?: string;
  ranges: OsvRange[];
  versions: string[];
  /** A rating the source gives for this package only (e.g. GHSA's database_specific). */
  severity?: OsvSeverity[];
}

export interface OsvSeverity {
  type: string;
  score: string;
}

export interface OsvRecord {
  id: string;
  modified: string;
  published?: string;
  withdrawn?: string;
  summary?: string;
  aliases: string[];
  severity: OsvSeverity[];
  /** The source's own rating word (GHSA, Debian urgency...), when it gives one. */
  rating?: string;
  affected: OsvAffected[];
}

/** Records are a few KiB; a whole ecosystem never comes as one record. */
export const MAX_RECORD_BYTES = 8 * 1024 * 1024;

const RANGE_TYPES = new Set(['SEMVER', 'ECOSYSTEM', 'GIT']);
const EVENT_KINDS = ['introduced', 'fixed', 'last_affected', 'limit'] as const;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const optionalString = (value: unknown) =>
  typeof value === 'string' && value !== '' ? value : undefined;

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function severities(value: unknown): OsvSeverity[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((entry) =>
    isObject(entry) && typeof entry.type === 'string' && typeof entry.score === 'string'
      ? [{ type: entry.type, score: entry.score }]
      : [],
  );
}

function rangeOf(value: unknown, where: string): OsvRange | string {
  if (!isObject(value) || typeof value.type !== 'string' || !RANGE_TYPES.has(value.type)) {
    return `${where} has no range type SEMVER, ECOSYSTEM or GIT`;
  }
  if (!Array.isArray(value.events) || value.events.length === 0) {
    return `${where} has no events`;
  }
  const events: RangeEvent[] = [];
  for (const [i, event] of value.events.entries()) {
    const kinds = isObject(event) ? EVENT_KINDS.filter((k) => k in event) : [];
    const kind = kinds[0];
    const version = kind && isObject(event) ? event[kind] : undefined;
    if (kinds.length !== 1 || typeof version !== 'string' || version === '') {
      return `${where} event ${i} is not one of introduced, fixed, last_affected or limit with a version`;
    }
    events.push({ [kind!]: version } as RangeEvent);
  }
  return { type: value.type as OsvRange['type'], events };
}

function ratingOf(value: unknown): string | undefined {
  if (!isObject(value)) return undefined;
  const rating = value.severity ?? value.urgency;
  return typeof rating === 'string' && rating !== '' ? rating.toUpperCase() : undefined;
}

/** Reads one OSV record, or says why it is not one. */
export function parseOsvRecord(value: unknown): OsvRecord | string {
  if (!isObject(value)) return 'it is not a JSON object';
  if (typeof value.id !== 'string' || value.id.trim() === '' || value.id.length > 200) {
    return 'it has no id';
  }
  const id = value.id;
  if (typeof value.modified !== 'string' || Number.isNaN(Date.parse(value.modified))) {
    return `${id} has no valid "modified" time`;
  }
  const affected: OsvAffected[] = [];
  if (value.affected !== undefined && !Array.isArray(value.affected)) {
    return `${id}: "affected" is not a list`;
  }
  for (const [i, entry] of ((value.affected as unknown[] | undefined) ?? []).entries()) {
    const where = `${id} affected[${i}]`;
    if (!isObject(entry)) return `${where} is not an object`;
    const pkg = entry.package;
    // Entries without a package describe git ranges of a project; nothing installed matches them.
    if (pkg === undefined) continue;
    if (!isObject(pkg) || typeof pkg.ecosystem !== 'string' || typeof pkg.name !== 'string') {
      return `${where} names no package ecosystem and name`;
    }
    const ranges: OsvRange[] = [];
    for (const [j, range] of (Array.isArray(entry.ranges) ? entry.ranges : []).entries()) {
      const parsed = rangeOf(range, `${where} range ${j}`);
      if (typeof parsed === 'string') return parsed;
      ranges.push(parsed);
    }
    const rating = ratingOf(entry.database_specific) ?? ratingOf(entry.ecosystem_specific);
    const own = severities(entry.severity);
    affected.push({
      ecosystem: pkg.ecosystem,
      name: pkg.name,
      ...(optionalString(pkg.purl) ? { purl: pkg.purl as string } : {}),
      ranges,
      versions: strings(entry.versions),
      ...(own.length
        ? { severity: own }
        : rating
          ? { severity: [{ type: 'RATING', score: rating }] }
          : {}),
    });
  }
  const rating = ratingOf(value.database_specific);
  return {
    id,
    modified: value.modified,
    ...(optionalString(value.published) ? { published: value.published as string } : {}),
    ...(optionalString(value.withdrawn) ? { withdrawn: value.withdrawn as string } : {}),
    ...(optionalString(value.summary) ? { summary: (value.summary as string).slice(0, 1000) } : {}),
    aliases: strings(value.aliases).filter((alias) => alias !== id),
    severity: severities(value.severity),
    ...(rating ? { rating } : {}),
    affected,
  };
}

/** The ecosystem without its release (`Debian:12` → `Debian`), as OSV names the families. */
export function ecosystemFamily(ecosystem: string): string {
  const colon = ecosystem.indexOf(':');
  return colon < 0 ? ecosystem : ecosystem.slice(0, colon);
}
