import { describe, expect, it } from 'vitest';
import { ConsignError } from '../errors';
import { Authenticator, type TokenFetch } from './auth';
import { parseChallenges } from './protocol';

// The token service is a function here: these tests are about caching and scope rules, the
// protocol itself is exercised against the real token issuer in tests/integration.
function issuer(expiresIn = 300) {
  const calls: URL[] = [];
  const fetch: TokenFetch = (url) => {
    calls.push(url);
    const token = `t${calls.length}`;
    return Promise.resolve({
      status: 200,
      body: Buffer.from(JSON.stringify({ token, expires_in: expiresIn })),
    });
  };
  return { calls, fetch };
}

const bearer = parseChallenges('Bearer realm="http://127.0.0.1:1/token",service="reg"');

describe('Authenticator', () => {
  it('goes anonymous until the registry sends a challenge', async () => {
    const auth = new Authenticator('r', { username: 'u', password: 'p' }, issuer().fetch, false);
    expect(await auth.authorization(['repository:a:pull'])).toBeUndefined();
    auth.learn(parseChallenges('Basic realm="x"'));
    expect(await auth.authorization(['repository:a:pull'])).toBe(
      `Basic ${Buffer.from('u:p').toString('base64')}`,
    );
  });

  it('reuses a token for scopes it covers and asks again for wider ones', async () => {
    const { calls, fetch } = issuer();
    const auth = new Authenticator('r', { username: 'u', password: 'p' }, fetch, false);
    auth.learn(bearer);
    expect(await auth.authorization(['repository:a:pull,push'])).toBe('Bearer t1');
    expect(await auth.authorization(['repository:a:pull'])).toBe('Bearer t1');
    expect(await auth.authorization(['repository:a:pull', 'repository:b:pull'])).toBe('Bearer t2');
    expect(calls).toHaveLength(2);
    expect(calls[1]!.searchParams.getAll('scope')).toEqual([
      'repository:a:pull',
      'repository:b:pull',
    ]);
    expect(calls[1]!.searchParams.get('service')).toBe('reg');
  });

  it('shares one token request between parallel requests', async () => {
    const { calls, fetch } = issuer();
    const auth = new Authenticator('r', undefined, fetch, false);
    auth.learn(bearer);
    await Promise.all([1, 2, 3].map(() => auth.authorization(['repository:a:pull'])));
    expect(calls).toHaveLength(1);
  });

  it('drops tokens before they expire and after the registry refused one', async () => {
    const { calls, fetch } = issuer(1);
    const auth = new Authenticator('r', undefined, fetch, false);
    auth.learn(bearer);
    await auth.authorization(['repository:a:pull']);
    await new Promise((resolve) => setTimeout(resolve, 600));
    await auth.authorization(['repository:a:pull']);
    expect(calls).toHaveLength(2);
    auth.invalidate(['repository:a:pull']);
    await auth.authorization(['repository:a:pull']);
    expect(calls).toHaveLength(3);
  });

  it('refuses to send a password to a plain-HTTP token service off loopback', async () => {
    const auth = new Authenticator('r', { username: 'u', password: 'p' }, issuer().fetch, false);
    auth.learn(parseChallenges('Bearer realm="http://auth.example.com/token"'));
    const error = await auth.authorization([]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConsignError);
    expect((error as ConsignError).message).toMatch(/plain-HTTP token service/);
  });

  it('reads the credential source once, and again after it failed', async () => {
    let asked = 0;
    const auth = new Authenticator(
      'r',
      () => {
        asked++;
        return asked === 1
          ? Promise.reject(new Error('locked'))
          : Promise.resolve({ username: 'u', password: 'p' });
      },
      issuer().fetch,
      false,
    );
    await expect(auth.credentials()).rejects.toThrow('locked');
    expect(await auth.credentials()).toEqual({ username: 'u', password: 'p' });
    await auth.credentials();
    expect(asked).toBe(2);
  });

  it('words refusals by what went wrong, without the password', async () => {
    const auth = new Authenticator(
      'r',
      { username: 'u', password: 'secret' },
      issuer().fetch,
      false,
    );
    auth.learn(parseChallenges('Basic realm="x"'));
    expect((await auth.refusal(401, 'push to', 'a')).message).toBe(
      'The registry r refused the credentials for u.',
    );
    auth.learn(bearer);
    const denied = await auth.refusal(401, 'push to', 'a');
    expect(denied.message).toBe('The account u is not allowed to push to a on r.');
    expect(`${denied.message} ${denied.remedy}`).not.toContain('secret');
    const anonymous = new Authenticator('r', undefined, issuer().fetch, false);
    expect((await anonymous.refusal(401, 'pull', 'a')).message).toMatch(/requires credentials/);
  });
});
