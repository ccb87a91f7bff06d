import { describe, it } from 'vitest';
import {
  expectAscending,
  expectInvalid,
} from '../../../../tests/support/version-oracles/expect-order';

describe('Go module version ordering', () => {
  it('orders pre-releases and pseudo-versions before their release, ignoring build metadata', () => {
    expectAscending('Go', [
      'v0.0.0-20191109021931-daa7c04131f5',
      'v0.0.0-20200101000000-abcdefabcdef',
      ['v0.0.0', 'v0', '0.0.0'],
      'v0.1.0',
      'v1.0.0-0',
      'v1.0.0-1',
      'v1.0.0-10',
      'v1.0.0-alpha',
      'v1.0.0-alpha.1',
      'v1.0.0-alpha.beta',
      'v1.0.0-beta',
      'v1.0.0-beta.2',
      'v1.0.0-beta.11',
      ['v1.0.0-rc.1', 'v1.0.0-rc.1+build.5'],
      ['v1.0.0', 'v1', 'v1.0', '1.0.0', 'v1.0.0+meta'],
      'v1.2.3-pre.0.20191109021931-daa7c04131f5',
      'v1.2.3',
      'v1.2.4-0.20191109021931-daa7c04131f5',
      'v1.2.4',
      ['v2.0.0+incompatible', 'v2.0.0', '2.0.0'],
      'v10.0.0',
      'v123456789012345678901234567890.0.0',
    ]);
  });

  it('refuses what x/mod/semver does not accept', () => {
    expectInvalid(
      'go',
      [
        '',
        'v',
        'v1.',
        'v1.2-pre',
        'v1.2+meta',
        'v1.2.3-',
        'v1.2.3+',
        'v1.2.3-01',
        'v01.2.3',
        'v1.2.3-a..b',
        'V1.2.3',
        'v1.2.3.4',
        'latest',
        'v1.2.3 ',
      ],
      'v1.0.0',
    );
  });
});
