import { describe, expect, it } from 'vitest';
import { ConsignError } from '../../errors';
import {
  compareVersions,
  ecosystemScheme,
  isValidVersion,
  VERSION_SCHEMES,
  versionOrdering,
} from './index';

describe('version schemes by OSV ecosystem', () => {
  it('maps OSV ecosystem names, with or without a release suffix', () => {
    const cases: Record<string, string | undefined> = {
      Debian: 'dpkg',
      'Debian:12': 'dpkg',
      'Ubuntu:22.04': 'dpkg',
      'Ubuntu:Pro:18.04:LTS': 'dpkg',
      'Alpine:v3.19': 'apk',
      Wolfi: 'apk',
      'Red Hat': 'rpm',
      'Red Hat:enterprise_linux:9::appstream': 'rpm',
      AlmaLinux: 'rpm',
      'AlmaLinux:9': 'rpm',
      'Rocky Linux:8': 'rpm',
      'openSUSE:Leap 15.5': 'rpm',
      npm: 'npm',
      PyPI: 'pep440',
      Go: 'go',
      Maven: 'maven',
      crates: undefined,
      debian: undefined,
      '': undefined,
      toString: undefined,
    };
    for (const [ecosystem, scheme] of Object.entries(cases)) {
      expect(ecosystemScheme(ecosystem), ecosystem).toBe(scheme);
    }
  });

  it('accepts scheme names as well, and resolves an ordering once for many comparisons', () => {
    for (const scheme of VERSION_SCHEMES) expect(versionOrdering(scheme).scheme).toBe(scheme);
    const debian = versionOrdering('Debian:12');
    const sorted = ['1.0-1', '1.0~rc1-1', '1:0.9-1', '1.0-1+deb12u1'].sort(debian.compare);
    expect(sorted).toEqual(['1.0~rc1-1', '1.0-1', '1.0-1+deb12u1', '1:0.9-1']);
  });

  it('returns -1, 0 or 1 whatever the scheme computes inside', () => {
    expect(compareVersions('dpkg', '1.0a', '1.0z')).toBe(-1);
    expect(compareVersions('dpkg', '1.0z', '1.0a')).toBe(1);
    expect(compareVersions('apk', '1.0_alpha', '1.0_p1')).toBe(-1);
    expect(compareVersions('npm', '1.0.0+a', '1.0.0+b')).toBe(0);
  });

  it('refuses an unknown ecosystem with BAD_INPUT, and calls its versions invalid', () => {
    let error: unknown;
    try {
      compareVersions('crates.io', '1.0.0', '1.0.1');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConsignError);
    expect((error as ConsignError).code).toBe('BAD_INPUT');
    expect((error as ConsignError).message).toContain('crates.io');
    expect((error as ConsignError).remedy).toContain('Debian');
    expect(isValidVersion('crates.io', '1.0.0')).toBe(false);
  });

  it('says which version is wrong, why, and what a good one looks like', () => {
    let error: unknown;
    try {
      compareVersions('Debian:12', '1.0', '1.0-');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConsignError);
    expect((error as ConsignError).message).toBe(
      '"1.0-" is not a valid Debian (dpkg) version: the revision after the last "-" is empty.',
    );
    expect((error as ConsignError).remedy).toContain('1:2.36-9+deb12u4');
  });
});
