import { PassThrough, type Readable } from 'node:stream';

/**
 * Reads one stream once and hands every chunk to several consumers, each through its own
 * PassThrough branch. The source only moves as fast as the slowest branch still attached (so
 * memory stays bounded by the branches' buffers), and a branch that fails or is abandoned is
 * dropped without stopping the others: one customer's broken connection never stalls the rest.
 */
export function fanOut(
  source: Readable,
  count: number,
  highWaterMark = 1024 * 1024,
): PassThrough[] {
  const branches = Array.from({ length: count }, () => new PassThrough({ highWaterMark }));
  const attached = new Set(branches);
  let waiting = 0;

  const detach = (branch: PassThrough) => {
    if (!attached.delete(branch)) return;
    if (attached.size === 0) source.destroy();
    else maybeResume();
  };
  const maybeResume = () => {
    if (waiting === 0 && source.isPaused()) source.resume();
  };

  for (const branch of branches) {
    branch.once('close', () => detach(branch));
    branch.once('error', () => detach(branch));
  }

  source.on('data', (chunk: Buffer) => {
    for (const branch of attached) {
      if (!branch.write(chunk)) {
        waiting++;
        source.pause();
        const onDrain = () => {
          branch.off('close', onDrain);
          branch.off('drain', onDrain);
          waiting--;
          maybeResume();
        };
        branch.once('drain', onDrain);
        // A branch that closes while full would otherwise hold the source forever.
        branch.once('close', onDrain);
      }
    }
  });
  source.once('end', () => {
    for (const branch of attached) branch.end();
  });
  source.once('error', (error) => {
    for (const branch of attached) branch.destroy(error);
  });
  return branches;
}
