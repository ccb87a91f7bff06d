import { describe, expect, it } from 'vitest';
import { ConsignError } from './errors';
import { TaskCancelledError, TaskRegistry } from './tasks';

describe('task registry', () => {
  it('cancels a running task with a cancelled error as the signal reason', () => {
    const tasks = new TaskRegistry();
    const task = tasks.start('t1', 'scan');
    expect(task.signal.aborted).toBe(false);
    expect(tasks.cancel('t1')).toBe(true);
    expect(task.signal.aborted).toBe(true);
    const reason: unknown = task.signal.reason;
    expect(reason).toBeInstanceOf(TaskCancelledError);
    expect(reason).toBeInstanceOf(ConsignError);
    expect((reason as ConsignError).message).toBe('The scan was cancelled.');
    expect((reason as ConsignError).code).toBe('BAD_REQUEST');
    // Cancelled once is forgotten: a second cancel finds nothing.
    expect(tasks.cancel('t1')).toBe(false);
    expect(tasks.size).toBe(0);
  });

  it('answers false for an unknown or finished task and leaves others alone', () => {
    const tasks = new TaskRegistry();
    expect(tasks.cancel('nobody')).toBe(false);
    const a = tasks.start('a', 'scan');
    const b = tasks.start('b', 'copy');
    a.end();
    expect(tasks.cancel('a')).toBe(false);
    expect(a.signal.aborted).toBe(false);
    expect(b.signal.aborted).toBe(false);
    expect(tasks.cancel('b')).toBe(true);
  });

  it('refuses a second running task with the same id, and frees the id when it ends', () => {
    const tasks = new TaskRegistry();
    const first = tasks.start('same', 'scan');
    expect(() => tasks.start('same', 'scan')).toThrow(/already running/);
    first.end();
    const second = tasks.start('same', 'scan');
    // The first task ending late must not forget the second one.
    first.end();
    expect(tasks.cancel('same')).toBe(true);
    expect(second.signal.aborted).toBe(true);
  });

  it('runs work as a task and forgets it however the work ends', async () => {
    const tasks = new TaskRegistry();
    await expect(tasks.run('ok', 'scan', () => Promise.resolve(42))).resolves.toBe(42);
    await expect(
      tasks.run('bad', 'scan', () => Promise.reject(new Error('broken'))),
    ).rejects.toThrow('broken');
    expect(tasks.size).toBe(0);
    const running = tasks.run(
      'slow',
      'scan',
      (signal) =>
        new Promise<never>((_resolve, reject) =>
          signal.addEventListener('abort', () => reject(signal.reason as Error)),
        ),
    );
    expect(tasks.size).toBe(1);
    expect(tasks.cancel('slow')).toBe(true);
    await expect(running).rejects.toBeInstanceOf(TaskCancelledError);
    expect(tasks.size).toBe(0);
  });
});
