import { describe, expect, it, vi } from 'vitest';
import type {
  ConsignBridge,
  Delivery,
  DeliveryPlan,
  DeliveryRequest,
  EventOf,
  Result,
} from '../../../shared/contract';
import { useStore } from '.';
import { canResume, customerProgressStatus, layersInPlace, summarize } from './deliveries';
import { resetStoreAfterEach, stubBridge, stubBridgeByChannel } from './test-bridge';

const digest = `sha256:${'d'.repeat(64)}`;
const blobA = `sha256:${'a'.repeat(64)}`;
const blobB = `sha256:${'b'.repeat(64)}`;
const at = '2026-11-29T01:00:00.000Z';

const request: DeliveryRequest = {
  release: 'orbit@2.4.0',
  images: ['docker://registry.example.com/orbit/api:2.4.0'],
  customers: ['Acme', 'Globex'],
  keyId: 'k1',
};

const image = {
  source: request.images[0]!,
  name: 'api',
  tag: '2.4.0',
  digest,
  verdict: 'pass' as const,
  reasons: [],
  warnings: [],
};

const plan: DeliveryPlan = {
  release: request.release,
  gate: 'pass',
  images: [image],
  customers: [
    { name: 'Acme', entitled: true, refs: ['docker://acme.example/releases/api:2.4.0'] },
    { name: 'Globex', entitled: false, refs: [] },
  ],
};

function delivery(values: Partial<Delivery> = {}): Delivery {
  return {
    id: 'dl1',
    release: request.release,
    product: 'orbit',
    version: '2.4.0',
    origin: 'deliver',
    status: 'running',
    keyId: 'k1',
    keyFingerprint: 'SHA256:abc',
    gate: 'pass',
    images: [image],
    customers: [
      {
        id: 'c1',
        name: 'Acme',
        status: 'running',
        images: [
          {
            source: image.source,
            ref: 'docker://acme.example/releases/api:2.4.0',
            status: 'copying',
            signed: false,
            verified: false,
            updatedAt: at,
          },
        ],
      },
      { id: 'c2', name: 'Globex', status: 'refused', images: [] },
    ],
    createdAt: at,
    updatedAt: at,
    ...values,
  };
}

function progress(values: Partial<EventOf<'progress'>>): EventOf<'progress'> {
  return { taskId: '', label: '', state: 'running', done: 0, unit: 'bytes', ...values };
}

/** A bridge whose events the test emits, with each call answered by `answer`. */
function eventBridge(answer: (channel: string, request: unknown) => Promise<Result<unknown>>) {
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  const invoke = vi.fn(answer);
  vi.stubGlobal('window', {
    consign: {
      invoke,
      on: (event: string, listener: (payload: unknown) => void) => {
        const set = listeners.get(event) ?? new Set();
        set.add(listener);
        listeners.set(event, set);
        return () => set.delete(listener);
      },
    } as unknown as ConsignBridge,
  });
  const emit = (event: string, payload: unknown) =>
    listeners.get(event)?.forEach((listener) => listener(payload));
  const listening = (event: string) => listeners.get(event)?.size ?? 0;
  return { invoke, emit, listening };
}

resetStoreAfterEach();

describe('deliveries slice', () => {
  it('loads the list, and keeps the selection others set', async () => {
    const summary = summarize(delivery({ status: 'delivered' }));
    const invoke = stubBridge(() => ({ ok: true, data: [summary] }));
    useStore.getState().deliveries.select('dl1');
    await useStore.getState().deliveries.load();
    expect(invoke).toHaveBeenCalledWith('deliveries.list', {});
    expect(useStore.getState().deliveries).toMatchObject({
      items: [summary],
      loaded: true,
      selectedId: 'dl1',
    });
    expect(summary.customers).toEqual([
      { name: 'Acme', status: 'running' },
      { name: 'Globex', status: 'refused' },
    ]);
    expect(summary.images).toBe(1);
  });

  it('loads the selected delivery, and never shows another one under it', async () => {
    let answer: (value: Result<unknown>) => void = () => {};
    const invoke = stubBridge(() => new Promise((resolve) => (answer = resolve)));
    const { deliveries } = useStore.getState();
    deliveries.select('dl1');
    const loading = deliveries.loadDetail();
    expect(useStore.getState().deliveries.detailLoading).toBe(true);
    answer({ ok: true, data: delivery() });
    await loading;
    expect(invoke).toHaveBeenCalledWith('deliveries.get', { id: 'dl1' });
    expect(useStore.getState().deliveries.detail?.id).toBe('dl1');

    // A different selection drops the shown detail at once.
    useStore.getState().deliveries.select('dl2');
    const next = useStore.getState().deliveries.loadDetail();
    expect(useStore.getState().deliveries.detail).toBeNull();
    answer({ ok: false, error: { code: 'NOT_FOUND', message: 'No delivery dl2.' } });
    await next;
    expect(useStore.getState().deliveries.detailError?.code).toBe('NOT_FOUND');
  });

  it('plans, then runs with its own task id, following only its events', async () => {
    let finish: (value: Result<unknown>) => void = () => {};
    const bridge = eventBridge((channel) => {
      if (channel === 'deliveries.plan') return Promise.resolve({ ok: true, data: plan });
      if (channel === 'deliveries.start') return new Promise((resolve) => (finish = resolve));
      if (channel === 'deliveries.list') return Promise.resolve({ ok: true, data: [] });
      return Promise.reject(new Error(`unexpected ${channel}`));
    });
    const { deliveries } = useStore.getState();
    deliveries.openNew();
    await deliveries.plan(request);
    const planTask = bridge.invoke.mock.calls[0]![1] as { taskId: string };
    expect(bridge.invoke).toHaveBeenCalledWith('deliveries.plan', {
      ...request,
      taskId: planTask.taskId,
    });
    expect(useStore.getState().deliveries.flow).toMatchObject({ step: 'plan', plan });
    expect(bridge.listening('progress')).toBe(0);

    const running = useStore.getState().deliveries.start();
    const flow = useStore.getState().deliveries.flow;
    expect(flow.step).toBe('run');
    const taskId = flow.taskId!;
    expect(taskId).not.toBe(planTask.taskId);
    expect(bridge.invoke).toHaveBeenCalledWith('deliveries.start', { ...request, taskId });

    // A running delivery cannot be closed.
    useStore.getState().deliveries.closeFlow();
    expect(useStore.getState().deliveries.flow.open).toBe(true);

    bridge.emit('delivery', delivery({ id: 'other', release: 'lantern@1.0.0' }));
    expect(useStore.getState().deliveries.flow.deliveryId).toBeNull();
    // Another run of the same release (its task id says so) is not ours.
    bridge.emit('delivery', { ...delivery({ id: 'twin' }), taskId: 'someone-else' });
    expect(useStore.getState().deliveries.flow.deliveryId).toBeNull();
    bridge.emit('delivery', { ...delivery(), taskId });
    expect(useStore.getState().deliveries.flow.deliveryId).toBe('dl1');
    expect(useStore.getState().deliveries.flow.live).not.toHaveProperty('taskId');
    expect(useStore.getState().deliveries.flow.live?.customers[0]?.status).toBe('running');

    const acme = 'Acme';
    bridge.emit('progress', progress({ taskId: 'another', destination: acme, item: blobA }));
    bridge.emit(
      'progress',
      progress({ taskId, destination: acme, item: blobA, done: 5, total: 10 }),
    );
    bridge.emit(
      'progress',
      progress({ taskId, destination: acme, item: blobB, done: 1, total: 30 }),
    );
    bridge.emit(
      'progress',
      progress({ taskId, destination: acme, item: blobA, state: 'done', done: 10, total: 10 }),
    );
    // A late running update does not undo a finished layer.
    bridge.emit(
      'progress',
      progress({ taskId, destination: acme, item: blobA, done: 7, total: 10 }),
    );
    const blobs = useStore.getState().deliveries.flow.progress[acme]!;
    expect(blobs[blobA]).toEqual({ digest: blobA, state: 'done', done: 10, total: 10 });
    expect(blobs[blobB]).toEqual({ digest: blobB, state: 'running', done: 1, total: 30 });

    const delivered = delivery({ status: 'delivered', finishedAt: at });
    finish({ ok: true, data: delivered });
    const outcome = await running;
    expect(outcome).toEqual({ ok: true, data: delivered });
    const done = useStore.getState().deliveries.flow;
    expect(done.step).toBe('done');
    expect(done.live?.status).toBe('delivered');
    expect(done.endedAt).not.toBeNull();
    expect(bridge.listening('progress')).toBe(0);
    expect(bridge.listening('delivery')).toBe(0);
  });

  it('does not start a delivery the gate blocks', async () => {
    const invoke = stubBridgeByChannel({
      'deliveries.plan': () => ({ ok: true, data: { ...plan, gate: 'block' } }),
    });
    const { deliveries } = useStore.getState();
    deliveries.openNew();
    await deliveries.plan(request);
    const outcome = await useStore.getState().deliveries.start();
    expect(outcome.ok).toBe(false);
    expect(invoke).toHaveBeenCalledTimes(1);
    expect(useStore.getState().deliveries.flow.step).toBe('plan');
  });

  it('keeps a failed plan on the form with its remedy', async () => {
    stubBridge(() => ({
      ok: false,
      error: { code: 'BAD_INPUT', message: 'No image at that reference.', remedy: 'Check it.' },
    }));
    const { deliveries } = useStore.getState();
    deliveries.openNew();
    await deliveries.plan(request);
    const flow = useStore.getState().deliveries.flow;
    expect(flow).toMatchObject({ step: 'form', planning: false, request });
    expect(flow.error?.remedy).toBe('Check it.');
  });

  it('resumes a delivery, or retries one customer only, and refreshes the detail', async () => {
    const failed = delivery({ status: 'partial' });
    const finished = delivery({ status: 'delivered' });
    const bridge = eventBridge((channel) => {
      if (channel === 'deliveries.resume') return Promise.resolve({ ok: true, data: finished });
      if (channel === 'deliveries.list') {
        return Promise.resolve({ ok: true, data: [summarize(finished)] });
      }
      if (channel === 'deliveries.get') return Promise.resolve({ ok: true, data: failed });
      return Promise.reject(new Error(`unexpected ${channel}`));
    });
    const { deliveries } = useStore.getState();
    deliveries.select('dl1');
    await deliveries.loadDetail();

    const outcome = await useStore.getState().deliveries.resume('dl1', ['Acme']);
    expect(outcome).toEqual({ ok: true, data: finished });
    const call = bridge.invoke.mock.calls.find(([channel]) => channel === 'deliveries.resume')!;
    expect(call[1]).toEqual({
      id: 'dl1',
      customers: ['Acme'],
      taskId: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    const state = useStore.getState().deliveries;
    expect(state.flow).toMatchObject({ open: true, step: 'done', deliveryId: 'dl1' });
    expect(state.detail?.status).toBe('delivered');
    await vi.waitFor(() =>
      expect(useStore.getState().deliveries.items[0]?.status).toBe('delivered'),
    );

    // Without customers, the whole delivery is resumed.
    useStore.getState().deliveries.closeFlow();
    await useStore.getState().deliveries.resume('dl1');
    const whole = bridge.invoke.mock.calls.filter(([channel]) => channel === 'deliveries.resume');
    expect(whole[1]![1]).not.toHaveProperty('customers');
  });

  it('shows a failed run with what was saved before it failed', async () => {
    const saved = delivery({ status: 'failed', error: 'The registry went away.' });
    const bridge = eventBridge((channel) => {
      if (channel === 'deliveries.plan') return Promise.resolve({ ok: true, data: plan });
      if (channel === 'deliveries.get') return Promise.resolve({ ok: true, data: saved });
      if (channel === 'deliveries.list') return Promise.resolve({ ok: true, data: [] });
      // The run fails after its first snapshot.
      bridge.emit('delivery', delivery());
      return Promise.resolve({
        ok: false,
        error: { code: 'REGISTRY_UNAVAILABLE', message: 'Connection refused.' },
      });
    });
    const { deliveries } = useStore.getState();
    deliveries.openNew();
    await deliveries.plan(request);
    const outcome = await useStore.getState().deliveries.start();
    expect(outcome.ok).toBe(false);
    const flow = useStore.getState().deliveries.flow;
    expect(flow.step).toBe('done');
    expect(flow.error?.code).toBe('REGISTRY_UNAVAILABLE');
    expect(flow.live?.status).toBe('failed');
  });

  it('cancels the running task by its id', async () => {
    let finish: (value: Result<unknown>) => void = () => {};
    const bridge = eventBridge((channel) => {
      if (channel === 'deliveries.plan') return Promise.resolve({ ok: true, data: plan });
      if (channel === 'deliveries.start') return new Promise((resolve) => (finish = resolve));
      if (channel === 'tasks.cancel')
        return Promise.resolve({ ok: true, data: { cancelled: true } });
      return Promise.resolve({ ok: true, data: [] });
    });
    const { deliveries } = useStore.getState();
    deliveries.openNew();
    await deliveries.plan(request);
    const running = useStore.getState().deliveries.start();
    const { taskId } = useStore.getState().deliveries.flow;
    await useStore.getState().deliveries.cancel();
    expect(bridge.invoke).toHaveBeenCalledWith('tasks.cancel', { taskId });
    expect(useStore.getState().deliveries.flow.cancelling).toBe(true);
    finish({ ok: true, data: delivery({ status: 'cancelled' }) });
    await running;
    expect(useStore.getState().deliveries.flow.live?.status).toBe('cancelled');
  });

  it('knows which statuses can be resumed', () => {
    const resumable = ['interrupted', 'failed', 'partial', 'cancelled'] as const;
    expect(resumable.every((status) => canResume(status))).toBe(true);
    const settled = ['running', 'delivered', 'blocked'] as const;
    expect(settled.some((status) => canResume(status))).toBe(false);
  });
});

describe('run view helpers', () => {
  it('shows a waiting customer as under way once one of its images is', () => {
    const [acme] = delivery().customers;
    expect(customerProgressStatus({ ...acme!, status: 'pending' })).toBe('running');
    const untouched = {
      ...acme!,
      status: 'pending' as const,
      images: acme!.images.map((t) => ({ ...t, status: 'pending' as const })),
    };
    expect(customerProgressStatus(untouched)).toBe('pending');
    expect(layersInPlace(untouched)).toBe(false);
    const signing = {
      ...acme!,
      images: acme!.images.map((t) => ({ ...t, status: 'signing' as const })),
    };
    expect(layersInPlace(signing)).toBe(true);
    expect(layersInPlace({ ...acme!, images: [] })).toBe(false);
  });
});

describe('watching deliveries run by others', () => {
  it('applies their snapshots to the list and detail, but stands back while a run of ours follows', async () => {
    const bridge = eventBridge((channel) => {
      if (channel === 'deliveries.list') return Promise.resolve({ ok: true, data: [] });
      if (channel === 'deliveries.get') return Promise.resolve({ ok: true, data: delivery() });
      return new Promise(() => {});
    });
    const { deliveries } = useStore.getState();
    await deliveries.load();
    const stop = deliveries.watch();
    bridge.emit('delivery', delivery({ id: 'imported', origin: 'bundle' }));
    expect(useStore.getState().deliveries.items.map((item) => item.id)).toEqual(['imported']);

    // A resume of ours runs (and never ends here): its own subscription applies each snapshot once.
    const apply = vi.spyOn(useStore.getState().deliveries, 'applyDelivery');
    void useStore.getState().deliveries.resume('dl1');
    bridge.emit('delivery', delivery({ status: 'running' }));
    expect(apply).toHaveBeenCalledTimes(1);
    expect(useStore.getState().deliveries.flow.live?.id).toBe('dl1');
    stop();
    expect(bridge.listening('delivery')).toBe(1);
  });
});
