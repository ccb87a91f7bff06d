import { describe, expect, it, vi } from 'vitest';
import type { ImageSignatures, KeyInfo, Result, SignResult } from '../../../shared/contract';
import { useStore } from '.';
import { installBridge, resetStoreAfterEach, stubBridgeByChannel } from './test-bridge';

const ref = 'docker://registry.example.com/team/app:1.0';
const digest = `sha256:${'b'.repeat(64)}`;

const key: KeyInfo = {
  id: 'k1',
  name: 'release',
  algorithm: 'ecdsa-p256',
  fingerprint: 'a'.repeat(64),
  publicKey: '-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n',
  origin: 'generated',
  state: 'active',
  createdAt: '2026-01-01T00:00:00.000Z',
  lastUsedAt: '2026-01-02T00:00:00.000Z',
};

const unsigned: ImageSignatures = { digest, signatures: [] };
const signed: ImageSignatures = {
  digest,
  signatures: [
    {
      format: 'legacy',
      ref: `docker://registry.example.com/team/app:sha256-${'b'.repeat(64)}.sig`,
      keyFingerprint: key.fingerprint,
      keyId: key.id,
      keyName: key.name,
      keyState: 'active',
      valid: true,
    },
  ],
};
const signResult: SignResult = {
  digest,
  signatures: [{ format: 'legacy', ref: signed.signatures[0]!.ref, created: true }],
};

resetStoreAfterEach();

describe('signing slice', () => {
  it('lists a registry image’s signatures and asks nothing for other references', async () => {
    const invoke = stubBridgeByChannel({ 'images.signatures': () => ({ ok: true, data: signed }) });
    await useStore.getState().signing.load(`  ${ref} `);
    expect(invoke).toHaveBeenCalledWith('images.signatures', { ref });
    expect(useStore.getState().signing).toMatchObject({ ref, result: signed, loading: false });

    await useStore.getState().signing.load('docker-daemon:team/app:1.0');
    expect(invoke).toHaveBeenCalledTimes(1);
    expect(useStore.getState().signing).toMatchObject({ ref: null, result: null, error: null });
  });

  it('keeps only the latest answer when an older one arrives last', async () => {
    const other = 'docker://registry.example.com/team/other:2.0';
    let releaseFirst: (value: Result<unknown>) => void = () => {};
    const invoke = vi.fn((_channel: string, request: unknown) =>
      (request as { ref: string }).ref === ref
        ? new Promise<Result<unknown>>((resolve) => (releaseFirst = resolve))
        : Promise.resolve<Result<unknown>>({ ok: true, data: unsigned }),
    );
    installBridge(invoke);
    const first = useStore.getState().signing.load(ref);
    await useStore.getState().signing.load(other);
    releaseFirst({ ok: true, data: signed });
    await first;
    expect(useStore.getState().signing).toMatchObject({ ref: other, result: unsigned });
  });

  it('shows a failure with its remedy instead of an old list', async () => {
    stubBridgeByChannel({ 'images.signatures': () => ({ ok: true, data: signed }) });
    await useStore.getState().signing.load(ref);
    stubBridgeByChannel({
      'images.signatures': () => ({
        ok: false,
        error: {
          code: 'REGISTRY_UNAVAILABLE',
          message: 'registry.example.com cannot be reached.',
          remedy: 'Check the network.',
        },
      }),
    });
    await useStore.getState().signing.reload();
    const { signing } = useStore.getState();
    expect(signing.result).toBeNull();
    expect(signing.error?.code).toBe('REGISTRY_UNAVAILABLE');
    expect(signing.error?.remedy).toBe('Check the network.');
  });

  it('signs, then refreshes the signatures shown and the keys’ last use', async () => {
    let signedYet = false;
    const invoke = stubBridgeByChannel({
      'images.signatures': () => ({ ok: true, data: signedYet ? signed : unsigned }),
      'images.sign': () => {
        signedYet = true;
        return { ok: true, data: signResult };
      },
      'keys.list': () => ({ ok: true, data: [key] }),
    });
    await useStore.getState().signing.load(ref);
    expect(useStore.getState().signing.result).toEqual(unsigned);

    const outcome = await useStore
      .getState()
      .signing.sign({ ref, keyId: key.id, formats: ['legacy', 'bundle'] });
    expect(outcome).toEqual({ ok: true, data: signResult });
    expect(invoke).toHaveBeenCalledWith('images.sign', {
      ref,
      keyId: key.id,
      formats: ['legacy', 'bundle'],
    });
    expect(useStore.getState().signing.result).toEqual(signed);
    expect(useStore.getState().keys.items[0]?.lastUsedAt).toBe(key.lastUsedAt);
  });

  it('returns a refusal with its remedy, and still refreshes what may have changed', async () => {
    const invoke = stubBridgeByChannel({
      'images.signatures': () => ({ ok: true, data: unsigned }),
      'images.sign': () => ({
        ok: false,
        error: {
          code: 'CHECK_FAILED',
          message: 'The key release is revoked.',
          remedy: 'Sign with an active key.',
        },
      }),
      'keys.list': () => ({ ok: true, data: [{ ...key, state: 'revoked' }] }),
    });
    await useStore.getState().signing.load(ref);
    const outcome = await useStore
      .getState()
      .signing.sign({ ref, keyId: key.id, formats: ['legacy'] });
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) {
      expect(outcome.error.code).toBe('CHECK_FAILED');
      expect(outcome.error.remedy).toBe('Sign with an active key.');
    }
    expect(invoke.mock.calls.map(([channel]) => channel)).toEqual([
      'images.signatures',
      'images.sign',
      'images.signatures',
      'keys.list',
    ]);
    expect(useStore.getState().keys.items[0]?.state).toBe('revoked');
  });

  it('opening and closing the inspector loads and forgets the signatures', async () => {
    const invoke = stubBridgeByChannel({
      'images.inspect': () => ({ ok: false, error: { code: 'NOT_FOUND', message: 'gone' } }),
      'images.signatures': () => ({ ok: true, data: signed }),
    });
    await useStore.getState().inspector.open(ref);
    expect(invoke).toHaveBeenCalledWith('images.signatures', { ref });
    expect(useStore.getState().signing.result).toEqual(signed);
    useStore.getState().inspector.close();
    expect(useStore.getState().signing).toMatchObject({ ref: null, result: null });
  });
});
