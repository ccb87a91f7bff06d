import { describe, it } from 'vitest';
import {
  expectAscending,
  expectInvalid,
} from '../../../../tests/support/version-oracles/expect-order';

describe('npm version ordering', () => {
  it('follows Semantic Versioning 2.0, ignoring build metadata', () => {
    expectAscending('npm', [
      '1.0.0-0',
      '1.0.0-alpha',
      '1.0.0-alpha.1',
      '1.0.0-alpha.beta',
      '1.0.0-beta',
      '1.0.0-beta.2',
      '1.0.0-beta.11',
      '1.0.0-rc.1',
      ['1.0.0', '1.0.0+build.1', 'v1.0.0'],
      '1.0.1',
      '1.10.0',
      '2.0.0',
    ]);
  });

  it('refuses ranges, loose forms and numbers it cannot compare exactly', () => {
    expectInvalid(
      'npm',
      [
        '',
        '1',
        '1.0',
        '01.0.0',
        '1.0.0-01',
        ' 1.0.0',
        '~1.0.0',
        '^1.0.0',
        '1.0.0-',
        'latest',
        '1.0.0-99999999999999999999',
        '9007199254740992.0.0',
      ],
      '1.0.0',
    );
  });
});
