import { describe, expect, it } from 'vitest';
import type { CustomerInput } from '../../../shared/contract';
import { AuditLog } from '../audit';
import { openDatabase, type Database } from '../db';
import { ConsignError } from '../errors';
import type { Keychain } from '../keychain';
import { CustomerStore } from './store';

/** An in-memory keychain that can be made to fail like a locked one. */
class FakeKeychain {
  readonly service = 'test';
  readonly secrets = new Map<string, string>();
  locked = false;

  #check() {
    if (this.locked) throw new ConsignError('KEYCHAIN_LOCKED', 'The keychain is locked.');
  }
  async get(account: string) {
    this.#check();
    return this.secrets.get(account) ?? null;
  }
  async set(account: string, secret: string) {
    this.#check();
    this.secrets.set(account, secret);
  }
  async delete(account: string) {
    this.#check();
    return this.secrets.delete(account);
  }
}

const PASSWORD = 'pw-5d1c0e9a7b';

function setup() {
  const db: Database = openDatabase(':memory:');
  const audit = new AuditLog(db, { user: 'u', host: 'h', app: 'consign/test' });
  const keychain = new FakeKeychain();
  const store = new CustomerStore(db, audit, keychain as unknown as Keychain);
  const count = (table: string) =>
    (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  return { db, audit, keychain, store, count };
}

const acme: CustomerInput = {
  name: 'Acme Corp',
  registry: 'https://Registry.Example.com:5000/',
  namespace: 'acme/prod/',
  auth: 'basic',
  username: 'acme-bot',
  password: PASSWORD,
  contacts: ['Jane <jane@example.com>'],
  entitlements: ['api', 'web', 'api'],
};

describe('CustomerStore', () => {
  it('adds a customer with normalised fields and the password in the keychain only', async () => {
    const { db, audit, keychain, store } = setup();
    const customer = await store.save(acme);
    expect(customer).toMatchObject({
      name: 'Acme Corp',
      registry: 'registry.example.com:5000',
      namespace: 'acme/prod',
      auth: 'basic',
      username: 'acme-bot',
      hasPassword: true,
      insecureHttp: false,
      entitlements: ['api', 'web'],
    });
    expect(keychain.secrets.get(`customer:${customer.id}`)).toBe(PASSWORD);
    const everything = JSON.stringify([
      db.prepare('SELECT * FROM customers').all(),
      audit.list({}),
    ]);
    expect(everything).not.toContain(PASSWORD);
    const added = audit.list({ action: 'customer.added' });
    expect(added).toHaveLength(1);
    expect(added[0]!.details.customer).toBe('Acme Corp');
  });

  it('refuses a duplicate name in any case, and bad fields with BAD_INPUT', async () => {
    const { store, count } = setup();
    await store.save(acme);
    await expect(store.save({ ...acme, name: 'ACME corp' })).rejects.toMatchObject({
      code: 'BAD_INPUT',
      message: expect.stringContaining('already exists'),
    });
    await expect(store.save({ ...acme, name: 'b', namespace: 'Acme' })).rejects.toMatchObject({
      code: 'BAD_INPUT',
      remedy: expect.stringContaining('"acme"'),
    });
    await expect(store.save({ ...acme, name: 'b', registry: 'not a host' })).rejects.toMatchObject({
      code: 'BAD_INPUT',
    });
    const { password: _, ...noPassword } = acme;
    await expect(store.save({ ...noPassword, name: 'b' })).rejects.toMatchObject({
      code: 'BAD_INPUT',
      message: expect.stringContaining('password'),
    });
    await expect(
      store.save({ ...acme, name: 'b', auth: 'none', password: undefined }),
    ).rejects.toMatchObject({ code: 'BAD_INPUT' });
    await expect(store.save({ ...acme, name: 'b', username: 'a:b' })).rejects.toMatchObject({
      code: 'BAD_INPUT',
    });
    await expect(
      store.save({ ...acme, name: 'b', caFile: '/nonexistent/ca.pem' }),
    ).rejects.toMatchObject({
      code: 'BAD_INPUT',
    });
    expect(count('customers')).toBe(1);
  });

  it('edits with a rename, keeps the password when omitted, and audits changed field names', async () => {
    const { audit, keychain, store } = setup();
    const customer = await store.save(acme);
    const { password: _, ...rest } = acme;
    const edited = await store.save({
      ...rest,
      id: customer.id,
      name: 'Acme Inc',
      notes: 'moved to a new name',
    });
    expect(edited).toMatchObject({
      name: 'Acme Inc',
      hasPassword: true,
      notes: 'moved to a new name',
    });
    expect(keychain.secrets.get(`customer:${customer.id}`)).toBe(PASSWORD);
    const [updated] = audit.list({ action: 'customer.updated' });
    expect(updated!.details).toEqual({
      customer: 'Acme Inc',
      id: customer.id,
      changed: ['name', 'notes'],
      previousName: 'Acme Corp',
    });
    expect(() => store.get('Acme Corp')).toThrow(ConsignError);
    expect(store.get('acme inc').id).toBe(customer.id);

    await store.save({
      ...rest,
      id: customer.id,
      name: 'Acme Inc',
      notes: 'moved to a new name',
      password: 'new-secret-1',
    });
    expect(keychain.secrets.get(`customer:${customer.id}`)).toBe('new-secret-1');
    const last = audit.list({ action: 'customer.updated' }).at(-1)!;
    expect(last.details.changed).toEqual(['password']);
    expect(JSON.stringify(audit.list({}))).not.toContain('new-secret-1');

    // Switching to no authentication forgets the account and its password.
    const open = await store.save({
      id: customer.id,
      name: 'Acme Inc',
      registry: acme.registry,
      namespace: acme.namespace,
      auth: 'none',
    });
    expect(open).toMatchObject({ auth: 'none', hasPassword: false });
    expect(open.username).toBeUndefined();
    expect(keychain.secrets.size).toBe(0);
  });

  it('puts the keychain back when the edit cannot be recorded', async () => {
    const { keychain, store, db } = setup();
    const customer = await store.save(acme);
    db.exec(
      "CREATE TRIGGER no_updates BEFORE UPDATE ON customers BEGIN SELECT RAISE(ABORT, 'disk full'); END",
    );
    await expect(store.save({ ...acme, id: customer.id, password: 'other' })).rejects.toThrow(
      'disk full',
    );
    expect(keychain.secrets.get(`customer:${customer.id}`)).toBe(PASSWORD);
  });

  it('removes the customer, its entitlements and its keychain entry', async () => {
    const { audit, keychain, store, count } = setup();
    await store.save(acme);
    expect(await store.remove('acme corp')).toBe(true);
    expect(await store.remove('acme corp')).toBe(false);
    expect(count('customers')).toBe(0);
    expect(count('customer_entitlements')).toBe(0);
    expect(keychain.secrets.size).toBe(0);
    expect(audit.list({ action: 'customer.removed' })[0]!.details.customer).toBe('Acme Corp');
  });

  it('keeps everything when the keychain refuses to forget the password', async () => {
    const { keychain, store, count } = setup();
    await store.save(acme);
    keychain.locked = true;
    await expect(store.remove('Acme Corp')).rejects.toMatchObject({ code: 'KEYCHAIN_LOCKED' });
    expect(count('customers')).toBe(1);
  });

  it('entitles and unentitles, audited as added and removed products', async () => {
    const { audit, store } = setup();
    const customer = await store.save({ ...acme, entitlements: [] });
    expect(store.isEntitled(customer, 'api')).toBe(false);
    expect(store.entitle('Acme Corp', ['api', 'web']).entitlements).toEqual(['api', 'web']);
    expect(store.isEntitled('acme corp', 'api')).toBe(true);
    expect(store.unentitle('Acme Corp', ['web']).entitlements).toEqual(['api']);
    expect(() => store.unentitle('Acme Corp', ['db'])).toThrow(/not entitled/);
    expect(store.setEntitlements('Acme Corp', ['db']).entitlements).toEqual(['db']);
    const events = audit.list({ action: 'customer.entitlements' }).map((e) => e.details);
    expect(events).toEqual([
      { customer: 'Acme Corp', id: customer.id, added: ['api', 'web'], removed: [] },
      { customer: 'Acme Corp', id: customer.id, added: [], removed: ['web'] },
      { customer: 'Acme Corp', id: customer.id, added: ['db'], removed: ['api'] },
    ]);
  });

  it('builds a client with the customer own host and settings', async () => {
    const { store } = setup();
    const customer = await store.save({ ...acme, insecureHttp: true });
    const client = store.clientFor(customer);
    expect(client.host).toBe('registry.example.com:5000');
    expect(client.baseUrl.protocol).toBe('http:');
    client.close();
    expect(store.repositoryFor(customer, 'vendor/apps/api')).toBe('acme/prod/api');
    await expect(store.credentials(customer)).resolves.toEqual({
      username: 'acme-bot',
      password: PASSWORD,
    });
  });

  it('changes nothing when the audit event of a change cannot be written', async () => {
    const { audit, keychain, store, count } = setup();
    const saved = await store.save(acme);
    const before = store.get('Acme Corp');
    audit.append = () => {
      throw new Error('the disk is full');
    };
    // Adding: no row, no entitlements, no password left behind.
    await expect(store.save({ ...acme, name: 'Globex' })).rejects.toThrow('the disk is full');
    expect(count('customers')).toBe(1);
    expect(count('customer_entitlements')).toBe(before.entitlements.length);
    expect([...keychain.secrets.values()]).toEqual([PASSWORD]);
    // Editing, with a new password and entitlements: all as it was, the old password back.
    await expect(
      store.save({
        ...acme,
        id: saved.id,
        namespace: 'acme/other',
        password: 'new-pw-1',
        entitlements: ['x'],
      }),
    ).rejects.toThrow('the disk is full');
    expect(store.get('Acme Corp')).toEqual(before);
    expect([...keychain.secrets.values()]).toEqual([PASSWORD]);
    // Entitlements alone.
    expect(() => store.setEntitlements('Acme Corp', ['other'])).toThrow('the disk is full');
    expect(store.get('Acme Corp')).toEqual(before);
    // Removing: the customer stays, saying its password is gone (the keychain went first).
    await expect(store.remove('Acme Corp')).rejects.toThrow('the disk is full');
    expect(store.get('Acme Corp')).toEqual({ ...before, hasPassword: false });
    expect(count('customer_entitlements')).toBe(before.entitlements.length);
  });
});
