import type { CopyProgress } from '../core/transfer';
import { humanSize } from './output';

/**
 * A one-line progress display for terminals: total bytes sent across all blobs and destinations.
 * Silent when stderr is not a terminal, so pipelines' logs stay clean.
 */
export function progressReporter(stream: NodeJS.WriteStream) {
  if (!stream.isTTY) return undefined;
  const tasks = new Map<string, CopyProgress>();
  let last = 0;
  const render = (force = false) => {
    const now = Date.now();
    if (!force && now - last < 100) return;
    last = now;
    let done = 0;
    let total = 0;
    let running = 0;
    for (const task of tasks.values()) {
      done += task.done;
      total += task.total;
      if (task.state === 'running') running++;
    }
    const width = 30;
    const filled = total ? Math.round((done / total) * width) : 0;
    stream.write(
      `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${humanSize(done)} / ${humanSize(total)}  ${running} active `,
    );
  };
  return {
    update(progress: CopyProgress) {
      tasks.set(`${progress.destination} ${progress.digest}`, progress);
      render();
    },
    finish() {
      if (tasks.size) {
        render(true);
        stream.write('\n');
      }
    },
  };
}
