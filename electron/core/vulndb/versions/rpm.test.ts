import { describe, expect, it } from 'vitest';
import {
  expectAscending,
  expectInvalid,
} from '../../../../tests/support/version-oracles/expect-order';
import { parseRpm } from './rpm';

describe('rpm version ordering', () => {
  it('sorts "~" before the end and "^" after it, and digits after letters', () => {
    expectAscending('rpm', [
      '1.0~rc1~1',
      '1.0~rc1',
      '1.0~rc2',
      ['1.0', '1.0.', '1_0', '1.0+', '0:1.0'],
      '1.0^',
      '1.0^git1',
      '1.0^git2',
      '1.0a',
      '1.0b',
      '1.0.0',
      '1.0.1',
      ['1.0.10', '1.0.010'],
      '1.1',
      '10',
      '1:0.1',
    ]);
  });

  it('orders releases after versions, a missing release first', () => {
    expectAscending('Red Hat', [
      '1.0',
      '1.0-~1',
      '1.0-0.1.rc1',
      '1.0-1',
      '1.0-1.el9',
      '1.0-1.el9_1',
      '1.0-1.el9_10',
      '1.0-2.el8',
      '1.0.1-1',
    ]);
    expectAscending('AlmaLinux:9', ['3.0.7-24.el9', '3.0.7-25.el9', '1:3.0.1-1.el9']);
    expectAscending('Rocky Linux:8', [['0:1.0-1', '1.0-1', '00:1.0-1'], '1:0.1-1']);
  });

  it('splits an optional numeric epoch and the release at the last hyphen', () => {
    expect(parseRpm('2:1.0-3.el9')).toEqual({
      ok: true,
      value: { epoch: '2', version: '1.0', release: '3.el9' },
    });
    // rpmbuild allows no "-" in a version, so a second one is an error, not part of it.
    expect(parseRpm('1.0-1-3').ok).toBe(false);
    expect(parseRpm('1.0')).toEqual({
      ok: true,
      value: { epoch: '0', version: '1.0', release: undefined },
    });
  });

  it('refuses characters rpm does not allow in a version, and empty parts', () => {
    expectInvalid(
      'rpm',
      ['', '1.0-', '-1', ':1.0', 'x:1.0', '1.0 1', '1.0/2', '1:2:3', '1.0-1:2', '1.0-1-'],
      '1.0',
    );
  });
});
