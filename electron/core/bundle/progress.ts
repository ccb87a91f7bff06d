/** The steps of a bundle export or import as `progress` events of the caller's task. */
import type { Engine } from '../engine';
import { toErrorInfo } from '../errors';

export type { TaskOptions as BundleRunOptions } from '../tasks';

export interface BundleSteps {
  report(label: string, done: number, total: number): void;
  done(label: string): void;
  failed(error: unknown): void;
}

export function bundleSteps(engine: Engine, taskId: string | undefined): BundleSteps {
  const emit = (
    label: string,
    state: 'running' | 'done' | 'failed',
    done: number,
    total: number,
    message?: string,
  ) => {
    if (!taskId) return;
    engine.events.emit('progress', {
      taskId,
      label,
      state,
      done,
      total,
      unit: 'items',
      destination: 'bundle',
      ...(message ? { message } : {}),
    });
  };
  return {
    report: (label, done, total) => emit(label, 'running', done, total),
    done: (label) => emit(label, 'done', 1, 1),
    failed: (error) => emit('Stopped', 'failed', 0, 1, toErrorInfo(error).message),
  };
}
