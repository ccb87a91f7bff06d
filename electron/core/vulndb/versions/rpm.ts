// RPM versions ([epoch:]version[-release]) ordered as rpm orders them: the epoch numerically
// (missing = 0), then version and release each by rpm's rpmvercmp. A missing release sorts
// before any release, as rpm's labelCompare does.
import { compareDigits, invalid, valid, type Ordering, type Parsed } from './types';

export interface RpmVersion {
  epoch: string;
  version: string;
  release: string | undefined;
}

// What rpmbuild lets into Version and Release once macros are expanded.
const PART_CHARS = /^[A-Za-z0-9._+~^]+$/;

export function parseRpm(text: string): Parsed<RpmVersion> {
  if (text === '') return invalid('it is empty');
  let rest = text;
  let epoch = '0';
  const epochMatch = /^([0-9]*):/.exec(rest);
  if (epochMatch) {
    if (epochMatch[1] === '') return invalid('the epoch before ":" is empty');
    epoch = epochMatch[1]!;
    rest = rest.slice(epochMatch[0].length);
  }
  let release: string | undefined;
  const hyphen = rest.lastIndexOf('-');
  if (hyphen >= 0) {
    release = rest.slice(hyphen + 1);
    rest = rest.slice(0, hyphen);
    if (release === '') return invalid('the release after the last "-" is empty');
    if (!PART_CHARS.test(release)) {
      return invalid('the release may hold only letters, digits and "." "_" "+" "~" "^"');
    }
  }
  if (rest === '') return invalid('the version is empty');
  if (!PART_CHARS.test(rest)) {
    return invalid('the version may hold only letters, digits and "." "_" "+" "~" "^"');
  }
  return valid({ epoch, version: rest, release });
}

const isDigit = (c: number) => c >= 48 && c <= 57;
const isAlpha = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isAlnum = (c: number) => isDigit(c) || isAlpha(c);
const TILDE = 126;
const CARET = 94;

/**
 * rpmvercmp: runs of digits (numerically) and of letters (by ASCII) compared in turn, other
 * characters only separate them. "~" sorts before anything, even the end ("1.0~rc1" < "1.0");
 * "^" sorts after the end but before anything else ("1.0" < "1.0^git1" < "1.0.1").
 */
export function rpmvercmp(a: string, b: string): number {
  let i = 0;
  let j = 0;
  const at = (s: string, k: number) => (k < s.length ? s.charCodeAt(k) : 0);
  while (i < a.length || j < b.length) {
    while (i < a.length && !isAlnum(at(a, i)) && at(a, i) !== TILDE && at(a, i) !== CARET) i++;
    while (j < b.length && !isAlnum(at(b, j)) && at(b, j) !== TILDE && at(b, j) !== CARET) j++;
    const ca = at(a, i);
    const cb = at(b, j);
    if (ca === TILDE || cb === TILDE) {
      if (ca !== TILDE) return 1;
      if (cb !== TILDE) return -1;
      i++;
      j++;
      continue;
    }
    if (ca === CARET || cb === CARET) {
      if (i >= a.length) return -1;
      if (j >= b.length) return 1;
      if (ca !== CARET) return 1;
      if (cb !== CARET) return -1;
      i++;
      j++;
      continue;
    }
    if (i >= a.length || j >= b.length) break;
    const numeric = isDigit(ca);
    const inRun = numeric ? isDigit : isAlpha;
    const startA = i;
    const startB = j;
    while (i < a.length && inRun(at(a, i))) i++;
    while (j < b.length && inRun(at(b, j))) j++;
    // A digit run against a letter run: the digits are newer.
    if (j === startB) return numeric ? 1 : -1;
    const segA = a.slice(startA, i);
    const segB = b.slice(startB, j);
    const diff = numeric ? compareDigits(segA, segB) : segA < segB ? -1 : segA > segB ? 1 : 0;
    if (diff !== 0) return diff;
  }
  if (i >= a.length && j >= b.length) return 0;
  return i >= a.length ? -1 : 1;
}

export const rpm: Ordering<RpmVersion> = {
  scheme: 'rpm',
  example: '1:3.0.7-24.el9',
  parse: parseRpm,
  compare(a, b) {
    const epoch = compareDigits(a.epoch, b.epoch);
    if (epoch !== 0) return epoch;
    const version = rpmvercmp(a.version, b.version);
    if (version !== 0) return version;
    if (a.release === undefined || b.release === undefined) {
      return a.release === b.release ? 0 : a.release === undefined ? -1 : 1;
    }
    return rpmvercmp(a.release, b.release);
  },
};
