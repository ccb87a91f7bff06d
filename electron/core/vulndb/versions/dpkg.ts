// Debian package versions ([epoch:]upstream[-revision]) ordered as dpkg orders them: epochs
// numerically, then upstream and revision each by dpkg's verrevcmp algorithm.
import { compareDigits, invalid, valid, type Ordering, type Parsed } from './types';

export interface DpkgVersion {
  epoch: number;
  upstream: string;
  revision: string;
}

// dpkg stores the epoch in an int and refuses larger values.
const MAX_EPOCH = 2 ** 31 - 1;
const UPSTREAM_CHARS = /^[A-Za-z0-9.+~:-]+$/;
const REVISION_CHARS = /^[A-Za-z0-9.+~]+$/;

export function parseDpkg(text: string): Parsed<DpkgVersion> {
  if (text === '') return invalid('it is empty');
  if (/\s/.test(text)) return invalid('it contains whitespace');
  let rest = text;
  let epoch = 0;
  const colon = rest.indexOf(':');
  if (colon >= 0) {
    const digits = rest.slice(0, colon);
    if (digits === '') return invalid('the epoch before ":" is empty');
    if (!/^[0-9]+$/.test(digits)) return invalid('the epoch before ":" is not a number');
    if (compareDigits(digits, String(MAX_EPOCH)) > 0) return invalid('the epoch is too large');
    epoch = Number(digits);
    rest = rest.slice(colon + 1);
    if (rest === '') return invalid('nothing follows the epoch');
  }
  // The revision is whatever follows the last hyphen, so upstream may itself hold hyphens.
  let revision = '';
  const hyphen = rest.lastIndexOf('-');
  if (hyphen >= 0) {
    revision = rest.slice(hyphen + 1);
    rest = rest.slice(0, hyphen);
    if (revision === '') return invalid('the revision after the last "-" is empty');
    if (!REVISION_CHARS.test(revision)) {
      return invalid('the revision may hold only letters, digits and "." "+" "~"');
    }
  }
  if (rest === '') return invalid('the upstream version is empty');
  if (!/^[0-9]/.test(rest)) return invalid('the upstream version does not start with a digit');
  if (!UPSTREAM_CHARS.test(rest)) {
    return invalid('the upstream version may hold only letters, digits and "." "+" "~" ":" "-"');
  }
  return valid({ epoch, upstream: rest, revision });
}

const isDigit = (c: number) => c >= 48 && c <= 57;
const isAlpha = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);

/** Weight of one non-digit character: "~" first, then the end, letters, then the rest. */
function order(c: number | undefined): number {
  if (c === undefined || isDigit(c)) return 0;
  if (isAlpha(c)) return c;
  if (c === 126 /* ~ */) return -1;
  return c + 256;
}

/** dpkg's verrevcmp: alternating runs of non-digits (by weight) and digits (numerically). */
export function verrevcmp(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while (
      (i < a.length && !isDigit(a.charCodeAt(i))) ||
      (j < b.length && !isDigit(b.charCodeAt(j)))
    ) {
      const ac = order(i < a.length ? a.charCodeAt(i) : undefined);
      const bc = order(j < b.length ? b.charCodeAt(j) : undefined);
      if (ac !== bc) return ac - bc;
      i++;
      j++;
    }
    const startA = i;
    const startB = j;
    while (i < a.length && isDigit(a.charCodeAt(i))) i++;
    while (j < b.length && isDigit(b.charCodeAt(j))) j++;
    const diff = compareDigits(a.slice(startA, i), b.slice(startB, j));
    if (diff !== 0) return diff;
  }
  return 0;
}

export const dpkg: Ordering<DpkgVersion> = {
  scheme: 'dpkg',
  example: '1:2.36-9+deb12u4',
  parse: parseDpkg,
  compare(a, b) {
    if (a.epoch !== b.epoch) return a.epoch < b.epoch ? -1 : 1;
    return verrevcmp(a.upstream, b.upstream) || verrevcmp(a.revision, b.revision);
  },
};
