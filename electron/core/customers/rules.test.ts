import { describe, expect, it } from 'vitest';
import { normalizeNamespace, repositoryFor } from './rules';

describe('customer namespace', () => {
  it('accepts repository path prefixes and drops slashes around them', () => {
    expect(normalizeNamespace('acme')).toBe('acme');
    expect(normalizeNamespace(' /acme/prod-eu/v1.2/ ')).toBe('acme/prod-eu/v1.2');
    expect(normalizeNamespace('a__b/c_d')).toBe('a__b/c_d');
  });

  it.each([
    ['', /empty/],
    ['Acme/Prod', /"Acme" is not a repository path component/],
    ['acme//prod', /empty path component/],
    ['acme/-prod', /"-prod"/],
    ['acme/prod.', /"prod\."/],
    ['acme prod', /"acme prod"/],
    ['a'.repeat(201), /at most 200/],
  ])('refuses %j with BAD_INPUT', (input, message) => {
    expect(() => normalizeNamespace(input)).toThrow(message);
    try {
      normalizeNamespace(input);
    } catch (error) {
      expect(error).toMatchObject({ code: 'BAD_INPUT', remedy: expect.any(String) });
    }
  });

  it('suggests the lower-case spelling when that is all that is wrong', () => {
    expect(() => normalizeNamespace('Acme/Prod')).toThrow();
    try {
      normalizeNamespace('Acme/Prod');
    } catch (error) {
      expect((error as { remedy: string }).remedy).toContain('"acme/prod"');
    }
  });
});

describe('repositoryFor', () => {
  it('puts the last segment of the source repository under the namespace', () => {
    expect(repositoryFor({ namespace: 'acme/prod' }, 'vendor/apps/api')).toBe('acme/prod/api');
    expect(repositoryFor({ namespace: 'acme' }, 'busybox')).toBe('acme/busybox');
  });

  it('refuses a name that is no repository, or too long a result', () => {
    expect(() => repositoryFor({ namespace: 'acme' }, 'vendor/API')).toThrow(/not a repository/);
    expect(() => repositoryFor({ namespace: 'a'.repeat(200) }, 'b'.repeat(60))).toThrow(
      /longer than a registry accepts/,
    );
  });
});
