/**
 * Long engine requests run from the command line (a delivery, a bundle export or import) as
 * engine tasks: Ctrl-C cancels the task as the app's Cancel button does, so the engine stops
 * cleanly and saves where it was, and on a terminal a progress bar shows the bytes moved.
 */
import { randomUUID } from 'node:crypto';
import type { EventName, EventOf } from '../../shared/contract';
import type { Engine } from '../core/engine';
import { toErrorInfo } from '../core/errors';
import type { Digest } from '../core/oci';
import { TaskCancelledError, tasksOf } from '../core/tasks';
import type { Output } from './output';
import { progressReporter } from './progress';

/** The shell's code for a command stopped by Ctrl-C (128 + SIGINT). */
export const EXIT_INTERRUPTED = 130;

export type TaskOutcome<T> = { value: T; interrupted: false } | { interrupted: true };

/**
 * Runs `run` as task `cli-<name>-<uuid>`. `onEvent` sees every event the task emits (those
 * carrying its id). A Ctrl-C that comes before the engine registered the task (while it still
 * reads keys or customers) is applied at the task's first event.
 */
export async function runEngineTask<T>(
  engine: Engine,
  out: Output,
  name: string,
  run: (options: { taskId: string }) => Promise<T>,
  onEvent?: <E extends EventName>(event: E, payload: EventOf<E>) => void,
): Promise<TaskOutcome<T>> {
  const taskId = `cli-${name}-${randomUUID()}`;
  let interrupted = false;
  const interrupt = () => {
    interrupted = true;
    tasksOf(engine).cancel(taskId);
  };
  process.once('SIGINT', interrupt);
  const progress = out.json ? undefined : progressReporter(process.stderr);
  const unsubscribe = engine.events.subscribe((event, payload) => {
    if ((payload as { taskId?: string }).taskId !== taskId) return;
    if (interrupted) tasksOf(engine).cancel(taskId);
    onEvent?.(event, payload);
    if (event !== 'progress' || !progress) return;
    const p = payload as EventOf<'progress'>;
    if (p.unit !== 'bytes' || !p.item) return;
    progress.update({
      destination: p.destination ?? '',
      digest: p.item as Digest,
      state: p.state === 'cancelled' ? 'failed' : p.state,
      done: p.done,
      total: p.total ?? p.done,
    });
  });
  try {
    return { value: await run({ taskId }), interrupted: false };
  } catch (error) {
    if (!interrupted && !(error instanceof TaskCancelledError)) throw error;
    return { interrupted: true };
  } finally {
    unsubscribe();
    process.off('SIGINT', interrupt);
    progress?.finish();
  }
}

/**
 * Says that Ctrl-C stopped `what`: with --json, `json` (when given) plus the error on stdout;
 * otherwise `text` (when given) on stdout and the message with `hint` on stderr.
 */
export function reportInterrupted(
  out: Output,
  what: string,
  options: { hint?: string; json?: object; text?: string } = {},
): number {
  const info = toErrorInfo(new TaskCancelledError(what));
  if (out.json) {
    process.stdout.write(`${JSON.stringify({ ...options.json, error: info }, null, 2)}\n`);
  } else {
    if (options.text) process.stdout.write(`${options.text}\n`);
    out.note(`consign: ${info.message}${options.hint ? ` ${options.hint}` : ''}`);
  }
  return EXIT_INTERRUPTED;
}
