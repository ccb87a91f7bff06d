// `consign customers` end to end: the built command, the real keychain and the real registries.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Customer, CustomerTest } from '../../shared/contract';
import { jsonOf, workspaceCli } from '../support/consign-cli';
import { testEnv } from '../support/test-env';

const env = testEnv();

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

function workspaceBytes(dir: string): string {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => readFileSync(join(entry.parentPath, entry.name)).toString('latin1'))
    .join('\n');
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

describe('consign customers', () => {
  let home: string;
  const consign = workspaceCli(() => home);
  const namespace = `consign-test/cli-${Date.now().toString(36)}-${process.pid}`;
  const wrong = 'wrong-password-0b7e51';

  beforeAll(() => {
    home = mkdtempSync(join(tmpdir(), 'consign-customers-cli-'));
  });

  afterAll(async () => {
    // Removing each customer clears its keychain entry.
    const listed = await consign(['customers', 'list', '--json']);
    if (listed.code === 0) {
      for (const customer of JSON.parse(listed.stdout) as Customer[]) {
        await consign(['customers', 'remove', customer.name]);
      }
    }
    rmSync(home, { recursive: true, force: true });
  });

  it('adds, shows, tests, renames, entitles and removes a customer; the password stays in the keychain', async () => {
    const added = jsonOf<Customer>(
      await consign(
        [
          'customers',
          'add',
          'Globex',
          '--registry',
          env.registryTls,
          '--namespace',
          `${namespace}/globex`,
          '--username',
          env.registryTlsUser,
          '--password-stdin',
          '--ca-file',
          env.caFile,
          '--contact',
          'Hank <hank@example.com>',
          '--entitle',
          'api',
          '--json',
        ],
        `${env.registryTlsPassword}\n`,
      ),
    );
    expect(added).toMatchObject({
      name: 'Globex',
      registry: env.registryTls,
      namespace: `${namespace}/globex`,
      auth: 'basic',
      username: env.registryTlsUser,
      hasPassword: true,
      contacts: ['Hank <hank@example.com>'],
      entitlements: ['api'],
    });
    expect(keychainLookup(`customer:${added.id}`)).toBe(env.registryTlsPassword);

    const shown = await consign(['customers', 'show', 'globex']);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain(`${env.registryTls}/${namespace}/globex/<image>:<tag>`);

    const passed = await consign(['customers', 'test', 'Globex', '--json']);
    expect(jsonOf<CustomerTest>(passed)).toEqual({
      name: 'Globex',
      reachable: true,
      authenticated: true,
      canPush: true,
    });

    // A wrong password: the check says no (exit 1), in plain words.
    jsonOf(await consign(['customers', 'edit', 'Globex', '--password-stdin', '--json'], wrong));
    const refused = await consign(['customers', 'test', 'Globex', '--json']);
    expect(jsonOf<CustomerTest>(refused, 1)).toMatchObject({
      reachable: true,
      authenticated: false,
      canPush: false,
      error: expect.stringContaining('refused'),
    });
    const human = await consign(['customers', 'test', 'Globex']);
    expect(human.code).toBe(1);
    expect(human.stdout).toContain('[FAIL] Authenticated');

    const renamed = jsonOf<Customer>(
      await consign(
        ['customers', 'edit', 'globex', '--rename', 'Globex Corp', '--password-stdin', '--json'],
        env.registryTlsPassword,
      ),
    );
    expect(renamed).toMatchObject({ id: added.id, name: 'Globex Corp', hasPassword: true });
    expect(
      jsonOf<CustomerTest>(await consign(['customers', 'test', 'Globex Corp', '--json'])),
    ).toMatchObject({ canPush: true });

    const entitled = jsonOf<Customer>(
      await consign(['customers', 'entitle', 'Globex Corp', 'web', 'db', '--json']),
    );
    expect(entitled.entitlements).toEqual(['api', 'db', 'web']);
    const unentitled = jsonOf<Customer>(
      await consign(['customers', 'unentitle', 'Globex Corp', 'api', '--json']),
    );
    expect(unentitled.entitlements).toEqual(['db', 'web']);

    const listed = jsonOf<Customer[]>(await consign(['customers', 'list', '--json']));
    expect(listed.map((c) => c.name)).toContain('Globex Corp');

    const removed = await consign(['customers', 'remove', 'Globex Corp', '--json']);
    expect(jsonOf(removed)).toEqual({ name: 'Globex Corp', removed: true });
    expect(keychainLookup(`customer:${added.id}`)).toBeNull();
    const gone = await consign(['customers', 'show', 'Globex Corp']);
    expect(gone.code).toBe(2);
    expect(gone.stderr).toContain('no customer named');

    const bytes = workspaceBytes(home);
    expect(bytes).toContain('Globex Corp');
    expect(bytes).not.toContain(env.registryTlsPassword);
    expect(bytes).not.toContain(wrong);
  });

  it('exits 3 when the registry is unreachable, and 1 when the account may not push', async () => {
    const port = await closedPort();
    jsonOf(
      await consign([
        'customers',
        'add',
        'Offline',
        '--registry',
        `127.0.0.1:${port}`,
        '--namespace',
        'acme',
        '--json',
      ]),
    );
    const down = await consign(['customers', 'test', 'Offline', '--json']);
    expect(jsonOf<CustomerTest>(down, 3)).toMatchObject({ reachable: false });

    jsonOf(
      await consign(
        [
          'customers',
          'add',
          'Reader',
          '--registry',
          env.registryToken,
          '--namespace',
          `${namespace}/reader`,
          '--auth',
          'token',
          '--username',
          env.tokenReadonlyUser,
          '--password-stdin',
          '--json',
        ],
        env.tokenReadonlyPassword,
      ),
    );
    const reader = await consign(['customers', 'test', 'Reader', '--json']);
    expect(jsonOf<CustomerTest>(reader, 1)).toMatchObject({
      reachable: true,
      authenticated: true,
      canPush: false,
      error: expect.stringContaining('may not push'),
    });
  });

  it.each([
    ['a bad namespace', ['--registry', '127.0.0.1:5000', '--namespace', 'Bad Space'], 'namespace'],
    ['a bad registry', ['--registry', 'http://', '--namespace', 'acme'], 'registry host'],
    [
      'a username without its password',
      ['--registry', '127.0.0.1:5000', '--namespace', 'acme', '--username', 'u'],
      '--password-stdin',
    ],
    [
      'basic authentication without an account',
      ['--registry', '127.0.0.1:5000', '--namespace', 'acme', '--auth', 'basic'],
      'needs a username',
    ],
    [
      'an unknown --auth',
      ['--registry', '127.0.0.1:5000', '--namespace', 'a', '--auth', 'x'],
      '--auth',
    ],
    ['a missing --namespace', ['--registry', '127.0.0.1:5000'], '--namespace is required'],
  ])('refuses %s with exit 2', async (_label, args, message) => {
    const result = await consign(['customers', 'add', 'Bad Input', ...args, '--json']);
    expect(result.code, result.stdout).toBe(2);
    const { error } = JSON.parse(result.stdout) as { error: { message: string; remedy?: string } };
    expect(`${error.message} ${error.remedy ?? ''}`).toContain(message);
  });

  it('refuses a duplicate name, an unknown customer and a stray option with exit 2', async () => {
    const add = (name: string) =>
      consign(['customers', 'add', name, '--registry', env.registryPlain, '--namespace', 'dup']);
    expect((await add('Initech')).code).toBe(0);
    const duplicate = await add('INITECH');
    expect(duplicate.code).toBe(2);
    expect(duplicate.stderr).toContain('already exists');
    const unknown = await consign(['customers', 'test', 'Nobody']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no customer named "Nobody"');
    const stray = await consign(['customers', 'list', '--namespace', 'x']);
    expect(stray.code).toBe(2);
    expect(stray.stderr).toContain('--namespace does not apply to customers list');
  });
});
