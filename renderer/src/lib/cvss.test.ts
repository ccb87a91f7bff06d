import { describe, expect, it } from 'vitest';
import { cvssVersionOf } from './cvss';

describe('cvssVersionOf', () => {
  it('reads the version from the vector prefix', () => {
    expect(cvssVersionOf('CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N')).toBe(
      '4.0',
    );
    expect(cvssVersionOf('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H')).toBe('3.1');
    expect(cvssVersionOf('CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N')).toBe('3.0');
  });

  it('names no version for a vector without the prefix, or no vector', () => {
    // CVSS v2 vectors carry no version prefix.
    expect(cvssVersionOf('AV:N/AC:L/Au:N/C:P/I:P/A:P')).toBeUndefined();
    expect(cvssVersionOf('CVSS:4.0')).toBeUndefined();
    expect(cvssVersionOf('')).toBeUndefined();
    expect(cvssVersionOf(undefined)).toBeUndefined();
  });
});
