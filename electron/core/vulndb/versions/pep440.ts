// Python package versions ordered by PEP 440, as pip and `packaging` order them. The public
// part (epoch, release, pre, post, dev) is parsed and ordered by @renovatebot/pep440; the local
// part (+ubuntu1.2) is ordered here, because that library reads local segments such as "1e5"
// or "0x1" as JavaScript numbers where PEP 440 treats them as text.
import { compare as comparePublic, valid as isValidPublic } from '@renovatebot/pep440';
import { compareDigits, invalid, valid, type Ordering, type Parsed } from './types';

export interface Pep440Version {
  public: string;
  /** Local segments, lower-cased; undefined without a "+" part. */
  local: string[] | undefined;
}

// Local version labels: alphanumerics separated by ".", "-" or "_".
const LOCAL = /^[a-z0-9]+(?:[-_.][a-z0-9]+)*$/i;

export function parsePep440(text: string): Parsed<Pep440Version> {
  const plus = text.indexOf('+');
  const publicPart = plus < 0 ? text : text.slice(0, plus);
  const localPart = plus < 0 ? undefined : text.slice(plus + 1);
  if (isValidPublic(publicPart) === null || (localPart !== undefined && !LOCAL.test(localPart))) {
    return invalid('it is not a PEP 440 version like 1.2.3, 2!1.0rc1.post2.dev3 or 1.0+local.1');
  }
  // The library holds numbers as JavaScript numbers: refuse what they cannot hold exactly.
  if ((publicPart.match(/[0-9]+/g) ?? []).some(tooLarge)) {
    return invalid('a number in it is too large to compare exactly');
  }
  return valid({ public: publicPart, local: localPart?.toLowerCase().split(/[-_.]/) });
}

const tooLarge = (digits: string) => compareDigits(digits, String(Number.MAX_SAFE_INTEGER)) > 0;
const isNumeric = (segment: string) => /^[0-9]+$/.test(segment);

/** PEP 440 local labels: numbers numerically and after text, text alphabetically, then length. */
function compareLocal(a: string[] | undefined, b: string[] | undefined): number {
  if (a === undefined || b === undefined) return a === b ? 0 : a === undefined ? -1 : 1;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i]!;
    const y = b[i]!;
    const xn = isNumeric(x);
    const yn = isNumeric(y);
    const diff =
      xn && yn ? compareDigits(x, y) : xn !== yn ? (xn ? 1 : -1) : x < y ? -1 : x > y ? 1 : 0;
    if (diff !== 0) return diff;
  }
  return a.length - b.length;
}

export const pep440: Ordering<Pep440Version> = {
  scheme: 'pep440',
  example: '2.31.0',
  parse: parsePep440,
  compare: (a, b) => comparePublic(a.public, b.public) || compareLocal(a.local, b.local),
};
