/**
 * Long requests (scans, copies, imports) that a caller can cancel by the task id it chose. Each
 * running task holds an AbortController; `tasks.cancel` aborts it with a TaskCancelledError, so
 * whatever reads the signal rejects with a message fit to show. No error code of its own: the
 * caller asked for the stop, so it is told as a request outcome (BAD_REQUEST), and hosts tell a
 * cancel apart by the class (the CLI) or by having asked for it (the app).
 */
import type { Engine } from './engine';
import { ConsignError } from './errors';

export interface RunningTask {
  readonly signal: AbortSignal;
  /** Forgets the task; cancelling it afterwards is a no-op. */
  end(): void;
}

/** Why a cancelled task stopped: the reason its signal carries. */
export class TaskCancelledError extends ConsignError {
  constructor(what: string) {
    super('BAD_REQUEST', `The ${what} was cancelled.`, {
      remedy: 'Start it again when you want the result.',
    });
  }
}

export class TaskRegistry {
  private readonly running = new Map<string, { controller: AbortController; what: string }>();

  /** Registers `taskId` as running; one id names one running task at a time. */
  start(taskId: string, what: string): RunningTask {
    if (this.running.has(taskId)) {
      throw new ConsignError('BAD_REQUEST', `A task with the id ${taskId} is already running.`, {
        remedy: 'Choose a new task id for each request.',
      });
    }
    const task = { controller: new AbortController(), what };
    this.running.set(taskId, task);
    return {
      signal: task.controller.signal,
      end: () => {
        if (this.running.get(taskId) === task) this.running.delete(taskId);
      },
    };
  }

  /** Aborts a running task; false when no task of that id is running (finished or unknown). */
  cancel(taskId: string): boolean {
    const task = this.running.get(taskId);
    if (!task) return false;
    this.running.delete(taskId);
    task.controller.abort(new TaskCancelledError(task.what));
    return true;
  }

  /** Runs `work` as task `taskId`, forgetting the task however it ends. */
  async run<T>(
    taskId: string,
    what: string,
    work: (signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    const task = this.start(taskId, what);
    try {
      return await work(task.signal);
    } finally {
      task.end();
    }
  }

  get size(): number {
    return this.running.size;
  }
}

// One registry per engine, kept beside it rather than in it: hosts build engines the same way.
const registries = new WeakMap<Engine, TaskRegistry>();

export function tasksOf(engine: Engine): TaskRegistry {
  let registry = registries.get(engine);
  if (!registry) {
    registry = new TaskRegistry();
    registries.set(engine, registry);
  }
  return registry;
}

/** How a caller asks for a long request: the task id to follow and cancel it by, its own signal. */
export interface TaskOptions {
  /** Follows the request's `progress` events and lets `tasks.cancel` stop it. */
  taskId?: string;
  signal?: AbortSignal;
}

/**
 * Runs `work` as task `options.taskId` when the caller named one (so `tasks.cancel` stops it),
 * honouring the caller's own signal as well. `work` always gets a signal to pass on.
 */
export function runAsTask<T>(
  engine: Engine,
  options: TaskOptions,
  what: string,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const { taskId, signal } = options;
  if (!taskId) return work(signal ?? new AbortController().signal);
  return tasksOf(engine).run(taskId, what, (cancel) =>
    work(signal ? AbortSignal.any([cancel, signal]) : cancel),
  );
}
