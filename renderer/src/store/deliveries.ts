import type { StateCreator } from 'zustand';
import type {
  Delivery,
  DeliveryCustomer,
  DeliveryPlan,
  DeliveryRequest,
  DeliverySummary,
  EventOf,
  ResponseOf,
} from '../../../shared/contract';
import { call, subscribe, toApiError, type ApiError } from '../api';
import type { StoreState } from '.';
import type { BlobProgress } from './copy';
import { emptyList, latestListLoader, type ListState } from './list';

/** Where the New delivery dialog stands: the form, the checked plan, the live run, the outcome. */
export type DeliveryStep = 'form' | 'plan' | 'run' | 'done';

/** The New delivery dialog (also shows a resumed delivery's run). */
export interface DeliveryFlow {
  open: boolean;
  step: DeliveryStep;
  /** What was planned and will be started. */
  request: DeliveryRequest | null;
  plan: DeliveryPlan | null;
  planning: boolean;
  /** Chosen here for the running plan or run; events of any other task are ignored. */
  taskId: string | null;
  /** Layers read while the plan scans, by blob digest. */
  scanning: Record<string, BlobProgress>;
  /** The delivery being run, once known (the first snapshot names it). */
  deliveryId: string | null;
  /** The newest snapshot of the running delivery. */
  live: Delivery | null;
  /** Per customer name, per blob digest. */
  progress: Record<string, Record<string, BlobProgress>>;
  /** When the run started (ms since the epoch), for the end-of-run notification. */
  startedAt: number | null;
  /** When the run ended, or null while it runs. */
  endedAt: number | null;
  cancelling: boolean;
  error: ApiError | null;
}

/** The answer of a delivery request, or why it failed. */
export type DeliveryOutcome<T> = { ok: true; data: T } | { ok: false; error: ApiError };

export interface DeliveriesSlice {
  deliveries: ListState<DeliverySummary> & {
    /** The delivery shown in detail (also set from elsewhere, e.g. a trace result). */
    selectedId: string | null;
    select: (id: string | null) => void;
    /** The selected delivery in full, once loaded. */
    detail: Delivery | null;
    detailLoading: boolean;
    detailError: ApiError | null;
    flow: DeliveryFlow;
    load: () => Promise<void>;
    /** Loads the selected delivery (again). */
    loadDetail: () => Promise<void>;
    openNew: () => void;
    /** Closes the dialog; refused while a plan or run is under way. */
    closeFlow: () => void;
    /** Resolves, scans and judges `request` for its customers; nothing is pushed. */
    plan: (request: DeliveryRequest) => Promise<void>;
    /** Back from the plan to the form, keeping what was typed. */
    edit: () => void;
    /** Runs the planned delivery with live progress. */
    start: () => Promise<DeliveryOutcome<Delivery>>;
    /** Finishes an interrupted, failed or partial delivery; with `customers`, only those. */
    resume: (id: string, customers?: string[]) => Promise<DeliveryOutcome<Delivery>>;
    /** Asks the engine to stop the running plan or run. */
    cancel: () => Promise<void>;
    /** Writes a delivery's signed records into a new or empty folder where the engine runs. */
    saveRecords: (
      id: string,
      dir: string,
    ) => Promise<DeliveryOutcome<ResponseOf<'deliveries.saveRecords'>>>;
    /**
     * Keeps the list and detail current with deliveries run by others in this engine (e.g. an
     * imported bundle); returns the unsubscribe function.
     */
    watch: () => () => void;
    /**
     * A new snapshot of any delivery: the list, the detail and the live run follow it. `taskId`
     * names the run that saved it, when it says.
     */
    applyDelivery: (snapshot: Delivery & { taskId?: string }) => void;
    applyProgress: (event: EventOf<'progress'>) => void;
  };
}

const idleFlow: DeliveryFlow = {
  open: false,
  step: 'form',
  request: null,
  plan: null,
  planning: false,
  taskId: null,
  scanning: {},
  deliveryId: null,
  live: null,
  progress: {},
  startedAt: null,
  endedAt: null,
  cancelling: false,
  error: null,
};

/** A delivery as the list shows it. */
export function summarize(delivery: Delivery): DeliverySummary {
  return {
    id: delivery.id,
    release: delivery.release,
    origin: delivery.origin,
    status: delivery.status,
    ...(delivery.gate ? { gate: delivery.gate } : {}),
    keyFingerprint: delivery.keyFingerprint,
    createdAt: delivery.createdAt,
    updatedAt: delivery.updatedAt,
    images: delivery.images.length,
    customers: delivery.customers.map(({ name, status }) => ({ name, status })),
  };
}

/** A customer's status as a run shows it: under way as soon as one of its images is. */
export function customerProgressStatus(customer: DeliveryCustomer): DeliveryCustomer['status'] {
  if (customer.status === 'pending' && customer.images.some((t) => t.status !== 'pending')) {
    return 'running';
  }
  return customer.status;
}

/** Whether every image of the customer is past copying (its layers are all there). */
export function layersInPlace(customer: DeliveryCustomer): boolean {
  return (
    customer.images.length > 0 &&
    customer.images.every((t) => t.status !== 'pending' && t.status !== 'copying')
  );
}

/** Statuses a delivery can be resumed from (a cancelled one goes on where it stopped). */
export function canResume(status: Delivery['status']): boolean {
  return (
    status === 'interrupted' ||
    status === 'failed' ||
    status === 'partial' ||
    status === 'cancelled'
  );
}

/** One blob's newest progress; a finished blob stays finished when an older event arrives late. */
function nextBlob(
  previous: BlobProgress | undefined,
  event: EventOf<'progress'>,
): BlobProgress | null {
  if (!event.item) return null;
  if (previous && (previous.state === 'done' || previous.state === 'failed')) {
    if (event.state === 'running' || event.state === 'queued') return null;
  }
  return {
    digest: event.item,
    state: event.state,
    done: event.done,
    total: event.total ?? previous?.total ?? 0,
  };
}

export const createDeliveriesSlice: StateCreator<StoreState, [], [], DeliveriesSlice> = (
  set,
  get,
) => {
  const patch = (values: Partial<DeliveriesSlice['deliveries']>) =>
    set((state) => ({ deliveries: { ...state.deliveries, ...values } }));
  const patchFlow = (values: Partial<DeliveryFlow>) =>
    set((state) => ({
      deliveries: { ...state.deliveries, flow: { ...state.deliveries.flow, ...values } },
    }));
  const flow = () => get().deliveries.flow;
  let latestDetail = 0;

  // While a task of ours runs, its own subscription applies snapshots (and `watch` stands back).
  let following = 0;

  /** Follows one task's events for as long as it runs. */
  const follow = (taskId: string) => {
    following += 1;
    const stops = [
      subscribe('progress', (event) => {
        if (event.taskId === taskId) get().deliveries.applyProgress(event);
      }),
      subscribe('delivery', (delivery) => get().deliveries.applyDelivery(delivery)),
    ];
    return () => {
      following -= 1;
      stops.forEach((stop) => stop());
    };
  };

  /** Runs a start or resume in the dialog's run step, then shows its outcome. */
  const run = async (
    channel: 'deliveries.start' | 'deliveries.resume',
    request: () => Promise<Delivery>,
    taskId: string,
  ): Promise<DeliveryOutcome<Delivery>> => {
    const stop = follow(taskId);
    try {
      const delivery = await request();
      get().deliveries.applyDelivery(delivery);
      if (flow().taskId === taskId) {
        patchFlow({ step: 'done', live: delivery, deliveryId: delivery.id, endedAt: Date.now() });
      }
      return { ok: true, data: delivery };
    } catch (thrown) {
      const error = toApiError(channel, thrown);
      if (flow().taskId === taskId) {
        patchFlow({ step: 'done', error, endedAt: Date.now(), cancelling: false });
        // What was saved before the failure (or the cancel) is the truth to show.
        const id = flow().deliveryId;
        if (id) {
          try {
            get().deliveries.applyDelivery(await call('deliveries.get', { id }));
          } catch {
            // The run's own error is already shown.
          }
        }
      }
      return { ok: false, error };
    } finally {
      stop();
      void get().deliveries.load();
    }
  };

  return {
    deliveries: {
      ...emptyList(),
      selectedId: null,
      select: (id) => set((state) => ({ deliveries: { ...state.deliveries, selectedId: id } })),
      detail: null,
      detailLoading: false,
      detailError: null,
      flow: idleFlow,
      load: latestListLoader('deliveries.list', patch),
      loadDetail: async () => {
        const id = get().deliveries.selectedId;
        const request = ++latestDetail;
        if (!id) {
          patch({ detail: null, detailLoading: false, detailError: null });
          return;
        }
        // Another delivery's detail must never show under this one, even for a moment.
        const shown = get().deliveries.detail;
        patch({
          detail: shown?.id === id ? shown : null,
          detailLoading: true,
          detailError: null,
        });
        try {
          const detail = await call('deliveries.get', { id });
          if (request === latestDetail && get().deliveries.selectedId === id) {
            patch({ detail, detailLoading: false });
          }
        } catch (error) {
          if (request === latestDetail) {
            patch({
              detail: null,
              detailLoading: false,
              detailError: toApiError('deliveries.get', error),
            });
          }
        }
      },
      openNew: () => {
        if (flow().open) return;
        patchFlow({ ...idleFlow, open: true });
      },
      closeFlow: () => {
        const { planning, step } = flow();
        if (planning || step === 'run') return;
        patchFlow(idleFlow);
      },
      plan: async (request) => {
        if (flow().planning || flow().step === 'run') return;
        const taskId = crypto.randomUUID();
        patchFlow({ request, planning: true, taskId, scanning: {}, plan: null, error: null });
        const stop = follow(taskId);
        try {
          const plan = await call('deliveries.plan', { ...request, taskId });
          if (flow().taskId === taskId) patchFlow({ plan, step: 'plan', planning: false });
        } catch (error) {
          if (flow().taskId === taskId) {
            // A cancelled plan is not a failure: the form stays as it was.
            const cancelled = flow().cancelling;
            patchFlow({
              planning: false,
              cancelling: false,
              error: cancelled ? null : toApiError('deliveries.plan', error),
            });
          }
        } finally {
          stop();
        }
      },
      edit: () => {
        if (flow().planning || flow().step === 'run') return;
        patchFlow({ step: 'form', plan: null, error: null });
      },
      start: async () => {
        const { request, plan, step } = flow();
        if (!request || !plan || step !== 'plan' || plan.gate === 'block') {
          return {
            ok: false,
            error: toApiError('deliveries.start', new Error('Plan the delivery first.')),
          };
        }
        const taskId = crypto.randomUUID();
        patchFlow({
          step: 'run',
          taskId,
          deliveryId: null,
          live: null,
          progress: {},
          startedAt: Date.now(),
          endedAt: null,
          cancelling: false,
          error: null,
        });
        return run(
          'deliveries.start',
          () => call('deliveries.start', { ...request, taskId }),
          taskId,
        );
      },
      resume: async (id, customers) => {
        if (flow().planning || flow().step === 'run') {
          return {
            ok: false,
            error: toApiError('deliveries.resume', new Error('Another delivery is running.')),
          };
        }
        const taskId = crypto.randomUUID();
        const detail = get().deliveries.detail;
        patchFlow({
          ...idleFlow,
          open: true,
          step: 'run',
          taskId,
          deliveryId: id,
          live: detail?.id === id ? detail : null,
          startedAt: Date.now(),
        });
        return run(
          'deliveries.resume',
          () =>
            call('deliveries.resume', {
              id,
              taskId,
              ...(customers && customers.length > 0 ? { customers } : {}),
            }),
          taskId,
        );
      },
      cancel: async () => {
        const { taskId, planning, step } = flow();
        if (!taskId || !(planning || step === 'run')) return;
        patchFlow({ cancelling: true });
        try {
          const { cancelled } = await call('tasks.cancel', { taskId });
          if (!cancelled && flow().taskId === taskId) patchFlow({ cancelling: false });
        } catch (error) {
          if (flow().taskId === taskId) {
            patchFlow({ cancelling: false, error: toApiError('tasks.cancel', error) });
          }
        }
      },
      saveRecords: async (id, dir) => {
        try {
          return { ok: true, data: await call('deliveries.saveRecords', { id, dir }) };
        } catch (error) {
          return { ok: false, error: toApiError('deliveries.saveRecords', error) };
        }
      },
      watch: () =>
        subscribe('delivery', (delivery) => {
          if (following === 0) get().deliveries.applyDelivery(delivery);
        }),
      applyDelivery: ({ taskId, ...delivery }) => {
        const state = get().deliveries;
        const values: Partial<DeliveriesSlice['deliveries']> = {};
        const summary = summarize(delivery);
        const at = state.items.findIndex((item) => item.id === delivery.id);
        if (at === -1) {
          if (state.loaded) values.items = [summary, ...state.items];
        } else {
          values.items = state.items.map((item, index) => (index === at ? summary : item));
        }
        if (state.detail?.id === delivery.id) values.detail = delivery;
        const running = state.flow;
        // A new delivery's id is learnt from its first snapshot: the one our task saves.
        const ours =
          (running.step === 'run' || running.step === 'done') &&
          (running.deliveryId === delivery.id ||
            (running.step === 'run' &&
              running.deliveryId === null &&
              (taskId
                ? taskId === running.taskId
                : running.request?.release === delivery.release)));
        if (ours) {
          values.flow = { ...running, deliveryId: delivery.id, live: delivery };
        }
        patch(values);
      },
      applyProgress: (event) => {
        const current = flow();
        if (!current.taskId || event.taskId !== current.taskId || !event.item) return;
        if (!event.destination) {
          // Without a customer, it is a layer read by the plan's scan.
          const blob = nextBlob(current.scanning[event.item], event);
          if (blob) patchFlow({ scanning: { ...current.scanning, [event.item]: blob } });
          return;
        }
        const blobs = current.progress[event.destination] ?? {};
        const blob = nextBlob(blobs[event.item], event);
        if (!blob) return;
        patchFlow({
          progress: {
            ...current.progress,
            [event.destination]: { ...blobs, [event.item]: blob },
          },
        });
      },
    },
  };
};
