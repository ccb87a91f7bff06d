import { describe, it } from 'vitest';
import {
  expectAscending,
  expectInvalid,
} from '../../../../tests/support/version-oracles/expect-order';

describe('PEP 440 version ordering', () => {
  it("follows PEP 440's own example", () => {
    expectAscending('PyPI', [
      '1.0.dev456',
      '1.0a1',
      '1.0a2.dev456',
      '1.0a12.dev456',
      '1.0a12',
      '1.0b1.dev456',
      '1.0b2',
      '1.0b2.post345.dev456',
      '1.0b2.post345',
      '1.0rc1.dev456',
      '1.0rc1',
      '1.0',
      '1.0+abc.5',
      '1.0+abc.7',
      '1.0+5',
      '1.0.post456.dev34',
      '1.0.post456',
      '1.0.15',
      '1.1.dev1',
      '1!0.1',
    ]);
  });

  it('normalises alternative spellings', () => {
    expectAscending('pep440', [
      ['1.0a1', '1.0alpha1', '1.0-a-1', '1.0.A.1', 'v1.0a1'],
      ['1.0rc1', '1.0c1', '1.0pre1', '1.0preview1', '1.0-RC-1'],
      ['1.0', '1.0.0', 'v1.0', '1.0.0.0', '0!1.0', '01.00'],
      ['1.0.post1', '1.0-1', '1.0post1', '1.0.rev1', '1.0-r1', '1.0_post_1'],
    ]);
  });

  it('orders local labels: text before numbers, numbers numerically, longer last', () => {
    expectAscending('pep440', [
      '1.0',
      '1.0+0x1',
      ['1.0+1e5', '1.0+1E5'],
      ['1.0+abc', '1.0+ABC'],
      ['1.0+abc.1', '1.0+abc-1', '1.0+abc_01'],
      ['1.0+1', '1.0+01'],
      '1.0+2',
      '1.0+10',
      '1.0+10.a',
      '1.0.post0',
    ]);
  });

  it('refuses what is not PEP 440, and numbers too large to compare exactly', () => {
    expectInvalid(
      'pep440',
      [
        '',
        'foo',
        '1.0.',
        '1.0+',
        '1.0+a..b',
        '1.0 ',
        ' 1.0',
        '1.0-',
        '1.0+a+b',
        '99999999999999999999.0',
        '1.0a99999999999999999999',
      ],
      '1.0',
    );
  });
});
