import { expect } from 'vitest';
import { ConsignError } from '../../../electron/core/errors';
import { compareVersions, isValidVersion } from '../../../electron/core/vulndb';

/**
 * Asserts that `groups` are in strictly ascending order and that the versions inside each group
 * are equal, checking every pair both ways (so antisymmetry is tested too). A group may be a
 * single version.
 */
export function expectAscending(ecosystem: string, groups: Array<string | string[]>): number {
  const sets = groups.map((g) => (Array.isArray(g) ? g : [g]));
  const wrong: string[] = [];
  let checked = 0;
  sets.forEach((left, i) =>
    sets.forEach((right, j) => {
      const expected = Math.sign(i - j);
      for (const a of left) {
        for (const b of right) {
          checked++;
          const got = compareVersions(ecosystem, a, b);
          if (got !== expected) wrong.push(`compare(${a}, ${b}) = ${got}, expected ${expected}`);
        }
      }
    }),
  );
  expect(wrong).toEqual([]);
  return checked;
}

/** Asserts each version is refused: invalid, and comparing it throws BAD_INPUT naming it. */
export function expectInvalid(ecosystem: string, versions: string[], valid: string): void {
  for (const version of versions) {
    expect(isValidVersion(ecosystem, version), JSON.stringify(version)).toBe(false);
    for (const call of [
      () => compareVersions(ecosystem, version, valid),
      () => compareVersions(ecosystem, valid, version),
    ]) {
      let error: unknown;
      try {
        call();
      } catch (e) {
        error = e;
      }
      expect(error, JSON.stringify(version)).toBeInstanceOf(ConsignError);
      expect((error as ConsignError).code).toBe('BAD_INPUT');
      expect((error as ConsignError).message).toContain(JSON.stringify(version));
      expect((error as ConsignError).remedy).toBeTruthy();
    }
  }
}
