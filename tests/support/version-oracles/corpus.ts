// Corpora of tricky versions per scheme for the differential tests: a seeded random generator
// (the same corpus on every run, so a mismatch is reproducible) mixing the characters and
// shapes each scheme treats specially, plus hand-picked edge cases.

/** A small deterministic PRNG (mulberry32). */
export function random(seed: number) {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  const chance = (p: number) => next() < p;
  return { next, int, pick, chance };
}
export type Random = ReturnType<typeof random>;

const NUMBERS = ['0', '1', '2', '9', '10', '01', '00', '007', '100', '20240102', '99999999999'];

/** Hand-picked versions, written as one whitespace-separated list. */
const words = (text: string) => text.split(/\s+/).filter(Boolean);

/** The hand-picked versions followed by `count` distinct generated ones. */
function build(count: number, one: () => string, handPicked: string[]): string[] {
  const out = new Set(handPicked);
  for (let guard = 0; out.size < handPicked.length + count && guard < count * 50; guard++) {
    out.add(one());
  }
  return [...out];
}

function run(rng: Random, parts: readonly string[], min: number, max: number): string {
  let s = '';
  const n = min + rng.int(max - min + 1);
  for (let i = 0; i < n; i++) s += rng.pick(parts);
  return s;
}

/** Debian versions: epochs, "~", "+", letters against digits, leading zeros, hyphens. */
export function dpkgCorpus(seed: number, count: number): string[] {
  const rng = random(seed);
  const upstreamParts = [...NUMBERS, '.', '.', '~', '+', 'a', 'b', 'Z', 'rc', 'dfsg', '~~', '.0'];
  const revisionParts = ['0', '1', '2', '10', '01', '.', '+', '~', 'deb12u', 'ubuntu', 'bpo', 'a'];
  const one = () => {
    const epoch = rng.chance(0.2) ? `${rng.pick(['0', '1', '2', '00', '10'])}:` : '';
    let upstream = rng.pick(NUMBERS) + run(rng, upstreamParts, 0, 5);
    const hasRevision = rng.chance(0.6);
    if (hasRevision && rng.chance(0.15)) upstream += `-${rng.pick(NUMBERS)}`;
    if (epoch && rng.chance(0.1)) upstream += `:${rng.pick(NUMBERS)}`;
    const revision = hasRevision
      ? `-${rng.pick(revisionParts)}${run(rng, revisionParts, 0, 3)}`
      : '';
    return epoch + upstream + revision;
  };
  return build(
    count,
    one,
    words(`
    1.0 1.0-0 1.0-1 1.0~rc1 1.0~rc1-1 1.0~~ 1.0~~a 1.0~ 1.0+ 1.0a 1.0. 1.0.0 1.00 1.000-0 0:1.0
    1:0.9 1:1.0 01:1.0 1.0-1~bpo1 2.36-9+deb12u4 2.36-9+deb12u10 7.88.1-10+deb12u5
    1.2.3-1ubuntu1 1.2.3-1ubuntu1~22.04 10.0~beta-1 1:2.3~rc1-2 1.0-1-1 1-1 1.0+dfsg-1
    1.0+dfsg1-1 1.0~dfsg-1 1.0.0~alpha+1 1.0a~ 1.0A 1.0Z 1.0z 1.0.a 1.0+a 1.0-a 1.0-+ 1.0-~
    1:2:3 1:2:3-1 0.0 0 00 9 10 1.0-0.0
    :1.0 1.0- a1.0 -1 1.0_1 x:1.0 1.0-1_1 1:a 1.0-1/2 1.0-a@
  `),
  );
}

/** RPM versions: "~" and "^", letters against digits, separators that only separate, epochs. */
export function rpmCorpus(seed: number, count: number): string[] {
  const rng = random(seed);
  const parts = [
    ...NUMBERS,
    '.',
    '.',
    '_',
    '+',
    '~',
    '^',
    'a',
    'b',
    'Z',
    'rc',
    'git',
    'el',
    '.el9',
  ];
  const one = () => {
    const epoch = rng.chance(0.2) ? `${rng.pick(['0', '1', '2', '00', '10'])}:` : '';
    const version = (rng.chance(0.8) ? rng.pick(NUMBERS) : rng.pick(parts)) + run(rng, parts, 0, 5);
    const release = rng.chance(0.6) ? `-${rng.pick(parts)}${run(rng, parts, 0, 3)}` : '';
    return epoch + version + release;
  };
  return build(
    count,
    one,
    words(`
    1.0 1.0.0 1.0~rc1 1.0~rc1^git1 1.0^git1 1.0^git1~pre 1.0^ 1.0~ 1.0^^ 1.0~~ 1.0.1 1.0a 1.0_1
    1.0.a 1a 1_0 10 1.00 1.01 2:1.0-1 0:1.0-1.el9 1.0-1.el9 1.0-1.el9_2 1.0-1.el9_10
    3.0.7-24.el9 1.0-0.1.rc1 1.0-~1 1.0-^1 1.0-1 1.0-1.0 a A aB .1 ~1 ^1 1:1.0 00:1.0 1.0+git
    1.0.+ 1.0-1. 1.0-1_
  `),
  );
}

/** Maven versions: qualifiers and their aliases, "." against "-", padding, huge numbers. */
export function mavenCorpus(seed: number, count: number): string[] {
  const rng = random(seed);
  const qualifiers = [
    'alpha',
    'a',
    'beta',
    'b',
    'milestone',
    'm',
    'rc',
    'cr',
    'RC',
    'snapshot',
    'SNAPSHOT',
    'ga',
    'final',
    'Final',
    'release',
    'RELEASE',
    'sp',
    'SP',
    'x',
    'foo',
    'jre',
    'android',
    'abc',
  ];
  const numbers = [...NUMBERS, '0000000000', '1234567890', '12345678901234567890', '000'];
  const one = () => {
    let s = rng.pick(numbers);
    const n = rng.int(6);
    for (let i = 0; i < n; i++) {
      const sep = rng.pick(['.', '.', '-', '-', '', '', '..', '-.', '.-', '--']);
      s += sep + (rng.chance(0.5) ? rng.pick(numbers) : rng.pick(qualifiers));
    }
    if (rng.chance(0.05)) s += rng.pick(['.', '-']);
    if (rng.chance(0.05)) s = rng.pick(qualifiers) + rng.pick(['', '-', '.']) + s;
    return s;
  };
  return build(
    count,
    one,
    words(`
    1 1.0 1.0.0 1-ga 1-final 1.ga 1-release 1.0-SNAPSHOT 1.0-alpha-1 1.0-a1 1.0-alpha1 1.0-beta1
    1.0-b1 1.0-M1 1.0-m1 1.0-milestone-1 1.0-rc1 1.0-cr1 1.0-RC1 1.0-sp1 1.0-sp 1.0.RELEASE
    1.0.Final 2.17.1 2.0.0.RC1 1-1 1.1 1-sp 1-sp-1 1.0.0.x1 1.0.0-x2 1.0.0.x 1.0.0-x
    1.0000000000.1 1.0000000001 1.1234567890 1.12345678901234567890 1-0.1 1-0 1.0- 1.0. 1..0
    1--1 a1 a 1a 1a1 1.a1 1-a1 1.0-jre 1.0-android 31.1-jre 31.1-android 2.0-a 2.0-alpha 0 0.0
    1.0-0 1.0-0.0
  `),
  );
}

/** Go module versions: shorthands, pre-releases, pseudo-versions, build metadata, bad forms. */
export function goCorpus(seed: number, count: number): string[] {
  const rng = random(seed);
  const numbers = ['0', '1', '2', '10', '01', '123456789012345678901234567890'];
  const ids = [
    'alpha',
    'beta',
    'rc',
    '0',
    '1',
    '2',
    '10',
    '01',
    'x-y',
    '-',
    'A',
    'a1',
    '20240102150405',
  ];
  const one = () => {
    const shape = rng.int(10);
    const core = `v${rng.pick(numbers)}.${rng.pick(numbers)}.${rng.pick(numbers)}`;
    if (shape === 0) return `v${rng.pick(numbers)}`;
    if (shape === 1) return `v${rng.pick(numbers)}.${rng.pick(numbers)}`;
    let s = core;
    if (rng.chance(0.6)) {
      const n = 1 + rng.int(3);
      const pre = Array.from({ length: n }, () => rng.pick(ids));
      s += `-${pre.join('.')}`;
    }
    if (rng.chance(0.2)) s += rng.pick(['+incompatible', '+build.01', '+meta', '+a.b-c']);
    if (rng.chance(0.05)) s += rng.pick(['-', '+', '.', '..1']);
    return s;
  };
  return build(
    count,
    one,
    words(`
    v0 v1 v1.0 v1.0.0 v1.2 v1.2.0 v1.2.3 v1.2.3-pre v1.2.3-pre.1 v1.2.3-pre.2 v1.2.3-pre.10
    v1.2.3-pre.a v1.2.3-0 v1.2.3-1.0 v2.0.0+incompatible v2.0.0
    v0.0.0-20191109021931-daa7c04131f5 v0.0.0-20200101000000-abcdefabcdef
    v1.2.4-0.20191109021931-daa7c04131f5 v1.2.3-pre.0.20191109021931-daa7c04131f5 v1.2.3+build
    v1.2.3+build.2 v1.2-pre v1.2.3- v1.2.3+ v1.2.3-01 v01.2.3 v1.2.3-a..b V1.2.3 v v1. v1.2.3.4
    v1.2.3-rc.1+incompatible
  `),
  );
}

/** PEP 440 versions: every spelling of pre/post/dev, epochs, local labels, case, "v". */
export function pep440Corpus(seed: number, count: number): string[] {
  const rng = random(seed);
  const numbers = ['0', '1', '2', '10', '01', '00', '2024'];
  const seps = ['', '', '.', '-', '_'];
  const cased = (s: string) => (rng.chance(0.15) ? s.toUpperCase() : s);
  const one = () => {
    let s = rng.chance(0.1) ? cased('v') : '';
    if (rng.chance(0.1)) s += `${rng.pick(numbers)}!`;
    s += Array.from({ length: 1 + rng.int(4) }, () => rng.pick(numbers)).join('.');
    if (rng.chance(0.35)) {
      const label = rng.pick(['a', 'b', 'c', 'rc', 'alpha', 'beta', 'pre', 'preview']);
      s +=
        rng.pick(seps) + cased(label) + (rng.chance(0.8) ? rng.pick(seps) + rng.pick(numbers) : '');
    }
    if (rng.chance(0.25)) {
      s += rng.chance(0.3)
        ? `-${rng.pick(numbers)}`
        : rng.pick(seps) +
          cased(rng.pick(['post', 'rev', 'r'])) +
          (rng.chance(0.8) ? rng.pick(seps) + rng.pick(numbers) : '');
    }
    if (rng.chance(0.25)) {
      s +=
        rng.pick(seps) + cased('dev') + (rng.chance(0.8) ? rng.pick(seps) + rng.pick(numbers) : '');
    }
    if (rng.chance(0.2)) {
      const segs = ['ubuntu', '1', '01', 'abc', 'ABC', '1e5', '0x1', 'z', '10', 'cpu', 'cu118'];
      s += `+${Array.from({ length: 1 + rng.int(3) }, () => rng.pick(segs)).join(rng.pick(['.', '-', '_']))}`;
    }
    if (rng.chance(0.04)) s += rng.pick(['+', '.', '-', '..1', '_', '+a..b', 'x']);
    return s;
  };
  return build(
    count,
    one,
    words(`
    1.0 1.0.0 1 1.0a1 1.0b1 1.0rc1 1.0c1 1.0.dev1 1.0a1.dev1 1.0.post1 1.0.post1.dev1 1.0-1
    1.0_post1 1.0-r1 1.0rev1 1!1.0 0!1.0 1.0+local 1.0+local.1 1.0+1 1.0+abc 1.0+1e5 1.0+0x1
    1.0+ABC v1.0 V1.0 1.0alpha 1.0-alpha-1 1.0.Alpha.1 1.0preview2 1.0pre 1.0.a 01.0 1.01
    1.0.post 1.0.dev 1.0a.post 1.0-dev 2.31.0 0.0 0
  `),
  );
}
