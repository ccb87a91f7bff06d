import { describe, expect, it } from 'vitest';
import type { KeyInfo } from '../../../shared/contract';
import { useStore } from '.';
import { resetStoreAfterEach, stubBridge } from './test-bridge';

const key: KeyInfo = {
  id: 'k1',
  name: 'release',
  algorithm: 'ecdsa-p256',
  fingerprint: 'a'.repeat(64),
  publicKey: '-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n',
  origin: 'imported',
  state: 'active',
  createdAt: '2026-01-01T00:00:00.000Z',
};

resetStoreAfterEach();

describe('keys slice', () => {
  it('passes an import passphrase through without keeping it, then refreshes the list', async () => {
    const secret = 'correct-horse-battery';
    const invoke = stubBridge((channel) =>
      channel === 'keys.list' ? { ok: true, data: [key] } : { ok: true, data: key },
    );
    const outcome = await useStore
      .getState()
      .keys.importFile({ name: 'release', path: '/keys/cosign.key', passphrase: secret });
    expect(outcome).toEqual({ ok: true, data: key });
    expect(invoke).toHaveBeenCalledWith('keys.import', {
      name: 'release',
      path: '/keys/cosign.key',
      passphrase: secret,
    });
    expect(invoke).toHaveBeenLastCalledWith('keys.list', {});
    expect(useStore.getState().keys.items).toEqual([key]);
    expect(JSON.stringify(useStore.getState())).not.toContain(secret);
  });

  it('returns the failure with its remedy and leaves the list alone', async () => {
    const invoke = stubBridge(() => ({
      ok: false,
      error: { code: 'BAD_INPUT', message: 'Already imported.', remedy: 'Use the existing key.' },
    }));
    const outcome = await useStore.getState().keys.revoke('k1', 'lost');
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) {
      expect(outcome.error.code).toBe('BAD_INPUT');
      expect(outcome.error.remedy).toBe('Use the existing key.');
    }
    expect(invoke).toHaveBeenCalledTimes(1);
    expect(useStore.getState().keys.loaded).toBe(false);
  });
});
