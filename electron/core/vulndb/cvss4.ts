/**
 * CVSS v4.0 scores from vector strings, as the FIRST specification defines them:
 * the vector's six equivalence sets (EQ1..EQ6) name a macrovector whose score comes from the
 * standard's published table; the vector then loses part of the gap to each next-lower
 * macrovector in proportion to its severity distance from the highest vector of its own
 * macrovector, and the result is rounded half up to one decimal. Threat and environmental
 * metrics, when the vector carries them, take part the same way (CVSS-BT, -BE, -BTE).
 */
import { ConsignError } from '../errors';

export type Cvss4Nomenclature = 'CVSS-B' | 'CVSS-BT' | 'CVSS-BE' | 'CVSS-BTE';

export interface Cvss4Score {
  score: number;
  /** Which metric groups the score reflects: base, threat, environmental. */
  nomenclature: Cvss4Nomenclature;
  /** The six EQ levels, e.g. `"000200"`. */
  macroVector: string;
}

const BASE = ['AV', 'AC', 'AT', 'PR', 'UI', 'VC', 'VI', 'VA', 'SC', 'SI', 'SA'] as const;
const ENVIRONMENTAL = [
  'CR',
  'IR',
  'AR',
  'MAV',
  'MAC',
  'MAT',
  'MPR',
  'MUI',
  'MVC',
  'MVI',
  'MVA',
  'MSC',
  'MSI',
  'MSA',
] as const;
type BaseMetric = (typeof BASE)[number];

const IMPACT = ['H', 'L', 'N'];
const REQUIREMENT = ['X', 'H', 'M', 'L'];
/** Every metric of the specification with its allowed values (X: not defined). */
const ALLOWED_VALUES: Record<string, readonly string[]> = {
  AV: ['N', 'A', 'L', 'P'],
  AC: ['L', 'H'],
  AT: ['N', 'P'],
  PR: ['N', 'L', 'H'],
  UI: ['N', 'P', 'A'],
  VC: IMPACT,
  VI: IMPACT,
  VA: IMPACT,
  SC: IMPACT,
  SI: IMPACT,
  SA: IMPACT,
  E: ['X', 'A', 'P', 'U'],
  CR: REQUIREMENT,
  IR: REQUIREMENT,
  AR: REQUIREMENT,
  MAV: ['X', 'N', 'A', 'L', 'P'],
  MAC: ['X', 'L', 'H'],
  MAT: ['X', 'N', 'P'],
  MPR: ['X', 'N', 'L', 'H'],
  MUI: ['X', 'N', 'P', 'A'],
  MVC: ['X', ...IMPACT],
  MVI: ['X', ...IMPACT],
  MVA: ['X', ...IMPACT],
  MSC: ['X', ...IMPACT],
  // Safety applies to the subsequent system's integrity and availability only.
  MSI: ['X', 'S', ...IMPACT],
  MSA: ['X', 'S', ...IMPACT],
  // Supplemental metrics: carried, never scored.
  S: ['X', 'N', 'P'],
  AU: ['X', 'N', 'Y'],
  R: ['X', 'A', 'U', 'I'],
  V: ['X', 'D', 'C'],
  RE: ['X', 'L', 'M', 'H'],
  U: ['X', 'Clear', 'Green', 'Amber', 'Red'],
};
const ALLOWED: ReadonlyMap<string, ReadonlySet<string>> = new Map(
  Object.entries(ALLOWED_VALUES).map(([name, values]) => [name, new Set(values)]),
);

/**
 * Macrovector scores (the standard's published table), keyed by EQ1 EQ2 EQ3. Each row lists
 * EQ4 0..2, within that EQ5 0..2, within that EQ6 0..1; EQ3 level 2 (no high impact on the
 * vulnerable system) only exists with EQ6 level 1.
 */
const TABLE_ROWS: Record<string, readonly number[]> = {
  '000': [10, 9.9, 9.8, 9.5, 9.5, 9.2, 10, 9.6, 9.3, 8.7, 9.1, 8.1, 9.3, 9, 8.9, 8, 8.1, 6.8],
  '001': [9.8, 9.5, 9.5, 9.2, 9, 8.4, 9.3, 9.2, 8.9, 8.1, 8.1, 6.5, 8.8, 8, 7.8, 7, 6.9, 4.8],
  '002': [9.2, 8.2, 7.2, 7.9, 6.9, 5, 6.9, 5.5, 2.7],
  '010': [9.9, 9.7, 9.5, 9.2, 9.2, 8.5, 9.5, 9.1, 9, 8.3, 8.4, 7.1, 9.2, 8.1, 8.2, 7.1, 7.2, 5.3],
  '011': [9.5, 9.3, 9.2, 8.5, 8.5, 7.3, 9.2, 8.2, 8, 7.2, 7, 5.9, 8.4, 7, 7.1, 5.2, 5, 3],
  '012': [8.6, 7.5, 5.2, 7.1, 5.2, 2.9, 6.3, 2.9, 1.7],
  '100': [9.8, 9.5, 9.4, 8.7, 9.1, 8.1, 9.4, 8.9, 8.6, 7.4, 7.7, 6.4, 8.7, 7.5, 7.4, 6.3, 6.3, 4.9],
  '101': [9.4, 8.9, 8.8, 7.7, 7.6, 6.7, 8.6, 7.6, 7.4, 5.8, 5.9, 5, 7.2, 5.7, 5.7, 5.2, 5.2, 2.5],
  '102': [8.3, 7, 5.4, 6.5, 5.8, 2.6, 5.3, 2.1, 1.3],
  '110': [9.5, 9, 8.8, 7.6, 7.6, 7, 9, 7.7, 7.5, 6.2, 6.1, 5.3, 7.7, 6.6, 6.8, 5.9, 5.2, 3],
  '111': [8.9, 7.8, 7.6, 6.7, 6.2, 5.8, 7.4, 5.9, 5.7, 5.7, 4.7, 2.3, 6.1, 5.2, 5.7, 2.9, 2.4, 1.6],
  '112': [7.1, 5.9, 3, 5.8, 2.6, 1.5, 2.3, 1.3, 0.6],
  '200': [9.3, 8.7, 8.6, 7.2, 7.5, 5.8, 8.6, 7.4, 7.4, 6.1, 5.6, 3.4, 7, 5.4, 5.2, 4, 4, 2.2],
  '201': [8.5, 7.5, 7.4, 5.5, 6.2, 5.1, 7.2, 5.7, 5.5, 4.1, 4.6, 1.9, 5.3, 3.6, 3.4, 1.9, 1.9, 0.8],
  '202': [6.4, 5.1, 2, 4.7, 2.1, 1.1, 2.4, 0.9, 0.4],
  '210': [8.8, 7.5, 7.3, 5.3, 6, 5, 7.3, 5.5, 5.9, 4, 4.1, 2, 5.4, 4.3, 4.5, 2.2, 2, 1.1],
  '211': [7.5, 5.5, 5.8, 4.5, 4, 2.1, 6.1, 5.1, 4.8, 1.8, 2, 0.9, 4.6, 1.8, 1.7, 0.7, 0.8, 0.2],
  '212': [5.3, 2.4, 1.4, 2.4, 1.2, 0.5, 1, 0.3, 0.1],
};

/** A macrovector's six levels as one number (its digits), for quick lookups. */
const macroKey = (levels: readonly number[]) => levels.reduce((key, level) => key * 10 + level, 0);

/** Macrovector to its score in tenths, so the arithmetic below stays in integers. */
const MACROVECTOR_TENTHS: ReadonlyMap<number, number> = (() => {
  const table = new Map<number, number>();
  for (const [prefix, row] of Object.entries(TABLE_ROWS)) {
    const eq6Levels = prefix.endsWith('2') ? [1] : [0, 1];
    let index = 0;
    for (const eq4 of [0, 1, 2]) {
      for (const eq5 of [0, 1, 2]) {
        for (const eq6 of eq6Levels) {
          table.set(
            macroKey([...prefix].map(Number).concat(eq4, eq5, eq6)),
            Math.round(row[index++]! * 10),
          );
        }
      }
    }
  }
  return table;
})();

/** Severity steps of each value (0 = most severe), counted in the specification's 0.1 units. */
const STEPS: Record<string, Record<string, number>> = {
  AV: { N: 0, A: 1, L: 2, P: 3 },
  PR: { N: 0, L: 1, H: 2 },
  UI: { N: 0, P: 1, A: 2 },
  AC: { L: 0, H: 1 },
  AT: { N: 0, P: 1 },
  VC: { H: 0, L: 1, N: 2 },
  VI: { H: 0, L: 1, N: 2 },
  VA: { H: 0, L: 1, N: 2 },
  SC: { H: 1, L: 2, N: 3 },
  SI: { S: 0, H: 1, L: 2, N: 3 },
  SA: { S: 0, H: 1, L: 2, N: 3 },
  CR: { H: 0, M: 1, L: 2 },
  IR: { H: 0, M: 1, L: 2 },
  AR: { H: 0, M: 1, L: 2 },
};

/** A vector's values for some metrics, each with its severity step. */
type Assignment = readonly { name: string; step: number }[];
const assignment = (text: string): Assignment =>
  text.split('/').map((pair) => {
    const [name, value] = pair.split(':') as [string, string];
    return { name, step: STEPS[name]![value]! };
  });

/**
 * The highest-severity vectors of each level, per group of EQs that share metrics (EQ3 and EQ6
 * are scored together). A vector's distance is taken from the first of them it does not exceed.
 */
const HIGHEST = {
  eq1: [
    ['AV:N/PR:N/UI:N'],
    ['AV:A/PR:N/UI:N', 'AV:N/PR:L/UI:N', 'AV:N/PR:N/UI:P'],
    ['AV:P/PR:N/UI:N', 'AV:A/PR:L/UI:P'],
  ].map((level) => level.map(assignment)),
  eq2: [['AC:L/AT:N'], ['AC:H/AT:N', 'AC:L/AT:P']].map((level) => level.map(assignment)),
  eq3eq6: new Map(
    Object.entries({
      '00': ['VC:H/VI:H/VA:H/CR:H/IR:H/AR:H'],
      '01': ['VC:H/VI:H/VA:L/CR:M/IR:M/AR:H', 'VC:H/VI:H/VA:H/CR:M/IR:M/AR:M'],
      '10': ['VC:L/VI:H/VA:H/CR:H/IR:H/AR:H', 'VC:H/VI:L/VA:H/CR:H/IR:H/AR:H'],
      '11': [
        'VC:L/VI:H/VA:L/CR:H/IR:M/AR:H',
        'VC:L/VI:H/VA:H/CR:H/IR:M/AR:M',
        'VC:H/VI:L/VA:H/CR:M/IR:H/AR:M',
        'VC:H/VI:L/VA:L/CR:M/IR:H/AR:H',
        'VC:L/VI:L/VA:H/CR:H/IR:H/AR:M',
      ],
      '21': ['VC:L/VI:L/VA:L/CR:H/IR:H/AR:H'],
    }).map(([levels, list]) => [levels, list.map(assignment)]),
  ),
  eq4: [['SC:H/SI:S/SA:S'], ['SC:H/SI:H/SA:H'], ['SC:L/SI:L/SA:L']].map((level) =>
    level.map(assignment),
  ),
};

/** How many severity steps deep each macrovector is (the specification's max distances). */
const DEPTH = {
  eq1: [1, 4, 5],
  eq2: [1, 2],
  eq3eq6: new Map([
    ['00', 7],
    ['01', 6],
    ['10', 8],
    ['11', 8],
    ['21', 10],
  ]),
  eq4: [6, 5, 4],
};

const MAX_SHOWN = 120;

function invalid(vector: string, reason: string): ConsignError {
  const shown = vector.length > MAX_SHOWN ? `${vector.slice(0, MAX_SHOWN)}…` : vector;
  return new ConsignError('BAD_INPUT', `The CVSS v4.0 vector "${shown}" is not valid: ${reason}.`, {
    remedy: `Write it as CVSS:4.0/ followed by ${BASE.join(', ')} once each, with optional threat, environmental and supplemental metrics, or leave the vector out.`,
  });
}

/**
 * The metrics of a `CVSS:4.0/…` vector, checked strictly: every base metric exactly once, only
 * the specification's metrics and values, no metric twice. Order is not enforced (sources do
 * not always keep it). Throws a BAD_INPUT ConsignError saying what is wrong.
 */
export function parseCvss4Vector(vector: string): ReadonlyMap<string, string> {
  const [prefix, ...parts] = vector.trim().split('/');
  if (prefix !== 'CVSS:4.0') throw invalid(vector, 'it does not start with CVSS:4.0/');
  const metrics = new Map<string, string>();
  for (const part of parts) {
    const colon = part.indexOf(':');
    const name = part.slice(0, colon);
    const value = part.slice(colon + 1);
    if (colon < 1 || value === '' || value.includes(':')) {
      throw invalid(vector, `"${part}" is not a METRIC:VALUE pair`);
    }
    const allowed = ALLOWED.get(name);
    if (!allowed) throw invalid(vector, `${name} is not a CVSS v4.0 metric`);
    if (metrics.has(name)) throw invalid(vector, `${name} appears more than once`);
    if (!allowed.has(value)) {
      throw invalid(
        vector,
        `${name}:${value} is not allowed (${name} takes ${[...allowed].join(', ')})`,
      );
    }
    metrics.set(name, value);
  }
  const missing = BASE.filter((name) => !metrics.has(name));
  if (missing.length > 0) throw invalid(vector, `it lacks ${missing.join(', ')}`);
  return metrics;
}

/** The metrics scoring reads, each resolved to the value it takes. */
const SCORED = [...BASE, 'E', 'CR', 'IR', 'AR'] as const;

/**
 * The values metrics take for scoring: a modified (environmental) value overrides the base one;
 * an undefined exploit maturity counts as Attacked and undefined requirements as High, the
 * worst case, so a base-only vector scores as CVSS-B.
 */
function effectiveValues(metrics: ReadonlyMap<string, string>): Record<string, string> {
  const values: Record<string, string> = {};
  for (const name of SCORED) {
    const own = metrics.get(name) ?? 'X';
    const modified = metrics.get(`M${name}`) ?? 'X';
    if (name === 'E') values[name] = own === 'X' ? 'A' : own;
    else if (name === 'CR' || name === 'IR' || name === 'AR')
      values[name] = own === 'X' ? 'H' : own;
    else values[name] = modified !== 'X' ? modified : own;
  }
  return values;
}

function eqLevels(v: (name: string) => string) {
  const anyNetworkOrNone = v('AV') === 'N' || v('PR') === 'N' || v('UI') === 'N';
  const eq1 =
    v('AV') === 'N' && v('PR') === 'N' && v('UI') === 'N'
      ? 0
      : anyNetworkOrNone && v('AV') !== 'P'
        ? 1
        : 2;
  const eq2 = v('AC') === 'L' && v('AT') === 'N' ? 0 : 1;
  const eq3 =
    v('VC') === 'H' && v('VI') === 'H'
      ? 0
      : v('VC') === 'H' || v('VI') === 'H' || v('VA') === 'H'
        ? 1
        : 2;
  const eq4 =
    v('SI') === 'S' || v('SA') === 'S'
      ? 0
      : v('SC') === 'H' || v('SI') === 'H' || v('SA') === 'H'
        ? 1
        : 2;
  const eq5 = { A: 0, P: 1, U: 2 }[v('E') as 'A' | 'P' | 'U'];
  const eq6 =
    (v('CR') === 'H' && v('VC') === 'H') ||
    (v('IR') === 'H' && v('VI') === 'H') ||
    (v('AR') === 'H' && v('VA') === 'H')
      ? 0
      : 1;
  return { eq1, eq2, eq3, eq4, eq5, eq6 };
}

/**
 * Severity steps between the vector and the first highest vector of its level that it does not
 * exceed (every metric at most as severe), summed over that group's metrics.
 */
function distance(v: (name: string) => string, highest: readonly Assignment[]): number {
  for (const candidate of highest) {
    let sum = 0;
    let within = true;
    for (const { name, step } of candidate) {
      const steps = STEPS[name]![v(name)]! - step;
      if (steps < 0) within = false;
      sum += steps;
    }
    if (within) return sum;
  }
  // Each level's list covers every vector of that level; reaching here is a bug.
  throw new ConsignError('INTERNAL', 'No highest CVSS v4.0 vector matches this vector.');
}

function highestOf(...scores: (number | undefined)[]): number | undefined {
  const known = scores.filter((score): score is number => score !== undefined);
  return known.length > 0 ? Math.max(...known) : undefined;
}

/** The CVSS v4.0 score of a vector. Throws a BAD_INPUT ConsignError for an invalid vector. */
export function cvss4Score(vector: string): Cvss4Score {
  const metrics = parseCvss4Vector(vector);
  const values = effectiveValues(metrics);
  const v = (name: string) => values[name]!;
  const threat = (metrics.get('E') ?? 'X') !== 'X';
  const environmental = ENVIRONMENTAL.some((name) => (metrics.get(name) ?? 'X') !== 'X');
  const nomenclature: Cvss4Nomenclature = `CVSS-B${threat ? 'T' : ''}${environmental ? 'E' : ''}`;

  const { eq1, eq2, eq3, eq4, eq5, eq6 } = eqLevels(v);
  const macroVector = `${eq1}${eq2}${eq3}${eq4}${eq5}${eq6}`;
  // No impact on either system: nothing to score, whatever the exploitability.
  const impacts: BaseMetric[] = ['VC', 'VI', 'VA', 'SC', 'SI', 'SA'];
  if (impacts.every((name) => v(name) === 'N')) return { score: 0, nomenclature, macroVector };

  const top = MACROVECTOR_TENTHS.get(macroKey([eq1, eq2, eq3, eq4, eq5, eq6]))!;
  const lookup = (...levels: number[]) => MACROVECTOR_TENTHS.get(macroKey(levels));
  // EQ3 and EQ6 step down together: (0,1) and (1,0) to (1,1), (1,1) to (2,1), and (0,0) to
  // the higher scoring of (0,1) and (1,0); (2,1) is the lowest.
  const eq3eq6Lower =
    eq3 === 0 && eq6 === 0
      ? highestOf(lookup(eq1, eq2, 0, eq4, eq5, 1), lookup(eq1, eq2, 1, eq4, eq5, 0))
      : eq6 === 1
        ? lookup(eq1, eq2, eq3 + 1, eq4, eq5, eq6)
        : lookup(eq1, eq2, eq3, eq4, eq5, 1);
  const eq3eq6 = `${eq3}${eq6}`;
  const groups = [
    {
      lower: lookup(eq1 + 1, eq2, eq3, eq4, eq5, eq6),
      highest: HIGHEST.eq1[eq1]!,
      depth: DEPTH.eq1[eq1]!,
    },
    {
      lower: lookup(eq1, eq2 + 1, eq3, eq4, eq5, eq6),
      highest: HIGHEST.eq2[eq2]!,
      depth: DEPTH.eq2[eq2]!,
    },
    {
      lower: eq3eq6Lower,
      highest: HIGHEST.eq3eq6.get(eq3eq6)!,
      depth: DEPTH.eq3eq6.get(eq3eq6)!,
    },
    {
      lower: lookup(eq1, eq2, eq3, eq4 + 1, eq5, eq6),
      highest: HIGHEST.eq4[eq4]!,
      depth: DEPTH.eq4[eq4]!,
    },
  ];
  // Each group with a lower macrovector gives up the share of the score gap that its severity
  // distance covers of the macrovector's depth; the mean of those shares is taken off.
  // Exploit maturity has one vector per level: it counts towards the mean, never moves it.
  let counted = lookup(eq1, eq2, eq3, eq4, eq5 + 1, eq6) === undefined ? 0 : 1;
  let lowered = 0;
  for (const { lower, highest, depth } of groups) {
    if (lower === undefined) continue;
    counted += 1;
    lowered += ((top - lower) * distance(v, highest)) / depth;
  }
  const tenths = Math.min(100, Math.max(0, top - (counted === 0 ? 0 : lowered / counted)));
  // Half up; the small lift keeps a value computed a hair under an x.x5 tie from rounding down.
  return { score: Math.round(tenths + 1e-5) / 10, nomenclature, macroVector };
}

/** The score of a CVSS v4.0 vector, or undefined when the vector is not valid. */
export function cvss4ScoreOf(vector: string): number | undefined {
  try {
    return cvss4Score(vector).score;
  } catch (error) {
    if (error instanceof ConsignError && error.code === 'BAD_INPUT') return undefined;
    throw error;
  }
}
