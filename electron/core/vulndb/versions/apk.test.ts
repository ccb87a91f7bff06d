// No apk-tools can be installed on the Debian machines the differential tests run on, so the
// apk ordering is pinned here by a table written after apk-tools' own documented cases.
import { describe, expect, it } from 'vitest';
import {
  expectAscending,
  expectInvalid,
} from '../../../../tests/support/version-oracles/expect-order';
import { isValidVersion } from './index';

describe('apk version ordering', () => {
  it('puts pre-release suffixes before the release and post-release ones after it', () => {
    expectAscending('Alpine:v3.19', [
      '1.0_alpha',
      '1.0_alpha1',
      '1.0_alpha2',
      '1.0_alpha10_pre1',
      '1.0_alpha10',
      '1.0_beta1',
      '1.0_pre1',
      '1.0_rc1',
      '1.0_rc1-r1',
      ['1.0', '01.0'],
      '1.0-r0',
      '1.0-r1',
      '1.0-r10',
      '1.0_cvs',
      '1.0_svn',
      '1.0_git20240101',
      '1.0_hg',
      '1.0_p1',
      '1.0_p1-r1',
      '1.0_p2',
      '1.0a',
      '1.0b',
      '1.0.1',
      '1.1',
      '1.2',
      '1.10',
      '2',
      '10',
    ]);
  });

  it('compares a dot-number with a leading zero as a decimal fraction', () => {
    expectAscending('apk', ['1.0', '1.00', '1.001', '1.0015', '1.002', '1.01', '1.02', '1.1']);
    expectAscending('apk', ['8.2.0', '8.2.001']);
    expectAscending('apk', ['8.2.0015', '8.2.002']);
  });

  it('matches cases from real Alpine packages', () => {
    const pairs: Array<[string, string]> = [
      ['2.2.39-r1', '2.34'],
      ['1.0.4-r3', '2.2.39-r1'],
      ['1.1_alpha1', '1.1'],
      ['2.3.0b-r3', '2.3.0b-r4'],
      ['0.13_beta3', '0.13_beta4'],
      ['1.02', '7.15.1-r1'],
      ['1.02.07', '1.02.10-r1'],
      ['3.0.20060720', '20060720'],
      ['0.10.0', '0.10.0-r1'],
      ['1.1a', '1.3a'],
      ['2.6', '2.6.1'],
      ['0.1_pre20060817', '1.0.3'],
      ['4.3_p2-r5', '4.4_p1-r6'],
      ['2.9.11_pre20051101-r2', '2.9.11_pre20051101-r3'],
      ['4.09-r1', '4.5.14'],
      ['1.3_pre1-r1', '1.3.2'],
      ['1.0_p9-r0', '1.0_p10-r0'],
      ['0.1.0_alpha_pre2', '0.1.0_alpha'],
      ['1.0.0_pre20191002222144-r0', '1.0.0_pre20210530193627-r0'],
      ['6.0_pre1', '6.0'],
      ['6.0', '6.0_p1'],
    ];
    for (const [older, newer] of pairs) expectAscending('apk', [older, newer]);
  });

  it('orders commit hashes as text; a hash sorts above a bare revision, below a post-release suffix', () => {
    expectAscending('apk', ['1.0~1234-r1', '1.0~2345-r0']);
    expectAscending('apk', ['1.0~1234-r0', '1.0~1234-r1']);
    expectAscending('apk', ['1.0', '1.0-r5', '1.0~abc', '1.0~abd', '1.0_p1']);
  });

  it('accepts the documented shapes', () => {
    for (const version of [
      '1.2',
      '0.1_pre2',
      '0.1_pre2~1234abcd',
      '0.1_p1_pre2',
      '0.1_alpha1_pre2',
      '0.1_git20240101_pre1',
      '1.2.3b_rc2_p1~1a2b3c-r4',
    ]) {
      expect(isValidVersion('apk', version), version).toBe(true);
    }
  });

  it('refuses malformed versions', () => {
    expectInvalid(
      'apk',
      [
        '',
        '0.1bc',
        '0.1bc1',
        '0.1a1',
        '0.1a.1',
        '0.1_pre2~',
        '0.1_pre2~1234xbcd',
        '0.1_pre2~1234abcd_pre1',
        '0.1_pre2-r1~1234abcd',
        '0.1_foobar',
        '0.1_foobar1',
        '0.1-pre1.1',
        '0.1-r',
        '0.1-r2_pre1',
        '0.1-r2_p3_pre1',
        '0.1-r2-r3',
        '0.1-r2.1',
        '.1',
        'a',
        '_pre1',
        '-r1',
        '0.1_',
        '0.1_-r0',
        '0.1__alpha',
        '0.1_1_alpha',
        '1.0A',
        '1.0~ABC',
        'v1.0',
        '1.0 ',
      ],
      '1.0',
    );
  });
});
