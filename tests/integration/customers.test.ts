// Customer accounts against the real registries (plain, TLS + basic, token) and the real keychain:
// the connection test's three checks, what it leaves behind (nothing), and where the password
// lives (the keychain only).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Customer, CustomerInput } from '../../shared/contract';
import { createEngine, type Engine } from '../../electron/core/engine';
import { engineDispatcher } from '../../electron/core/handlers';
import { CONNECTION_TEST_REPOSITORY } from '../../electron/core/customers';
import { tlsCustomerLogin } from '../support/customer-side';
import { testEnv } from '../support/test-env';

const env = testEnv();

interface Res {
  status: number;
  body: string;
}

/** One GET to a registry, with the test CA for the TLS one. */
function get(url: string, authorization?: string): Promise<Res> {
  const target = new URL(url);
  const secure = target.protocol === 'https:';
  return new Promise((resolve, reject) => {
    const req = (secure ? https : http).request(
      target,
      {
        headers: authorization ? { authorization } : {},
        agent: false,
        ...(secure ? { ca: readFileSync(env.caFile) } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.setTimeout(15_000, () => req.destroy(new Error(`timeout: ${url}`)));
    req.on('error', reject);
    req.end();
  });
}

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

type Kind = 'plain' | 'tls' | 'token';

/** GET a registry path as its full-rights test user (a token with `scope` for the token one). */
async function registryGet(kind: Kind, path: string, scope: string): Promise<Res> {
  switch (kind) {
    case 'plain':
      return get(`http://${env.registryPlain}${path}`);
    case 'tls':
      return get(
        `https://${env.registryTls}${path}`,
        basic(env.registryTlsUser, env.registryTlsPassword),
      );
    case 'token': {
      const realm = new URL(env.tokenRealm);
      realm.searchParams.set('service', env.tokenService);
      realm.searchParams.set('scope', scope);
      const answer = await get(realm.href, basic(env.tokenUser, env.tokenPassword));
      const { token } = JSON.parse(answer.body) as { token: string };
      return get(`http://${env.registryToken}${path}`, `Bearer ${token}`);
    }
  }
}

/**
 * The repositories the registry lists under `prefix` (the catalog is sorted, so they start the
 * page after `last=prefix`; a page holds at most 1000).
 */
async function catalog(kind: Kind, prefix: string): Promise<string[]> {
  const res = await registryGet(
    kind,
    `/v2/_catalog?n=1000&last=${encodeURIComponent(prefix)}`,
    'registry:catalog:*',
  );
  expect(res.status, res.body).toBe(200);
  const repositories = (JSON.parse(res.body) as { repositories: string[] | null }).repositories;
  return (repositories ?? []).filter((repo) => repo.startsWith(`${prefix}/`));
}

/**
 * Upload sessions the registry still holds open in `repository` (its storage keeps a session's
 * `startedat` and `data` until the session is completed or cancelled; a cancelled one leaves only
 * an empty hash-state folder that its upload purge removes).
 */
function openUploads(kind: Kind, repository: string): string[] {
  const uploads = join(
    dirname(env.envFile),
    'registries',
    kind,
    'data/docker/registry/v2/repositories',
    repository,
    '_uploads',
  );
  if (!existsSync(uploads)) return [];
  return readdirSync(uploads).filter((id) =>
    ['startedat', 'data'].some((file) => existsSync(join(uploads, id, file))),
  );
}

/** A loopback port nobody listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

function keychainLookup(account: string): string | null {
  const found = spawnSync(
    'secret-tool',
    ['lookup', 'service', env.keychainService, 'username', account],
    {
      encoding: 'utf8',
      env: { ...process.env, DBUS_SESSION_BUS_ADDRESS: env.dbusSessionBusAddress },
    },
  );
  return found.status === 0 ? found.stdout : null;
}

/** The bytes of every file in the workspace (database, its WAL, anything else), as text. */
function workspaceBytes(dir: string): string {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => readFileSync(join(entry.parentPath, entry.name)).toString('latin1'))
    .join('\n');
}

describe('customer accounts with the real registries and keychain', () => {
  let home: string;
  let engine: Engine;
  /** Unique per run, so the catalog checks see only this run's repositories. */
  const prefix = `consign-test/cust-${Date.now().toString(36)}-${process.pid}`;

  const accounts: Record<Kind, Omit<CustomerInput, 'name'>> = {
    plain: { registry: env.registryPlain, namespace: `${prefix}/plain`, auth: 'none' },
    tls: { ...tlsCustomerLogin(), namespace: `${prefix}/tls` },
    token: {
      registry: env.registryToken,
      namespace: `${prefix}/token`,
      auth: 'token',
      username: env.tokenUser,
      password: env.tokenPassword,
    },
  };

  const customers = () => engine.requireStore().customers;

  beforeAll(() => {
    home = mkdtempSync(join(tmpdir(), 'consign-customers-'));
    engine = createEngine({ host: 'test', home, keychainService: env.keychainService });
  });

  afterAll(async () => {
    if (engine) {
      // Removing each customer also clears its keychain entry.
      for (const customer of customers().list()) await customers().remove(customer.name);
      engine.close();
    }
    rmSync(home, { recursive: true, force: true });
  });

  it.each(['plain', 'tls', 'token'] as const)(
    'passes every check on the %s registry with the right account, and leaves nothing behind',
    async (kind) => {
      const name = `Right ${kind}`;
      await customers().save({ name, ...accounts[kind] });
      const before = await catalog(kind, prefix);
      const result = await customers().test(name);
      expect(result).toEqual({ name, reachable: true, authenticated: true, canPush: true });

      const repository = `${accounts[kind].namespace}/${CONNECTION_TEST_REPOSITORY}`;
      const after = await catalog(kind, prefix);
      expect(after).not.toContain(repository);
      expect(after).toEqual(before);
      expect(openUploads(kind, repository)).toEqual([]);
      const tags = await registryGet(
        kind,
        `/v2/${repository}/tags/list`,
        `repository:${repository}:pull`,
      );
      expect(tags.status, tags.body).toBe(404);
      expect(tags.body).toContain('NAME_UNKNOWN');

      const [event] = engine
        .requireStore()
        .audit.list({ action: 'customer.tested', customer: name });
      expect(event?.details).toMatchObject({
        customer: name,
        reachable: true,
        authenticated: true,
        canPush: true,
      });
    },
  );

  it('sees an upload session left open, so the check above can fail', async () => {
    const repository = `${prefix}/control`;
    const started = await fetch(`http://${env.registryPlain}/v2/${repository}/blobs/uploads/`, {
      method: 'POST',
    });
    expect(started.status).toBe(202);
    const session = new URL(started.headers.get('location')!, `http://${env.registryPlain}/`);
    expect(openUploads('plain', repository)).toHaveLength(1);
    expect((await fetch(session, { method: 'DELETE' })).status).toBe(204);
    expect(openUploads('plain', repository)).toEqual([]);
  });

  it.each(['tls', 'token'] as const)(
    'says in plain words that the %s registry refused a wrong password',
    async (kind) => {
      const name = `Wrong ${kind}`;
      await customers().save({ name, ...accounts[kind], password: 'not-the-password' });
      const result = await customers().test(name);
      expect(result).toMatchObject({
        reachable: true,
        authenticated: false,
        canPush: false,
        error: expect.stringContaining('refused the username'),
        remedy: expect.stringContaining('--password-stdin'),
      });
      expect(result.error).not.toContain('not-the-password');
    },
  );

  it('reports an unreachable registry without throwing', async () => {
    const port = await closedPort();
    await customers().save({
      name: 'Down',
      registry: `127.0.0.1:${port}`,
      namespace: 'acme',
      auth: 'none',
    });
    const result = await customers().test('down');
    expect(result).toMatchObject({
      name: 'Down',
      reachable: false,
      authenticated: false,
      canPush: false,
      error: expect.stringContaining(`127.0.0.1:${port}`),
      remedy: expect.stringContaining('registry is running'),
    });
  });

  it('tells an account without push permission from a wrong one (token issuer: pull only)', async () => {
    expect(env.tokenReadonlyUser, 'the environment has a pull-only token user').not.toBe('');
    await customers().save({
      name: 'Reader',
      ...accounts.token,
      namespace: `${prefix}/reader`,
      username: env.tokenReadonlyUser,
      password: env.tokenReadonlyPassword,
    });
    const result = await customers().test('Reader');
    expect(result).toMatchObject({
      reachable: true,
      authenticated: true,
      canPush: false,
      error: expect.stringContaining(`may not push to ${prefix}/reader/`),
      remedy: expect.stringContaining('push permission'),
    });
    expect(await catalog('token', prefix)).not.toContain(
      `${prefix}/reader/${CONNECTION_TEST_REPOSITORY}`,
    );
  });

  it('asks for an account where the registry needs one and the customer has none', async () => {
    await customers().save({
      name: 'Anonymous',
      registry: env.registryTls,
      namespace: 'acme',
      auth: 'none',
      caFile: env.caFile,
    });
    const result = await customers().test('Anonymous');
    expect(result).toMatchObject({
      reachable: true,
      authenticated: false,
      canPush: false,
      error: expect.stringContaining('requires a username and password'),
    });
  });

  it('keeps the password in the keychain only, through add, edit, rename and remove', async () => {
    const first = 'first-secret-4e1b9d27';
    const second = 'second-secret-a83f0c51';
    const added: Customer = await customers().save({
      name: 'Round Trip',
      ...accounts.tls,
      password: first,
      contacts: ['Ops <ops@example.com>'],
      entitlements: ['api'],
    });
    const account = `customer:${added.id}`;
    expect(keychainLookup(account)).toBe(first);
    expect(added).toMatchObject({ hasPassword: true, entitlements: ['api'] });

    const { password: _, ...withoutPassword } = accounts.tls;
    const kept = await customers().save({ id: added.id, name: 'Round Trip', ...withoutPassword });
    expect(kept).toMatchObject({ hasPassword: true, contacts: [], entitlements: ['api'] });
    expect(keychainLookup(account)).toBe(first);

    const renamed = await customers().save({
      id: added.id,
      name: 'Round Trip Renamed',
      ...withoutPassword,
      password: second,
    });
    expect(renamed).toMatchObject({ id: added.id, name: 'Round Trip Renamed' });
    expect(keychainLookup(account)).toBe(second);
    expect(() => customers().get('Round Trip')).toThrow(/no customer named/);

    const events = engine.requireStore().audit.list({ action: 'customer.' });
    const mine = events.filter((e) => e.details.id === added.id);
    expect(mine.map((e) => e.action)).toEqual([
      'customer.added',
      'customer.updated',
      'customer.updated',
    ]);
    expect(mine[1]!.details.changed).toEqual(['contacts']);
    expect(mine[2]!.details).toMatchObject({
      customer: 'Round Trip Renamed',
      previousName: 'Round Trip',
      changed: ['name', 'password'],
    });

    expect(await customers().remove('round trip renamed')).toBe(true);
    expect(keychainLookup(account)).toBeNull();
    expect(() => customers().get('Round Trip Renamed')).toThrow(/no customer named/);
    const removed = engine.requireStore().audit.list({ action: 'customer.removed' });
    expect(removed.at(-1)?.details.customer).toBe('Round Trip Renamed');

    const bytes = workspaceBytes(home);
    expect(bytes).toContain('Round Trip Renamed'); // the check reads what was written
    expect(bytes).not.toContain(first);
    expect(bytes).not.toContain(second);
    expect(bytes).not.toContain(env.registryTlsPassword);
    expect(JSON.stringify(engine.requireStore().audit.list({}))).not.toContain(second);
  });

  it('answers the interface through the contract, never returning the password', async () => {
    const unexpected: unknown[] = [];
    const dispatch = engineDispatcher(engine, (_channel, error) => unexpected.push(error));
    const saved = await dispatch('customers.save', {
      name: 'Through The Contract',
      ...accounts.token,
      contacts: ['Sec <sec@example.com>'],
      entitlements: ['api'],
    });
    expect(saved).toMatchObject({ ok: true, data: { hasPassword: true, auth: 'token' } });
    expect(JSON.stringify(saved)).not.toContain(env.tokenPassword);
    const id = (saved as { data: Customer }).data.id;
    const edited = await dispatch('customers.save', {
      id,
      name: 'Through The Contract',
      ...accounts.token,
      password: undefined,
      notes: 'edited',
    });
    expect(edited).toMatchObject({ ok: true, data: { notes: 'edited', entitlements: ['api'] } });
    const listed = await dispatch('customers.list', {});
    expect(JSON.stringify(listed)).not.toContain(env.tokenPassword);
    expect(await dispatch('customers.get', { name: 'through the contract' })).toMatchObject({
      ok: true,
      data: { id },
    });
    expect(await dispatch('customers.test', { name: 'Through The Contract' })).toMatchObject({
      ok: true,
      data: { reachable: true, authenticated: true, canPush: true },
    });
    expect(
      await dispatch('customers.save', { ...accounts.plain, name: 'x', namespace: 'A' }),
    ).toMatchObject({ ok: false, error: { code: 'BAD_INPUT' } });
    expect(await dispatch('customers.remove', { name: 'Through The Contract' })).toEqual({
      ok: true,
      data: { removed: true },
    });
    expect(await dispatch('customers.remove', { name: 'Through The Contract' })).toEqual({
      ok: true,
      data: { removed: false },
    });
    expect(await dispatch('customers.test', { name: 'Through The Contract' })).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });
    expect(unexpected).toEqual([]);
  });

  it('refuses bad input with BAD_INPUT and an unknown customer with NOT_FOUND', async () => {
    const count = customers().list().length;
    const base = { name: 'Bad', ...accounts.tls };
    await expect(customers().save({ ...base, namespace: 'Acme/Prod' })).rejects.toMatchObject({
      code: 'BAD_INPUT',
      remedy: expect.stringContaining('"acme/prod"'),
    });
    await expect(customers().save({ ...base, namespace: 'acme//prod' })).rejects.toMatchObject({
      code: 'BAD_INPUT',
    });
    await expect(
      customers().save({ ...base, registry: 'registry example com' }),
    ).rejects.toMatchObject({
      code: 'BAD_INPUT',
      message: expect.stringContaining('registry host'),
    });
    const { password: _, ...noPassword } = base;
    await expect(customers().save(noPassword)).rejects.toMatchObject({
      code: 'BAD_INPUT',
      message: expect.stringContaining('needs a password'),
    });
    await customers().save({ ...base, name: 'Taken' });
    await expect(customers().save({ ...base, name: ' TAKEN ' })).rejects.toMatchObject({
      code: 'BAD_INPUT',
      message: expect.stringContaining('already exists'),
    });
    expect(customers().list()).toHaveLength(count + 1);
    await expect(customers().test('Nobody')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
