import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json';

describe('canonicalJson (RFC 8785)', () => {
  it('sorts members by UTF-16 code units, as the RFC example does', () => {
    const value = {
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One',
      '\ud83d\ude00': 'Emoji: Grinning Face',
      '\u0080': 'Control',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
    };
    // Read the member names in the order they were written (JSON.parse would reorder "1").
    const names = [...canonicalJson(value).matchAll(/"((?:[^"\\]|\\.)*)":/g)].map((m) =>
      (JSON.parse(`"${m[1]}"`) as string).codePointAt(0)!.toString(16),
    );
    expect(names).toEqual(['d', '31', '80', 'f6', '20ac', '1f600', 'fb33']);
  });

  it('writes numbers in ECMAScript shortest form', () => {
    expect(canonicalJson([333333333.3333333, 1e30, 4.5, 2e-3, 0.000000000000000000000000001])).toBe(
      '[333333333.3333333,1e+30,4.5,0.002,1e-27]',
    );
    expect(canonicalJson(-0)).toBe('0');
    expect(canonicalJson(9007199254740991)).toBe('9007199254740991');
  });

  it('escapes strings minimally and keeps other characters literal', () => {
    expect(canonicalJson('\u20ac$\u000f\nA\'B"\\\\"/\u2028')).toBe(
      '"\u20ac$\\u000f\\nA\'B\\"\\\\\\\\\\"/\u2028"',
    );
  });

  it('has no white space and drops undefined members', () => {
    expect(canonicalJson({ b: [1, { d: true, c: null }], a: 'x', u: undefined })).toBe(
      '{"a":"x","b":[1,{"c":null,"d":true}]}',
    );
  });

  it('refuses values JSON cannot carry', () => {
    expect(() => canonicalJson(Number.NaN)).toThrow(/no JSON form/);
    expect(() => canonicalJson({ a: Infinity })).toThrow(/\$\.a/);
    expect(() => canonicalJson('\ud800')).toThrow(/lone surrogate/);
    expect(() => canonicalJson({ f: () => 1 })).toThrow(/function/);
    expect(() => canonicalJson(10n)).toThrow(/bigint/);
  });
});
