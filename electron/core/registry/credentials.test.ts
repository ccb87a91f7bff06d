import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../db';
import type { Keychain } from '../keychain';
import { normalizeHost, RegistryCredentialStore } from './credentials';

const dir = mkdtempSync(join(tmpdir(), 'consign-credentials-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('normalizeHost', () => {
  it('drops a pasted scheme or path and lower-cases', () => {
    expect(normalizeHost('https://Registry.Example.com:5000/v2/')).toBe(
      'registry.example.com:5000',
    );
    expect(normalizeHost('127.0.0.1:5000')).toBe('127.0.0.1:5000');
    expect(normalizeHost('[::1]:5000')).toBe('[::1]:5000');
  });

  it('refuses what is not a host', () => {
    expect(() => normalizeHost('not a host')).toThrow(/is not a registry host/);
    expect(() => normalizeHost('')).toThrow(/is not a registry host/);
  });
});

describe('RegistryCredentialStore settings', () => {
  it('saves, lists and removes settings, with the password only in the keychain', async () => {
    const db = openDatabase(join(dir, 'consign.db'));
    const secrets = new Map<string, string>();
    // Settings are what this test is about; the real keychain is covered in tests/integration.
    const keychain = {
      get: (account: string) => Promise.resolve(secrets.get(account) ?? null),
      set: (account: string, secret: string) => Promise.resolve(void secrets.set(account, secret)),
      delete: (account: string) => Promise.resolve(secrets.delete(account)),
    } as unknown as Keychain;
    const store = new RegistryCredentialStore(db, keychain, { DOCKER_CONFIG: join(dir, 'none') });
    const saved = store.save('Registry.Example.com', {
      insecureHttp: true,
      caFile: 'ca.pem',
      username: 'u',
    });
    expect(saved).toMatchObject({
      host: 'registry.example.com',
      insecureHttp: true,
      username: 'u',
    });
    expect(saved.caFile).toMatch(/ca\.pem$/);
    expect(store.list().map((s) => s.host)).toEqual(['registry.example.com']);
    expect(store.endpoint('registry.example.com')).toMatchObject({ insecureHttp: true });
    expect(store.endpoint('registry.example.com', { insecureHttp: false }).insecureHttp).toBe(
      false,
    );
    expect((await store.credentials('registry.example.com')).origin).toBe('none');
    secrets.set('registry:registry.example.com', 'pw');
    expect(await store.credentials('registry.example.com')).toEqual({
      credentials: { username: 'u', password: 'pw' },
      origin: 'keychain',
    });
    expect(await store.remove('registry.example.com')).toBe(true);
    expect(store.list()).toEqual([]);
    expect(secrets.size).toBe(0);
    expect(await store.remove('registry.example.com')).toBe(false);
    db.close();
  });

  it("keeps settings as they were when the caller's record of the change fails", async () => {
    const db = openDatabase(join(dir, 'record.db'));
    const keychain = {
      delete: () => Promise.resolve(false),
    } as unknown as Keychain;
    const store = new RegistryCredentialStore(db, keychain, { DOCKER_CONFIG: join(dir, 'none') });
    const failing = () => {
      throw new Error('the audit log cannot be written');
    };
    expect(() => store.save('registry.example.com', { username: 'u' }, failing)).toThrow(
      'the audit log cannot be written',
    );
    expect(store.list()).toEqual([]);
    const recorded: string[] = [];
    store.save('registry.example.com', { username: 'u' }, (saved) => recorded.push(saved.host));
    expect(recorded).toEqual(['registry.example.com']);
    await expect(store.remove('registry.example.com', failing)).rejects.toThrow(
      'the audit log cannot be written',
    );
    expect(store.list().map((s) => s.username)).toEqual(['u']);
    db.close();
  });
});
