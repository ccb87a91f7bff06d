import { describe, expect, it } from 'vitest';
import { AuditLog } from '../audit';
import { openDatabase, type Database } from '../db';
import { ConsignError } from '../errors';
import type { Keychain } from '../keychain';
import { KeyStore } from './index';

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

function setup(options: { failAudit?: boolean } = {}) {
  const db: Database = openDatabase(':memory:');
  const audit = new AuditLog(db, { user: 'u', host: 'h', app: 'consign/test' });
  const keychain = new FakeKeychain();
  const auditOrFailing = options.failAudit
    ? ({
        append() {
          throw new Error('disk full');
        },
      } as unknown as AuditLog)
    : audit;
  const store = new KeyStore(db, auditOrFailing, keychain as unknown as Keychain);
  const count = (table: string) =>
    (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  return { db, audit, keychain, store, count };
}

describe('KeyStore', () => {
  it('records nothing when the keychain refuses the private key', async () => {
    const { keychain, store, count } = setup();
    keychain.locked = true;
    await expect(store.generate('k')).rejects.toMatchObject({ code: 'KEYCHAIN_LOCKED' });
    expect(count('keys')).toBe(0);
    expect(count('audit_events')).toBe(0);
  });

  it('removes the stored secret again when recording the key fails', async () => {
    const { keychain, store, count } = setup({ failAudit: true });
    await expect(store.generate('k')).rejects.toThrow('disk full');
    expect(keychain.secrets.size).toBe(0);
    expect(count('keys')).toBe(0);
  });

  it('hands the private key to a signer and records its use, never for a revoked key', async () => {
    const { keychain, store, audit } = setup();
    const key = await store.generate('k');
    expect([...keychain.secrets.keys()]).toEqual([`key:${key.id}`]);
    expect(keychain.secrets.get(`key:${key.id}`)).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    const privateKey = await store.privateKey(key.id);
    expect(privateKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(store.get(key.id).lastUsedAt).toEqual(expect.any(String));

    // A locked keychain keeps the key as it was: revocation needs the secret gone.
    keychain.locked = true;
    await expect(store.revoke(key.id, 'lost')).rejects.toMatchObject({ code: 'KEYCHAIN_LOCKED' });
    expect(store.get(key.id).state).toBe('active');
    keychain.locked = false;

    const revoked = await store.revoke(key.id, '  lost  ');
    expect(revoked).toMatchObject({ state: 'revoked', revocationReason: 'lost' });
    expect(keychain.secrets.size).toBe(0);
    await expect(store.privateKey(key.id)).rejects.toMatchObject({ code: 'CHECK_FAILED' });
    await expect(store.revoke(key.id, 'again')).rejects.toMatchObject({ code: 'BAD_INPUT' });
    expect(store.exportPublic(key.id)).toBe(key.publicKey);
    expect(audit.list().map((event) => event.action)).toEqual([
      'key.generated',
      'key.revoked',
      'key.public-exported',
    ]);
    expect(audit.verify()).toMatchObject({ ok: true });
  });

  it('says NOT_FOUND for an unknown id, and when the keychain lost the secret', async () => {
    const { keychain, store } = setup();
    expect(() => store.get('nope')).toThrow(/There is no key with id nope/);
    const key = await store.generate('k');
    keychain.secrets.clear();
    await expect(store.privateKey(key.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
