// Proves the test environment is made of real, working parts: the private dockerd, the three
// registries (plain, TLS + basic auth, token auth), the token issuer and the throwaway keyring.
import { AsyncEntry } from '@napi-rs/keyring';
import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { beforeAll, describe, expect, it } from 'vitest';
import { testEnv, type TestEnv } from '../support/test-env.ts';

interface Res {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

function call(
  url: string,
  opts: {
    method?: string;
    headers?: Record<string, string>;
    body?: Buffer;
    ca?: Buffer;
    socketPath?: string;
  } = {},
): Promise<Res> {
  const target = new URL(url);
  const secure = target.protocol === 'https:';
  return new Promise((resolve, reject) => {
    const req = (secure ? https : http).request(
      target,
      {
        method: opts.method ?? 'GET',
        headers: opts.headers,
        socketPath: opts.socketPath,
        agent: false,
        ...(secure ? { ca: opts.ca } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
          }),
        );
        res.on('error', reject);
      },
    );
    req.setTimeout(15_000, () => req.destroy(new Error(`timeout: ${url}`)));
    req.on('error', reject);
    req.end(opts.body);
  });
}

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

function challenge(res: Res): { scheme: string; params: Record<string, string> } {
  const header = String(res.headers['www-authenticate'] ?? '');
  const [scheme = '', rest = ''] = header.split(/ (.*)/s);
  const params: Record<string, string> = {};
  for (const m of rest.matchAll(/([a-zA-Z_]+)="([^"]*)"/g)) params[m[1]!] = m[2]!;
  return { scheme, params };
}

let env: TestEnv;
let ca: Buffer;

beforeAll(() => {
  env = testEnv();
  ca = readFileSync(env.caFile);
});

async function fetchToken(scopes: string[], auth?: string): Promise<Res> {
  const url = new URL(env.tokenRealm);
  url.searchParams.set('service', env.tokenService);
  for (const s of scopes) url.searchParams.append('scope', s);
  return call(url.toString(), { headers: auth ? { authorization: auth } : {} });
}

async function tokenFor(scopes: string[]): Promise<string> {
  const res = await fetchToken(scopes, basic(env.tokenUser, env.tokenPassword));
  expect(res.status).toBe(200);
  const body = JSON.parse(res.body.toString()) as { token: string; access_token: string };
  expect(body.access_token).toBe(body.token);
  return body.token;
}

describe('dockerd', () => {
  it('answers /_ping on its own socket', async () => {
    const res = await call('http://docker/_ping', { socketPath: env.dockerSocket });
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe('OK');
  });

  it('has the base image built from scratch', async () => {
    const res = await call(`http://docker/images/${env.baseImage}/json`, {
      socketPath: env.dockerSocket,
    });
    expect(res.status).toBe(200);
    const image = JSON.parse(res.body.toString()) as { Os: string; RepoTags: string[] };
    expect(image.Os).toBe('linux');
    expect(image.RepoTags).toContain(env.baseImage);
  });
});

describe('plain registry', () => {
  it('answers GET /v2/ with 200 without credentials', async () => {
    const res = await call(`http://${env.registryPlain}/v2/`);
    expect(res.status).toBe(200);
    expect(res.headers['docker-distribution-api-version']).toBe('registry/2.0');
  });
});

describe('TLS registry with basic auth', () => {
  const url = () => `https://${env.registryTls}/v2/`;

  it('asks for basic credentials', async () => {
    const res = await call(url(), { ca });
    expect(res.status).toBe(401);
    expect(challenge(res).scheme).toBe('Basic');
  });

  it('accepts the test user over TLS verified against the test CA', async () => {
    const res = await call(url(), {
      ca,
      headers: { authorization: basic(env.registryTlsUser, env.registryTlsPassword) },
    });
    expect(res.status).toBe(200);
  });

  it('refuses a wrong password', async () => {
    const res = await call(url(), {
      ca,
      headers: { authorization: basic(env.registryTlsUser, 'wrong-password') },
    });
    expect(res.status).toBe(401);
  });

  it('presents a certificate that public roots do not trust', async () => {
    await expect(call(url())).rejects.toThrow(/certificate/i);
  });
});

describe('token registry', () => {
  it('challenges with Bearer pointing at the test issuer', async () => {
    const res = await call(`http://${env.registryToken}/v2/`);
    expect(res.status).toBe(401);
    const c = challenge(res);
    expect(c.scheme).toBe('Bearer');
    expect(c.params.realm).toBe(env.tokenRealm);
    expect(c.params.service).toBe(env.tokenService);
  });

  it('accepts a token from the issuer', async () => {
    const token = await tokenFor([]);
    const res = await call(`http://${env.registryToken}/v2/`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
  });

  it('issues no token for wrong credentials', async () => {
    const res = await fetchToken(
      ['repository:consign-test/probe:pull'],
      basic(env.tokenUser, 'wrong-password'),
    );
    expect(res.status).toBe(401);
  });

  it('refuses a token signed by someone else', async () => {
    const real = await tokenFor(['repository:consign-test/probe:pull']);
    const [header, claims] = real.split('.');
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const forged = sign('sha256', Buffer.from(`${header}.${claims}`), {
      key: privateKey,
      dsaEncoding: 'ieee-p1363',
    }).toString('base64url');
    const res = await call(`http://${env.registryToken}/v2/consign-test/probe/tags/list`, {
      headers: { authorization: `Bearer ${header}.${claims}.${forged}` },
    });
    expect(res.status).toBe(401);
  });

  it('stores a blob pushed with a push token', async () => {
    const repo = `consign-test/env-probe-${randomBytes(4).toString('hex')}`;
    const blob = randomBytes(1024);
    const digest = `sha256:${createHash('sha256').update(blob).digest('hex')}`;
    const token = await tokenFor([`repository:${repo}:pull,push`]);
    const auth = { authorization: `Bearer ${token}` };
    const base = `http://${env.registryToken}`;

    const start = await call(`${base}/v2/${repo}/blobs/uploads/`, {
      method: 'POST',
      headers: auth,
    });
    expect(start.status).toBe(202);
    const location = new URL(String(start.headers.location), base);
    location.searchParams.set('digest', digest);
    const put = await call(location.toString(), {
      method: 'PUT',
      headers: {
        ...auth,
        'content-type': 'application/octet-stream',
        'content-length': String(blob.length),
      },
      body: blob,
    });
    expect(put.status).toBe(201);
    expect(put.headers['docker-content-digest']).toBe(digest);

    const head = await call(`${base}/v2/${repo}/blobs/${digest}`, {
      method: 'HEAD',
      headers: auth,
    });
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe(String(blob.length));
    expect(head.headers['docker-content-digest']).toBe(digest);

    const get = await call(`${base}/v2/${repo}/blobs/${digest}`, { headers: auth });
    expect(get.status).toBe(200);
    expect(get.body.equals(blob)).toBe(true);
  });

  it('does not let an anonymous token push', async () => {
    const repo = 'consign-test/anonymous-probe';
    const res = await fetchToken([`repository:${repo}:pull,push`]);
    expect(res.status).toBe(200);
    const { token } = JSON.parse(res.body.toString()) as { token: string };
    const start = await call(`http://${env.registryToken}/v2/${repo}/blobs/uploads/`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(start.status).toBe(401);
  });
});

describe('keychain', () => {
  it('stores, reads back and deletes a secret in the throwaway keyring', async () => {
    const account = `probe-${randomBytes(4).toString('hex')}`;
    const value = `secret-${randomBytes(12).toString('hex')}`;
    const entry = new AsyncEntry(env.keychainService, account, {
      linux: { store: 'secret-service' },
    });
    await entry.setPassword(value);
    expect(await entry.getPassword()).toBe(value);
    const again = new AsyncEntry(env.keychainService, account, {
      linux: { store: 'secret-service' },
    });
    expect(await again.getPassword()).toBe(value);
    expect(await entry.deleteCredential()).toBe(true);
    expect(await again.getPassword()).toBeNull();
  });
});
