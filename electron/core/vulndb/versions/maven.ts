// Maven versions ordered as Maven 3.8's ComparableVersion orders them. A version is split into
// items at ".", "-" and every change between digits and letters; "-" (and a letter run after a
// ".") opens a nested list. Numbers compare numerically; qualifiers rank
//   alpha (a1) < beta (b1) < milestone (m1) < rc = cr < snapshot < "" = ga = final = release < sp
// and any other qualifier sorts after those, alphabetically. Trailing zeros and empty
// qualifiers are dropped ("1.0.0" = "1" = "1-ga"), so missing items compare as zero or "".
import { invalid, valid, type Ordering, type Parsed } from './types';

type Item =
  // Maven keeps numbers as int, long or BigInteger by their digit count and orders the three
  // kinds before their values; `size` mirrors that (0, 1, 2).
  | { kind: 'number'; size: number; value: bigint }
  | { kind: 'string'; value: string }
  | { kind: 'list'; items: Item[] };

export type MavenVersion = Item & { kind: 'list' };

const QUALIFIERS = ['alpha', 'beta', 'milestone', 'rc', 'snapshot', '', 'sp'];
const RELEASE = String(QUALIFIERS.indexOf(''));
const ALIASES: Record<string, string> = { ga: '', final: '', release: '', cr: 'rc' };
const SHORTHANDS: Record<string, string> = { a: 'alpha', b: 'beta', m: 'milestone' };

/** Known qualifiers rank by position; unknown ones after all of them, alphabetically. */
function comparable(qualifier: string): string {
  const i = QUALIFIERS.indexOf(qualifier);
  return i === -1 ? `${QUALIFIERS.length}-${qualifier}` : String(i);
}

const compareStrings = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function numberItem(digits: string): Item {
  const stripped = digits.replace(/^0+(?=.)/, '');
  // An all-zero run keeps its length, as Maven's stripLeadingZeroes does.
  const kept = /^0+$/.test(digits) ? digits : stripped;
  const size = kept.length <= 9 ? 0 : kept.length <= 18 ? 1 : 2;
  return { kind: 'number', size, value: BigInt(kept) };
}

function stringItem(text: string, followedByDigit: boolean): Item {
  const value = followedByDigit && text.length === 1 ? (SHORTHANDS[text] ?? text) : text;
  return { kind: 'string', value: ALIASES[value] ?? value };
}

function isNull(item: Item): boolean {
  if (item.kind === 'number') return item.value === 0n;
  if (item.kind === 'string') return comparable(item.value) === RELEASE;
  return item.items.length === 0;
}

/** Compares an item with nothing (the other version has no item here). */
function compareWithNothing(item: Item): number {
  if (item.kind === 'number') return item.value === 0n ? 0 : 1;
  if (item.kind === 'string') return compareStrings(comparable(item.value), RELEASE);
  for (const inner of item.items) {
    const result = compareWithNothing(inner);
    if (result !== 0) return result;
  }
  return 0;
}

function compareItems(a: Item, b: Item): number {
  switch (a.kind) {
    case 'number':
      if (b.kind !== 'number') return 1; // 1.1 > 1-sp and 1.1 > 1-1
      if (a.size !== b.size) return a.size < b.size ? -1 : 1;
      return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
    case 'string':
      if (b.kind !== 'string') return -1; // 1.any < 1.1 and 1.any < 1-1
      return compareStrings(comparable(a.value), comparable(b.value));
    case 'list': {
      if (b.kind === 'number') return -1;
      if (b.kind === 'string') return 1;
      const n = Math.max(a.items.length, b.items.length);
      for (let i = 0; i < n; i++) {
        const l = a.items[i];
        const r = b.items[i];
        const result =
          l === undefined
            ? r === undefined
              ? 0
              : -compareWithNothing(r)
            : r === undefined
              ? compareWithNothing(l)
              : compareItems(l, r);
        if (result !== 0) return result;
      }
      return 0;
    }
  }
}

function normalize(list: Item[]): void {
  for (let i = list.length - 1; i >= 0; i--) {
    const last = list[i]!;
    if (isNull(last)) list.splice(i, 1);
    else if (last.kind !== 'list') break;
  }
}

const isDigitChar = (c: string) => c >= '0' && c <= '9';

export function parseMaven(text: string): Parsed<MavenVersion> {
  if (text === '') return invalid('it is empty');
  if (!/^[\x21-\x7e]+$/.test(text)) {
    return invalid('it may hold only printable ASCII characters without spaces');
  }
  const version = text.toLowerCase();
  const root: MavenVersion = { kind: 'list', items: [] };
  let list = root;
  const stack: MavenVersion[] = [root];
  const open = () => {
    const inner: MavenVersion = { kind: 'list', items: [] };
    list.items.push(inner);
    list = inner;
    stack.push(inner);
  };
  const item = (digits: boolean, s: string) => (digits ? numberItem(s) : stringItem(s, false));
  let isDigit = false;
  let start = 0;
  for (let i = 0; i < version.length; i++) {
    const c = version[i]!;
    if (c === '.' || c === '-') {
      list.items.push(i === start ? numberItem('0') : item(isDigit, version.slice(start, i)));
      start = i + 1;
      if (c === '-') open();
    } else if (isDigitChar(c)) {
      if (!isDigit && i > start) {
        // A qualifier after "." is treated like one after "-": 1.0.0.X1 < 1.0.0-X2.
        if (list.items.length > 0) open();
        list.items.push(stringItem(version.slice(start, i), true));
        start = i;
        open();
      }
      isDigit = true;
    } else {
      if (isDigit && i > start) {
        list.items.push(numberItem(version.slice(start, i)));
        start = i;
        open();
      }
      isDigit = false;
    }
  }
  if (version.length > start) {
    if (!isDigit && list.items.length > 0) open();
    list.items.push(item(isDigit, version.slice(start)));
  }
  for (let inner = stack.pop(); inner; inner = stack.pop()) normalize(inner.items);
  return valid(root);
}

export const maven: Ordering<MavenVersion> = {
  scheme: 'maven',
  example: '2.17.1',
  parse: parseMaven,
  compare: compareItems,
};
