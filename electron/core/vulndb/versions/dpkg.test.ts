import { describe, expect, it } from 'vitest';
import {
  expectAscending,
  expectInvalid,
} from '../../../../tests/support/version-oracles/expect-order';
import { parseDpkg } from './dpkg';

describe('dpkg version ordering', () => {
  it('puts "~" before the end, the end before letters, letters before other characters', () => {
    expectAscending('dpkg', [
      '1.0~~',
      '1.0~~a',
      '1.0~',
      '1.0~rc1',
      '1.0~rc2',
      ['1.0', '1.0-0', '0:1.0', '1.00', '1.0-00', '00:1.0'],
      '1.0A',
      '1.0Z',
      '1.0a',
      '1.0z',
      '1.0+',
      '1.0+dfsg',
      '1.0.',
      '1.0.1',
      '1.0.9',
      ['1.0.10', '1.0.010'],
      '1.1',
      '2',
      '10',
      '1:0.1',
      '2:0',
    ]);
  });

  it('orders revisions, as backports, stable updates and Ubuntu builds need', () => {
    expectAscending('Debian:12', [
      '2.36-9~bpo11+1',
      '2.36-9',
      '2.36-9+b1',
      '2.36-9+deb12u4',
      '2.36-9+deb12u10',
      '2.36-9.1',
      '2.36-10',
    ]);
    expectAscending('Ubuntu:22.04:LTS', [
      '1.2.3-1ubuntu1~22.04.1',
      '1.2.3-1ubuntu1',
      '1.2.3-1ubuntu1.1',
      '1.2.3-1ubuntu2',
    ]);
  });

  it('splits the epoch at the first colon and the revision at the last hyphen', () => {
    expect(parseDpkg('1:2:3-4-5')).toEqual({
      ok: true,
      value: { epoch: 1, upstream: '2:3-4', revision: '5' },
    });
    expect(parseDpkg('1.0')).toEqual({
      ok: true,
      value: { epoch: 0, upstream: '1.0', revision: '' },
    });
    expectAscending('dpkg', ['1.0-1-1', '1.0-1-2', '1.0-2-1']);
  });

  it('refuses what dpkg refuses, saying why', () => {
    expectInvalid(
      'dpkg',
      [
        '',
        ' 1.0',
        '1.0 ',
        'a1.0',
        ':1.0',
        'x:1.0',
        '1:',
        '1.0-',
        '-1',
        '1.0_1',
        '1.0-1_1',
        '1.0-1:1',
        '2147483648:1.0',
        'é1',
        '1.0-1/2',
      ],
      '1.0',
    );
    expect(parseDpkg('1.0-')).toEqual({
      ok: false,
      reason: 'the revision after the last "-" is empty',
    });
  });
});
