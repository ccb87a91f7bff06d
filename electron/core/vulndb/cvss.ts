/**
 * Severity from CVSS vectors: the v3.x base score computed from the vector as the FIRST
 * specification defines it (v3.1 rounding), and the qualitative rating of a score.
 */

export type SeverityRating = 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW' | 'NONE' | 'UNKNOWN';

const WEIGHTS = {
  AV: { N: 0.85, A: 0.62, L: 0.55, P: 0.2 },
  AC: { L: 0.77, H: 0.44 },
  UI: { N: 0.85, R: 0.62 },
  CIA: { H: 0.56, L: 0.22, N: 0 },
} as const;

/** Privileges Required weighs more when the scope changes. */
const PR = {
  U: { N: 0.85, L: 0.62, H: 0.27 },
  C: { N: 0.85, L: 0.68, H: 0.5 },
} as const;

const BASE_METRICS = ['AV', 'AC', 'PR', 'UI', 'S', 'C', 'I', 'A'] as const;

/** CVSS v3.1's Roundup: the smallest number with one decimal that is >= the input. */
function roundUp(value: number): number {
  const scaled = Math.round(value * 100_000);
  return scaled % 10_000 === 0 ? scaled / 100_000 : (Math.floor(scaled / 10_000) + 1) / 10;
}

/**
 * The base score of a `CVSS:3.0/…` or `CVSS:3.1/…` vector, or undefined when the vector is not
 * a complete, valid v3 base vector (temporal and environmental metrics are ignored).
 */
export function cvss3BaseScore(vector: string): number | undefined {
  const parts = vector.trim().split('/');
  if (!/^CVSS:3\.[01]$/.test(parts[0] ?? '')) return undefined;
  const metrics = new Map<string, string>();
  for (const part of parts.slice(1)) {
    const [key, value, extra] = part.split(':');
    if (!key || !value || extra !== undefined || metrics.has(key)) return undefined;
    metrics.set(key, value);
  }
  if (!BASE_METRICS.every((m) => metrics.has(m))) return undefined;
  const pick = <T extends Record<string, number>>(table: T, key: string) =>
    Object.hasOwn(table, metrics.get(key)!) ? table[metrics.get(key) as keyof T] : undefined;
  const scope = metrics.get('S');
  if (scope !== 'U' && scope !== 'C') return undefined;
  const av = pick(WEIGHTS.AV, 'AV');
  const ac = pick(WEIGHTS.AC, 'AC');
  const pr = pick(PR[scope], 'PR');
  const ui = pick(WEIGHTS.UI, 'UI');
  const c = pick(WEIGHTS.CIA, 'C');
  const i = pick(WEIGHTS.CIA, 'I');
  const a = pick(WEIGHTS.CIA, 'A');
  if ([av, ac, pr, ui, c, i, a].some((w) => w === undefined)) return undefined;
  const iss = 1 - (1 - c!) * (1 - i!) * (1 - a!);
  const impact = scope === 'U' ? 6.42 * iss : 7.52 * (iss - 0.029) - 3.25 * (iss - 0.02) ** 15;
  const exploitability = 8.22 * av! * ac! * pr! * ui!;
  if (impact <= 0) return 0;
  return scope === 'U'
    ? roundUp(Math.min(impact + exploitability, 10))
    : roundUp(Math.min(1.08 * (impact + exploitability), 10));
}

/** The qualitative rating of a CVSS score (v3 and v4 share the bands). */
export function ratingOfScore(score: number): SeverityRating {
  if (score >= 9) return 'CRITICAL';
  if (score >= 7) return 'HIGH';
  if (score >= 4) return 'MEDIUM';
  if (score > 0) return 'LOW';
  return 'NONE';
}

const RATING_WORDS: Record<string, SeverityRating> = {
  CRITICAL: 'CRITICAL',
  HIGH: 'HIGH',
  IMPORTANT: 'HIGH',
  MEDIUM: 'MEDIUM',
  MODERATE: 'MEDIUM',
  LOW: 'LOW',
  NEGLIGIBLE: 'LOW',
  UNIMPORTANT: 'LOW',
  NONE: 'NONE',
};

/** A source's own rating word (GHSA "MODERATE", Debian urgency "high", Red Hat "Important"). */
export function ratingOfWord(word: string): SeverityRating | undefined {
  return RATING_WORDS[word.trim().toUpperCase()];
}

export const SEVERITY_ORDER: readonly SeverityRating[] = [
  'UNKNOWN',
  'NONE',
  'LOW',
  'MEDIUM',
  'HIGH',
  'CRITICAL',
];
