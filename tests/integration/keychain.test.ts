import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Keychain } from '../../electron/core/keychain';
import type { SystemStatus } from '../../shared/contract';
import { consignWithLockedKeyring, createLockedKeyring } from '../support/locked-keyring';
import { testEnv } from '../support/test-env';

describe('Keychain on a real Secret Service (gnome-keyring)', () => {
  const env = testEnv();
  const keychain = new Keychain(env.keychainService);

  it('stores, reads back and removes a secret', async () => {
    const account = `test-${Date.now()}`;
    await keychain.set(account, 's3cret-value');
    expect(await keychain.get(account)).toBe('s3cret-value');
    // The secret is really in the keyring, where other tools can see it.
    const viaSecretTool = execFileSync(
      'secret-tool',
      ['lookup', 'service', env.keychainService, 'username', account],
      {
        encoding: 'utf8',
      },
    );
    expect(viaSecretTool).toBe('s3cret-value');
    expect(await keychain.delete(account)).toBe(true);
    expect(await keychain.get(account)).toBeNull();
    expect(await keychain.delete(account)).toBe(false);
  });

  it('passes its own end-to-end probe', async () => {
    await expect(keychain.probe()).resolves.toBeUndefined();
  });

  describe('with a locked keyring', () => {
    const dataHome = mkdtempSync(join(tmpdir(), 'consign-locked-keyring-'));
    afterAll(() => rmSync(dataHome, { recursive: true, force: true }));

    it('says it is locked and how to unlock it (exit 3)', () => {
      createLockedKeyring(dataHome);
      const locked = consignWithLockedKeyring(dataHome, [
        ['doctor', '--json', '--home', join(dataHome, 'ws')],
      ]);
      expect(locked.stdout).toMatch(/codes 3\n$/);
      const status = JSON.parse(locked.stdout.replace(/codes.*\n$/, '')) as SystemStatus;
      expect(status.keychain).toMatchObject({ state: 'error', available: false });
      expect(status.keychain.message).toMatch(/locked/);
      expect(status.keychain.remedy).toMatch(/Unlock/);
    });
  });
});
