import { describe, it } from 'vitest';
import {
  expectAscending,
  expectInvalid,
} from '../../../../tests/support/version-oracles/expect-order';

describe('Maven version ordering', () => {
  it('ranks qualifiers and their aliases around the release', () => {
    expectAscending('Maven', [
      ['1.0-alpha', '1.0-alpha-0'],
      ['1.0-alpha-1', '1.0-a1', '1.0-alpha1', '1.0-ALPHA-1'],
      '1.0-alpha-2',
      ['1.0-beta-1', '1.0-b1'],
      ['1.0-milestone-1', '1.0-M1', '1.0-m1'],
      ['1.0-rc-1', '1.0-cr-1', '1.0-RC1', '1.0-CR1'],
      ['1.0-SNAPSHOT', '1.0-snapshot'],
      [
        '1.0',
        '1',
        '1.0.0',
        '1-0',
        '1.0-0',
        '1-ga',
        '1.ga',
        '1-final',
        '1.0.Final',
        '1-release',
        '1.0.RELEASE',
        '1-0.0',
      ],
      ['1.0-sp', '1.0-SP'],
      '1.0-sp-1',
      ['1.0-foo', '1.0.foo'],
      '1.0-jre',
      '1.0-1',
      '1.0.0.1',
      '1.0.1',
      ['1.0.10', '1.0.010'],
      '1.1',
      '1.10',
      '2',
    ]);
  });

  it('treats a qualifier after "." like one after "-"', () => {
    expectAscending('maven', ['1.0.0.x1', '1.0.0-x2']);
    expectAscending('maven', ['31.1-android', '31.1-jre', '31.1.1-android']);
    expectAscending('maven', ['2.0.0.RC1', '2.0.0']);
  });

  it('orders numbers of any size, by kind first as Maven 3.8 does', () => {
    expectAscending('maven', ['1.999999999', '1.1234567890', '1.12345678901234567890']);
    // A ten-digit zero is a "long" item, and Maven ranks any long above any int.
    expectAscending('maven', ['1.1.1', '1.0000000000.1']);
  });

  it('refuses empty versions and ones with spaces or non-ASCII characters', () => {
    expectInvalid('maven', ['', '1.0 ', '1 0', '1.0-é', '1.0\t'], '1.0');
  });
});
