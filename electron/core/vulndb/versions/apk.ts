// Alpine package versions ordered as apk-tools 3 orders them:
//   digits{.digits}[letter]{_suffix[digits]}[~commithash][-rN]
// e.g. 1.2.3b_rc2_p1~1a2b3c-r4. Numbers compare numerically, except that a dot-number with a
// leading zero compares as a string (a decimal fraction: 1.02 < 1.1); pre-release suffixes
// (_alpha _beta _pre _rc) sort before the bare version and post-release ones (_cvs _svn _git
// _hg _p) after it.
import { compareDigits, invalid, valid, type Ordering, type Parsed } from './types';

// Token kinds in the order they may follow one another; the order also decides which of two
// versions is newer when one ends where the other goes on (see compareApk).
const Kind = {
  InitialDigit: 0,
  Digit: 1,
  Letter: 2,
  Suffix: 3,
  SuffixNumber: 4,
  CommitHash: 5,
  Revision: 6,
  End: 7,
} as const;
type Kind = (typeof Kind)[keyof typeof Kind];

// Pre-release suffixes rank below NONE (the bare version), post-release ones above.
const SUFFIX_RANK: Record<string, number> = {
  alpha: 1,
  beta: 2,
  pre: 3,
  rc: 4,
  cvs: 6,
  svn: 7,
  git: 8,
  hg: 9,
  p: 10,
};
const NONE = 5;

export interface ApkToken {
  kind: Kind;
  text: string;
  /** Suffix rank for suffix tokens. */
  rank: number;
}

export type ApkVersion = ApkToken[];

export function parseApk(text: string): Parsed<ApkVersion> {
  const tokens: ApkToken[] = [];
  let pos = 0;
  const take = (re: RegExp): string => {
    re.lastIndex = pos;
    const m = re.exec(text);
    const s = m ? m[0] : '';
    pos += s.length;
    return s;
  };
  const DIGITS = /[0-9]*/y;
  const first = take(DIGITS);
  if (first === '') return invalid('it does not start with a number');
  tokens.push({ kind: Kind.InitialDigit, text: first, rank: 0 });
  let last: Kind = Kind.InitialDigit;
  while (pos < text.length) {
    const c = text[pos]!;
    if (c >= 'a' && c <= 'z') {
      if (last > Kind.Digit) return invalid(`the letter "${c}" is out of place`);
      tokens.push({ kind: Kind.Letter, text: c, rank: 0 });
      pos++;
      last = Kind.Letter;
    } else if (c === '.' || (c >= '0' && c <= '9')) {
      if (c === '.') {
        if (last > Kind.Digit) return invalid('a "." follows a letter, suffix or revision');
        pos++;
      }
      let kind: Kind;
      if (last === Kind.InitialDigit || last === Kind.Digit) kind = Kind.Digit;
      else if (last === Kind.Suffix) kind = Kind.SuffixNumber;
      else return invalid('a number is out of place');
      const digits = take(DIGITS);
      if (digits === '') return invalid('a "." is not followed by a number');
      tokens.push({ kind, text: digits, rank: 0 });
      last = kind;
    } else if (c === '_') {
      if (last > Kind.SuffixNumber)
        return invalid('a "_" suffix follows a commit hash or revision');
      pos++;
      const name = take(/[a-z]*/y);
      const rank = SUFFIX_RANK[name];
      if (rank === undefined) {
        return invalid(
          `"_${name}" is not a known suffix (alpha, beta, pre, rc, cvs, svn, git, hg, p)`,
        );
      }
      tokens.push({ kind: Kind.Suffix, text: name, rank });
      last = Kind.Suffix;
    } else if (c === '~') {
      if (last >= Kind.CommitHash) return invalid('a "~" commit hash is out of place');
      pos++;
      const hash = take(/[0-9a-f]*/y);
      if (hash === '') return invalid('"~" is not followed by a lowercase hex commit hash');
      tokens.push({ kind: Kind.CommitHash, text: hash, rank: 0 });
      last = Kind.CommitHash;
    } else if (c === '-') {
      if (last >= Kind.Revision) return invalid('there is more than one "-r" revision');
      if (text[pos + 1] !== 'r') return invalid('a "-" is not followed by "r" and a number');
      pos += 2;
      const digits = take(DIGITS);
      if (digits === '') return invalid('"-r" is not followed by a number');
      tokens.push({ kind: Kind.Revision, text: digits, rank: 0 });
      last = Kind.Revision;
    } else {
      return invalid(`the character ${JSON.stringify(c)} is not allowed`);
    }
  }
  return valid(tokens);
}

const compareStrings = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function compareToken(a: ApkToken, b: ApkToken): number {
  switch (a.kind) {
    case Kind.Digit:
      // A leading zero makes the component a decimal fraction, compared as text.
      if (a.text.startsWith('0') || b.text.startsWith('0')) return compareStrings(a.text, b.text);
      return compareDigits(a.text, b.text);
    case Kind.InitialDigit:
    case Kind.SuffixNumber:
    case Kind.Revision:
      return compareDigits(a.text, b.text);
    case Kind.Letter:
      return compareStrings(a.text, b.text);
    case Kind.Suffix:
      return a.rank - b.rank;
    default:
      return compareStrings(a.text, b.text);
  }
}

export function compareApk(a: ApkVersion, b: ApkVersion): number {
  const n = Math.min(a.length, b.length);
  let k = 0;
  for (; k < n; k++) {
    const x = a[k]!;
    const y = b[k]!;
    if (x.kind !== y.kind) break;
    const diff = compareToken(x, y);
    if (diff !== 0) return diff;
  }
  const x = a[k];
  const y = b[k];
  const kx = x?.kind ?? Kind.End;
  const ky = y?.kind ?? Kind.End;
  if (kx === ky) return 0;
  // Equal so far: the one that goes on is newer, unless what follows is a pre-release suffix;
  // between two different kinds, the earlier kind in a version is the newer.
  if (x?.kind === Kind.Suffix && x.rank < NONE) return -1;
  if (y?.kind === Kind.Suffix && y.rank < NONE) return 1;
  return kx > ky ? -1 : 1;
}

export const apk: Ordering<ApkVersion> = {
  scheme: 'apk',
  example: '3.1.4-r5',
  parse: parseApk,
  compare: compareApk,
};
