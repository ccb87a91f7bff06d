import { describe, expect, it, vi } from 'vitest';
import type { EventOf, Result } from '../../../shared/contract';
import { useStore } from '.';
import { installBridge, resetStoreAfterEach } from './test-bridge';
import { destinationTotals } from './copy';

const digest = `sha256:${'c'.repeat(64)}`;
const blobA = `sha256:${'a'.repeat(64)}`;
const blobB = `sha256:${'b'.repeat(64)}`;
const first = 'docker://registry.example.com/one:v1';
const second = 'docker://registry.example.com/two:v1';

function event(values: Partial<EventOf<'progress'>>): EventOf<'progress'> {
  return { taskId: '', label: '', state: 'running', done: 0, unit: 'bytes', ...values };
}

resetStoreAfterEach();

describe('copy slice', () => {
  it('runs a copy with its own task id, follows only that task, and keeps the result', async () => {
    let finish: (result: Result<unknown>) => void = () => {};
    const invoke = vi.fn(() => new Promise<Result<unknown>>((resolve) => (finish = resolve)));
    installBridge(invoke);

    const { copy } = useStore.getState();
    copy.open('docker-daemon:app:1');
    const [row] = useStore.getState().copy.destinations;
    copy.setDestination(row!.key, 'docker://registry.example.com/one:v1');
    copy.addDestination();
    const added = useStore.getState().copy.destinations[1]!;
    copy.setDestination(added.key, 'docker://registry.example.com/two:v1');

    const running = copy.start();
    const state = useStore.getState().copy;
    expect(state.phase).toBe('running');
    expect(state.targets).toEqual([first, second]);
    const taskId = state.taskId!;
    expect(taskId).toMatch(/^[0-9a-f-]{36}$/);
    expect(invoke).toHaveBeenCalledWith('images.copy', {
      source: 'docker-daemon:app:1',
      destinations: [first, second],
      taskId,
    });

    // A running copy cannot be closed.
    useStore.getState().copy.close();
    expect(useStore.getState().copy.source).toBe('docker-daemon:app:1');

    const apply = useStore.getState().copy.applyProgress;
    apply(event({ taskId: 'another', destination: first, item: blobA, done: 5, total: 10 }));
    apply(event({ taskId, destination: first, item: blobA, done: 5, total: 10 }));
    apply(event({ taskId, destination: first, item: blobB, done: 10, total: 30 }));
    apply(event({ taskId, destination: first, item: blobA, state: 'done', done: 10, total: 10 }));
    // A late running update does not undo a finished blob.
    apply(event({ taskId, destination: first, item: blobA, done: 7, total: 10 }));
    expect(destinationTotals(useStore.getState().copy.progress[first])).toEqual({
      done: 20,
      total: 40,
      blobs: 2,
      finished: 1,
      failed: 0,
    });
    expect(useStore.getState().copy.progress[second]).toBeUndefined();

    const counts = {
      blobsUploaded: 2,
      blobsMounted: 0,
      blobsPresent: 0,
      bytesUploaded: 40,
      artifacts: 0,
    };
    finish({
      ok: true,
      data: {
        digest,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        destinations: [
          { ref: first, digest, status: 'copied', ...counts },
          { ref: second, digest, status: 'copied', ...counts },
        ],
      },
    });
    await running;
    expect(useStore.getState().copy.phase).toBe('finished');
    expect(useStore.getState().copy.result?.digest).toBe(digest);
  });

  it('does not start with a destination that is not a registry reference', async () => {
    const invoke = vi.fn();
    installBridge(invoke);
    const { copy } = useStore.getState();
    copy.open('docker-daemon:app:1');
    const [row] = useStore.getState().copy.destinations;
    copy.setDestination(row!.key, 'registry.example.com/app:1');
    await copy.start();
    expect(useStore.getState().copy).toMatchObject({ phase: 'editing', attempted: true });
    expect(invoke).not.toHaveBeenCalled();
  });
});
