/** The version orderings the matcher knows, one per packaging world. */
export type VersionScheme = 'dpkg' | 'rpm' | 'apk' | 'maven' | 'go' | 'npm' | 'pep440';

/** A parsed version, or why the text is not a version of the scheme. */
export type Parsed<P> = { ok: true; value: P } | { ok: false; reason: string };

/**
 * One scheme's ordering. Parsing is separate from comparing so that a version is checked, and
 * refused with its reason, before anything is ordered.
 */
export interface Ordering<P> {
  readonly scheme: VersionScheme;
  /** What the scheme's versions look like, for error messages. */
  readonly example: string;
  parse(text: string): Parsed<P>;
  /** Negative, zero or positive, like a sort comparator. */
  compare(a: P, b: P): number;
}

export const valid = <P>(value: P): Parsed<P> => ({ ok: true, value });
export const invalid = <P>(reason: string): Parsed<P> => ({ ok: false, reason });

/** -1, 0 or 1 from any number's sign, for comparators built from differences. */
export const sign = (n: number): number => (n < 0 ? -1 : n > 0 ? 1 : 0);

/** Compares two strings of ASCII digits by numeric value, at any length. */
export function compareDigits(a: string, b: string): number {
  const x = a.replace(/^0+/, '');
  const y = b.replace(/^0+/, '');
  if (x.length !== y.length) return x.length < y.length ? -1 : 1;
  return x < y ? -1 : x > y ? 1 : 0;
}
