import { describe, expect, it } from 'vitest';
import { checkDestination, checkDestinations, localImageReference, shortDigest } from './reference';

describe('checkDestination', () => {
  it('accepts registry references and writes them the way the engine reports them', () => {
    expect(checkDestination(' docker://127.0.0.1:5000/team/app:1.0 ')).toMatchObject({
      ok: true,
      normalized: 'docker://127.0.0.1:5000/team/app:1.0',
      host: '127.0.0.1:5000',
      repository: 'team/app',
      tag: '1.0',
    });
    expect(checkDestination('docker://registry.example.com/app')).toMatchObject({
      ok: true,
      normalized: 'docker://registry.example.com/app:latest',
    });
    expect(checkDestination('docker://localhost/a/b/c:v1')).toMatchObject({ ok: true });
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(checkDestination(`docker://registry.example.com/app@${digest}`)).toMatchObject({
      ok: true,
      normalized: `docker://registry.example.com/app@${digest}`,
    });
  });

  it('explains what is wrong', () => {
    const problem = (input: string) => {
      const check = checkDestination(input);
      return check.ok ? null : check.problem;
    };
    expect(problem('')).toBe('empty');
    expect(problem('registry.example.com/app:1')).toBe('transport');
    expect(problem('docker-daemon:app:1')).toBe('transport');
    expect(problem('docker://app:1')).toBe('host');
    expect(problem('docker://team/app:1')).toBe('host');
    expect(problem('docker://registry.example.com/')).toBe('repository');
    expect(problem('docker://registry.example.com/Team/app')).toBe('repository');
    expect(problem('docker://registry.example.com/app:-bad')).toBe('tag');
    expect(problem('docker://registry.example.com/app@sha256:xyz')).toBe('digest');
  });

  it('refuses the same destination twice, however it is written', () => {
    const checks = checkDestinations([
      'docker://registry.example.com/app',
      'docker://registry.example.com/app:latest',
      'docker://registry.example.com/other',
    ]);
    expect(checks.map((check) => check.ok)).toEqual([true, false, true]);
    expect(checks[1]).toEqual({ ok: false, problem: 'duplicate' });
  });
});

describe('localImageReference', () => {
  it('names tagged images by name and untagged ones by id', () => {
    expect(localImageReference({ ref: 'a/b:1', id: 'sha256:1', repository: 'a/b' })).toBe(
      'docker-daemon:a/b:1',
    );
    expect(
      localImageReference({ ref: '<none>:<none>', id: 'sha256:abc', repository: '<none>' }),
    ).toBe('docker-daemon:sha256:abc');
  });
});

it('shortDigest keeps the algorithm and twelve hex digits', () => {
  expect(shortDigest(`sha256:${'0123456789ab'.repeat(5)}`)).toBe('sha256:0123456789ab');
});
