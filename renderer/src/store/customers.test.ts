import { describe, expect, it } from 'vitest';
import type { Customer, CustomerTest } from '../../../shared/contract';
import { useStore } from '.';
import { resetStoreAfterEach, stubBridge } from './test-bridge';

const customer: Customer = {
  id: 'c1',
  name: 'Acme',
  registry: 'registry.acme.example:5000',
  namespace: 'acme/releases',
  auth: 'basic',
  username: 'deliveries',
  hasPassword: true,
  insecureHttp: false,
  contacts: ['Jane Doe <jane@acme.example>'],
  entitlements: ['orbit'],
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
};

const passed: CustomerTest = {
  name: 'Acme',
  reachable: true,
  authenticated: true,
  canPush: true,
};

resetStoreAfterEach();

describe('customers slice', () => {
  it('passes the password through without keeping it, then refreshes the list', async () => {
    const secret = 'quartz-harbour-1847';
    const invoke = stubBridge((channel) =>
      channel === 'customers.list' ? { ok: true, data: [customer] } : { ok: true, data: customer },
    );
    const request = {
      name: 'Acme',
      registry: customer.registry,
      namespace: customer.namespace,
      auth: 'basic' as const,
      username: 'deliveries',
      password: secret,
    };
    const outcome = await useStore.getState().customers.save(request);
    expect(outcome).toEqual({ ok: true, data: customer });
    expect(invoke).toHaveBeenCalledWith('customers.save', request);
    expect(invoke).toHaveBeenLastCalledWith('customers.list', {});
    expect(useStore.getState().customers.items).toEqual([customer]);
    expect(JSON.stringify(useStore.getState())).not.toContain(secret);
  });

  it('keeps test results by id, and an edit forgets the stale one', async () => {
    let answer: CustomerTest = passed;
    const invoke = stubBridge((channel) => {
      if (channel === 'customers.test') return { ok: true, data: answer };
      if (channel === 'customers.list') return { ok: true, data: [customer] };
      return { ok: true, data: customer };
    });
    await useStore.getState().customers.test(customer);
    expect(invoke).toHaveBeenCalledWith('customers.test', { name: 'Acme' });
    expect(useStore.getState().customers.tests.c1).toEqual({
      running: false,
      result: passed,
      error: null,
    });

    answer = {
      ...passed,
      authenticated: false,
      canPush: false,
      error: 'The registry refused the username and password.',
      remedy: 'Enter the current password.',
    };
    await useStore.getState().customers.test(customer);
    expect(useStore.getState().customers.tests.c1?.result).toEqual(answer);

    await useStore
      .getState()
      .customers.save({ id: 'c1', name: 'Acme Corp', registry: 'r', namespace: 'n', auth: 'none' });
    expect(useStore.getState().customers.tests.c1).toBeUndefined();
  });

  it('keeps a failed test request apart from a test that said no', async () => {
    stubBridge(() => ({
      ok: false,
      error: { code: 'NOT_FOUND', message: 'No customer named Acme.', remedy: 'Refresh.' },
    }));
    await useStore.getState().customers.test(customer);
    const state = useStore.getState().customers.tests.c1;
    expect(state?.running).toBe(false);
    expect(state?.result).toBeNull();
    expect(state?.error?.code).toBe('NOT_FOUND');
    expect(state?.error?.remedy).toBe('Refresh.');
  });

  it('returns a refused removal with its remedy and leaves the list and tests alone', async () => {
    useStore.setState((state) => ({
      customers: {
        ...state.customers,
        tests: { c1: { running: false, result: passed, error: null } },
      },
    }));
    const invoke = stubBridge(() => ({
      ok: false,
      error: { code: 'KEYCHAIN_LOCKED', message: 'Locked.', remedy: 'Unlock the keychain.' },
    }));
    const outcome = await useStore.getState().customers.remove(customer);
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) expect(outcome.error.remedy).toBe('Unlock the keychain.');
    expect(invoke).toHaveBeenCalledTimes(1);
    expect(useStore.getState().customers.tests.c1?.result).toEqual(passed);
    expect(useStore.getState().customers.loaded).toBe(false);
  });

  it('removes by name, forgets the test and refreshes', async () => {
    useStore.setState((state) => ({
      customers: {
        ...state.customers,
        tests: { c1: { running: false, result: passed, error: null } },
      },
    }));
    const invoke = stubBridge((channel) =>
      channel === 'customers.list' ? { ok: true, data: [] } : { ok: true, data: { removed: true } },
    );
    const outcome = await useStore.getState().customers.remove(customer);
    expect(outcome).toEqual({ ok: true, data: true });
    expect(invoke).toHaveBeenCalledWith('customers.remove', { name: 'Acme' });
    expect(useStore.getState().customers.tests).toEqual({});
    expect(useStore.getState().customers.items).toEqual([]);
    expect(useStore.getState().customers.loaded).toBe(true);
  });

  it('writes a kit and returns the files', async () => {
    const written = { dir: '/kits/acme', files: ['README.md', 'consign.pub'] };
    const invoke = stubBridge(() => ({ ok: true, data: written }));
    const outcome = await useStore.getState().customers.kit('Acme', '/kits/acme');
    expect(outcome).toEqual({ ok: true, data: written });
    expect(invoke).toHaveBeenCalledWith('customers.kit', { name: 'Acme', dir: '/kits/acme' });
  });
});
