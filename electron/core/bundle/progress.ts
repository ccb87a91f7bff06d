/** The steps of a bundle export or import as `progress` events of the caller's task. */
import type { Engine } from '../engine';
import { toErrorInfo } from '../errors';
import { tasksOf } from '../tasks';

export interface BundleRunOptions {
  /** Follows the run as `progress` events (and lets `tasks.cancel` stop it where registered). */
  taskId?: string;
  signal?: AbortSignal;
}

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

/**
 * Runs `work` as the caller's task when it named one (so `tasks.cancel` stops it), with the
 * caller's own signal too when it gave one.
 */
export function asTask<T>(
  engine: Engine,
  options: BundleRunOptions,
  what: string,
  work: (signal: AbortSignal | undefined) => Promise<T>,
): Promise<T> {
  if (!options.taskId) return work(options.signal);
  return tasksOf(engine).run(options.taskId, what, (cancel) =>
    work(options.signal ? AbortSignal.any([cancel, options.signal]) : cancel),
  );
}
