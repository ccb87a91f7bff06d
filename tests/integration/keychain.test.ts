import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Keychain } from '../../electron/core/keychain';
import type { SystemStatus } from '../../shared/contract';
import { CLI } from '../support/consign-cli';
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
      const shellEnv = { ...process.env, XDG_DATA_HOME: dataHome };
      // First session: create a login keyring protected by a password.
      const create = spawnSync(
        'dbus-run-session',
        [
          '--',
          'sh',
          '-c',
          'printf pw | gnome-keyring-daemon --unlock --components=secrets --daemonize >/dev/null && ' +
            'printf v | secret-tool store --label=seed app consign-test && ' +
            'kill $(pgrep -n -f "gnome-keyring-daemon --unlock") 2>/dev/null; true',
        ],
        { env: shellEnv, encoding: 'utf8', timeout: 60_000 },
      );
      expect(create.status).toBe(0);
      // Second session: the daemon starts without the password, so the keyring stays locked.
      const locked = spawnSync(
        'dbus-run-session',
        [
          '--',
          'sh',
          '-c',
          `gnome-keyring-daemon --components=secrets --daemonize >/dev/null; ` +
            `"${process.execPath}" "${CLI}" doctor --json --home "${join(dataHome, 'ws')}"; code=$?; ` +
            'kill $(pgrep -n -f "gnome-keyring-daemon --components") 2>/dev/null; exit $code',
        ],
        { env: shellEnv, encoding: 'utf8', timeout: 60_000 },
      );
      expect(locked.status).toBe(3);
      const status = JSON.parse(locked.stdout) as SystemStatus;
      expect(status.keychain).toMatchObject({ state: 'error', available: false });
      expect(status.keychain.message).toMatch(/locked/);
      expect(status.keychain.remedy).toMatch(/Unlock/);
    });
  });
});
