import { describe, expect, it } from 'vitest';
import type { Result } from '../../../shared/contract';
import { useStore } from '.';
import { resetStoreAfterEach, stubBridgeByChannel } from './test-bridge';
import type { TraceResult } from './trace';

const DIGEST = `sha256:${'a'.repeat(64)}`;
const answer = (query: string): TraceResult => ({
  query,
  kind: 'vulnerability',
  deliveries: [
    {
      deliveryId: 'd1',
      release: 'demo@1.0.0',
      customer: 'acme',
      ref: 'docker://registry.acme.example/ns/app:1',
      digest: DIGEST,
      at: '2026-11-01T10:00:00.000Z',
      keyFingerprint: 'f'.repeat(64),
      match: { kind: 'vulnerability', value: query },
    },
  ],
});

resetStoreAfterEach();

describe('trace slice', () => {
  it('opens with a vulnerability id and asks at once; opens empty without asking', async () => {
    const invoke = stubBridgeByChannel({
      'trace.query': (request) => ({
        ok: true,
        data: answer((request as { query: string }).query),
      }),
    });
    await useStore.getState().trace.openWith('CVE-2024-0001');
    expect(invoke).toHaveBeenCalledWith('trace.query', { query: 'CVE-2024-0001' });
    expect(useStore.getState().trace).toMatchObject({
      open: true,
      query: 'CVE-2024-0001',
      loading: false,
      result: answer('CVE-2024-0001'),
    });

    useStore.getState().trace.close();
    await useStore.getState().trace.openWith();
    expect(invoke).toHaveBeenCalledTimes(1);
    expect(useStore.getState().trace).toMatchObject({ open: true, query: '', result: null });
    // An empty query asks nothing.
    useStore.getState().trace.setQuery('   ');
    await useStore.getState().trace.run();
    expect(invoke).toHaveBeenCalledTimes(1);
  });

  it('shows a refused query with its remedy, and never an earlier answer for a later query', async () => {
    let releaseFirst: (value: Result<unknown>) => void = () => {};
    stubBridgeByChannel({
      'trace.query': (request) =>
        (request as { query: string }).query === 'CVE-2024-0001'
          ? new Promise<Result<unknown>>((resolve) => (releaseFirst = resolve))
          : {
              ok: false,
              error: { code: 'BAD_REQUEST', message: 'not a query', remedy: 'Give a digest.' },
            },
    });
    const first = useStore.getState().trace.openWith('CVE-2024-0001');
    expect(useStore.getState().trace.loading).toBe(true);
    useStore.getState().trace.setQuery('what');
    await useStore.getState().trace.run();
    releaseFirst({ ok: true, data: answer('CVE-2024-0001') });
    await first;
    const { trace } = useStore.getState();
    expect(trace.result).toBeNull();
    expect(trace.loading).toBe(false);
    expect(trace.error).toMatchObject({ code: 'BAD_REQUEST', remedy: 'Give a digest.' });
  });

  it('goes to a line’s delivery or to the customers, closing the dialog', async () => {
    stubBridgeByChannel({ 'trace.query': () => ({ ok: true, data: answer(DIGEST) }) });
    await useStore.getState().trace.openWith(DIGEST);
    useStore.getState().trace.showDelivery('d1');
    expect(useStore.getState().trace.open).toBe(false);
    expect(useStore.getState().deliveries.selectedId).toBe('d1');
    expect(useStore.getState().ui.page).toBe('deliveries');

    await useStore.getState().trace.openWith(DIGEST);
    useStore.getState().trace.showCustomers();
    expect(useStore.getState().trace.open).toBe(false);
    expect(useStore.getState().ui.page).toBe('customers');
  });
});
