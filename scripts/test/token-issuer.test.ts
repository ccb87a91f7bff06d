import { generateKeyPairSync, verify } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseOptions, playwrightCounts, vitestCounts } from './run.ts';
import { certificateDerBase64, grantAccess, parseScopes, signJwt } from './token-issuer.ts';

const pusher = { name: 'u', password: 'p', actions: ['pull', 'push', 'delete', '*'] };
const reader = { name: 'r', password: 'p', actions: ['pull'] };

describe('token issuer', () => {
  it('parses several scopes, including names with slashes and space-separated lists', () => {
    expect(
      parseScopes(['repository:a/b/c:pull,push', 'repository:x:pull registry:catalog:*', 'junk']),
    ).toEqual([
      { type: 'repository', name: 'a/b/c', actions: ['pull', 'push'] },
      { type: 'repository', name: 'x', actions: ['pull'] },
      { type: 'registry', name: 'catalog', actions: ['*'] },
    ]);
  });

  it('grants what a user may do, nothing to anonymous', () => {
    const scopes = parseScopes(['repository:a:pull,push', 'registry:catalog:*']);
    expect(grantAccess(pusher, scopes)).toEqual(scopes);
    expect(grantAccess(reader, scopes)).toEqual([
      { type: 'repository', name: 'a', actions: ['pull'] },
    ]);
    expect(grantAccess(null, scopes)).toEqual([]);
  });

  it('signs an ES256 JWT that verifies with the public key, with x5c in the header', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const claims = {
      iss: 'i',
      sub: 'u',
      aud: 's',
      exp: 2,
      nbf: 0,
      iat: 1,
      jti: 'j',
      access: [{ type: 'repository', name: 'a', actions: ['pull'] }],
    };
    const { token } = signJwt(claims, privateKey, ['AAAA']);
    const [h, c, sig] = token.split('.') as [string, string, string];
    expect(JSON.parse(Buffer.from(h, 'base64url').toString())).toEqual({
      typ: 'JWT',
      alg: 'ES256',
      x5c: ['AAAA'],
    });
    expect(JSON.parse(Buffer.from(c, 'base64url').toString())).toEqual(claims);
    const raw = Buffer.from(sig, 'base64url');
    expect(raw).toHaveLength(64);
    const ok = verify(
      'sha256',
      Buffer.from(`${h}.${c}`),
      { key: publicKey, dsaEncoding: 'ieee-p1363' },
      raw,
    );
    expect(ok).toBe(true);
  });

  it('extracts the DER of the first certificate of a PEM', () => {
    const pem = '-----BEGIN CERTIFICATE-----\nQUJD\nREVG\n-----END CERTIFICATE-----\n';
    expect(certificateDerBase64(pem)).toBe('QUJDREVG');
  });
});

describe('test runner', () => {
  const dir = mkdtempSync(join(tmpdir(), 'consign-runner-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('selects stages with --only and --skip', () => {
    expect([...parseOptions(['--only', 'unit,integration'], {}).stages]).toEqual([
      'unit',
      'integration',
    ]);
    expect([...parseOptions(['--skip=static,e2e'], {}).stages]).toEqual(['unit', 'integration']);
    expect([...parseOptions([], { CONSIGN_TEST_ONLY: 'lint' }).stages]).toEqual(['lint']);
    expect(() => parseOptions(['--only', 'nope'], {})).toThrow(/unknown stage/);
  });

  it('counts vitest results, a file that failed to load as a failure', () => {
    const file = join(dir, 'vitest.json');
    writeFileSync(
      file,
      JSON.stringify({
        numPassedTests: 5,
        numFailedTests: 1,
        numPendingTests: 2,
        numTodoTests: 1,
        testResults: [
          { status: 'failed', assertionResults: [{ status: 'failed' }] },
          { status: 'failed', assertionResults: [] },
        ],
      }),
    );
    expect(vitestCounts(file)).toEqual({ passed: 5, failed: 2, skipped: 3 });
    expect(vitestCounts(join(dir, 'missing.json'))).toBeNull();
  });

  it('counts playwright results, flaky as passed and errors outside tests as failures', () => {
    const file = join(dir, 'pw.json');
    writeFileSync(file, JSON.stringify({ stats: { expected: 3, flaky: 1, skipped: 2 } }));
    expect(playwrightCounts(file, 0)).toEqual({ passed: 4, failed: 0, skipped: 2 });
    writeFileSync(file, JSON.stringify({ stats: { expected: 0 }, errors: [{}, {}] }));
    expect(playwrightCounts(file, 1)).toEqual({ passed: 0, failed: 2, skipped: 0 });
  });
});
