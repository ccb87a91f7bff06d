import { describe, expect, it } from 'vitest';
import {
  backoffDelay,
  hostnameOf,
  isLoopbackHost,
  isValidRepository,
  mergeScopes,
  parseChallenges,
  parseLinkNext,
  parseRetryAfter,
  parseUploadRange,
  resolveLocation,
  schemeFor,
  scopesCover,
} from './protocol';

describe('parseChallenges', () => {
  it('reads a Bearer challenge with a comma inside a quoted scope', () => {
    expect(
      parseChallenges(
        'Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:team/app:pull,push"',
      ),
    ).toEqual([
      {
        scheme: 'bearer',
        params: {
          realm: 'https://auth.example.com/token',
          service: 'registry.example.com',
          scope: 'repository:team/app:pull,push',
        },
      },
    ]);
  });

  it('reads several challenges in one header, as Node joins them', () => {
    const challenges = parseChallenges(
      'Basic realm="basic, with comma", Bearer realm="https://t/x"',
    );
    expect(challenges.map((c) => c.scheme)).toEqual(['basic', 'bearer']);
    expect(challenges[0]!.params.realm).toBe('basic, with comma');
    expect(challenges[1]!.params.realm).toBe('https://t/x');
  });

  it('unescapes quoted-pairs and lower-cases names', () => {
    expect(parseChallenges('BEARER Realm="a\\"b",Error="insufficient_scope"')).toEqual([
      { scheme: 'bearer', params: { realm: 'a"b', error: 'insufficient_scope' } },
    ]);
  });

  it('accepts unquoted values, extra spaces and empty input', () => {
    expect(parseChallenges('Bearer  realm=https://t/token , service=reg')).toEqual([
      { scheme: 'bearer', params: { realm: 'https://t/token', service: 'reg' } },
    ]);
    expect(parseChallenges(undefined)).toEqual([]);
    expect(parseChallenges('')).toEqual([]);
  });

  it('survives malformed text without looping', () => {
    const junk = parseChallenges('=x, "unterminated');
    expect(junk.every((c) => Object.keys(c.params).length === 0)).toBe(true);
    expect(parseChallenges('Bearer realm="open')[0]!.params.realm).toBe('open');
  });
});

describe('parseLinkNext', () => {
  const base = new URL('https://r.example.com/v2/app/tags/list?n=2');

  it('resolves a relative next link against the request', () => {
    expect(parseLinkNext('</v2/app/tags/list?last=b&n=2>; rel="next"', base)?.toString()).toBe(
      'https://r.example.com/v2/app/tags/list?last=b&n=2',
    );
  });

  it('finds next among several links and bare rel values', () => {
    expect(
      parseLinkNext('<https://x/prev>; rel=prev, <https://x/next?a=1,2>; rel=next', base)?.href,
    ).toBe('https://x/next?a=1,2');
  });

  it('returns undefined without a next link', () => {
    expect(parseLinkNext(undefined, base)).toBeUndefined();
    expect(parseLinkNext('<https://x/prev>; rel="prev"', base)).toBeUndefined();
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');

  it('reads delta-seconds', () => {
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
  });

  it('reads an HTTP date, never negative', () => {
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:00:00 GMT', now)).toBe(0);
  });

  it('ignores what it cannot read', () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('-1', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });
});

describe('backoffDelay', () => {
  const options = { baseDelayMs: 100, maxDelayMs: 1000 };

  it('grows exponentially with jitter between half and all of the ceiling', () => {
    expect(backoffDelay(1, options, () => 0)).toBe(50);
    expect(backoffDelay(1, options, () => 1)).toBe(100);
    expect(backoffDelay(3, options, () => 0.5)).toBe(300);
  });

  it('is capped', () => {
    expect(backoffDelay(30, options, () => 1)).toBe(1000);
    expect(backoffDelay(1000, options, () => 1)).toBe(1000);
  });
});

describe('resolveLocation', () => {
  const request = new URL('http://127.0.0.1:5000/v2/app/blobs/uploads/');

  it('keeps absolute locations', () => {
    expect(resolveLocation('https://up.example.com/u/1?x=1', request)?.href).toBe(
      'https://up.example.com/u/1?x=1',
    );
  });

  it('resolves relative paths and queries against the request', () => {
    expect(resolveLocation('/v2/app/blobs/uploads/abc?_state=z', request)?.href).toBe(
      'http://127.0.0.1:5000/v2/app/blobs/uploads/abc?_state=z',
    );
    expect(resolveLocation('abc', request)?.href).toBe(
      'http://127.0.0.1:5000/v2/app/blobs/uploads/abc',
    );
  });

  it('gives undefined for nothing', () => {
    expect(resolveLocation(undefined, request)).toBeUndefined();
    expect(resolveLocation('', request)).toBeUndefined();
  });
});

describe('parseUploadRange', () => {
  it('reads the bytes a session holds', () => {
    expect(parseUploadRange('0-1023')).toBe(1024);
    expect(parseUploadRange('bytes=0-9')).toBe(10);
    expect(parseUploadRange('0-0')).toBe(0);
    expect(parseUploadRange(undefined)).toBeUndefined();
    expect(parseUploadRange('5-9')).toBeUndefined();
  });
});

describe('hosts and schemes', () => {
  it('knows loopback hosts', () => {
    for (const host of ['127.0.0.1:5000', '127.1.2.3', 'localhost:5000', '[::1]:5000', 'LOCALHOST'])
      expect(isLoopbackHost(host), host).toBe(true);
    for (const host of ['128.0.0.1', 'registry.example.com', '10.0.0.1:5000', 'localhost.evil.com'])
      expect(isLoopbackHost(host), host).toBe(false);
  });

  it('splits host names from ports', () => {
    expect(hostnameOf('[::1]:5000')).toBe('::1');
    expect(hostnameOf('r.example.com:443')).toBe('r.example.com');
    expect(hostnameOf('r.example.com')).toBe('r.example.com');
  });

  it('uses plain HTTP only for loopback without a CA file or hosts marked insecure', () => {
    expect(schemeFor('127.0.0.1:5000', {})).toBe('http');
    expect(schemeFor('127.0.0.1:5000', { caFile: 'ca.pem' })).toBe('https');
    expect(schemeFor('registry.example.com', {})).toBe('https');
    expect(schemeFor('registry.example.com', { insecureHttp: true })).toBe('http');
  });

  it('validates repository names', () => {
    expect(isValidRepository('team/app')).toBe(true);
    expect(isValidRepository('a.b_c__d-e/f')).toBe(true);
    expect(isValidRepository('Team/app')).toBe(false);
    expect(isValidRepository('../etc')).toBe(false);
    expect(isValidRepository('a//b')).toBe(false);
  });
});

describe('scopes', () => {
  it('merges actions per resource', () => {
    expect(mergeScopes(['repository:a:pull'], ['repository:a:push', 'repository:b:pull'])).toEqual([
      'repository:a:pull,push',
      'repository:b:pull',
    ]);
  });

  it('tells whether held scopes cover wanted ones', () => {
    expect(scopesCover(['repository:a:pull,push'], ['repository:a:pull'])).toBe(true);
    expect(scopesCover(['repository:a:pull'], ['repository:a:pull,push'])).toBe(false);
    expect(scopesCover(['repository:a:*'], ['repository:a:push'])).toBe(true);
    expect(scopesCover(['repository:a:pull'], [])).toBe(true);
  });
});
