import { describe, expect, it } from 'vitest';
import { ConsignError } from '../errors';
import { deliveredName, parseRelease } from './release';

describe('parseRelease', () => {
  it('splits at the last @, so products may hold slashes', () => {
    expect(parseRelease('demo@1.0.0')).toEqual({ product: 'demo', version: '1.0.0' });
    expect(parseRelease('acme/suite@2024.1+build.7')).toEqual({
      product: 'acme/suite',
      version: '2024.1+build.7',
    });
  });

  it.each(['demo', '@1.0', 'demo@', 'demo@1.0 beta', 'demo@-1'])('refuses %s', (text) => {
    expect(() => parseRelease(text)).toThrow(ConsignError);
    expect(() => parseRelease(text)).toThrow(/NAME@VERSION/);
  });
});

describe('deliveredName', () => {
  it('takes the last repository segment and the source tag', () => {
    expect(deliveredName('docker://reg.test:5000/team/apps/web:1.2', '9')).toEqual({
      name: 'web',
      tag: '1.2',
    });
    expect(deliveredName('docker-daemon:acme/api:2.0', '9')).toEqual({ name: 'api', tag: '2.0' });
    expect(deliveredName('oci:/tmp/layouts/worker:3', '9')).toEqual({ name: 'worker', tag: '3' });
  });

  it('uses the release version where the source has no tag', () => {
    expect(deliveredName(`docker://reg.test/team/db@sha256:${'a'.repeat(64)}`, '1.0.0')).toEqual({
      name: 'db',
      tag: '1.0.0',
    });
    expect(deliveredName('docker-archive:/tmp/Cache Image.tar', '1.0.0')).toEqual({
      name: 'cache-image',
      tag: '1.0.0',
    });
  });
});
