// Reading the small documents people hand to Consign (policies, predicates), bounded and with
// errors that say which file and what to do.
import { open, rm, stat, type FileHandle } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ConsignError } from './errors';

/**
 * The text of a regular file of at most `limit` bytes. `what` names it in errors ("The policy
 * file"); `tooLarge` is the remedy when it is over the limit.
 */
export async function readSmallTextFile(
  file: string,
  what: string,
  limit: number,
  tooLarge: string,
): Promise<{ path: string; text: string }> {
  const path = resolve(file);
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new Error('not a file');
    if (info.size > limit) {
      throw new ConsignError('BAD_INPUT', `${what} ${path} is ${info.size} bytes, over ${limit}.`, {
        remedy: tooLarge,
      });
    }
    const handle = await open(path, 'r');
    try {
      return { path, text: await handle.readFile('utf8') };
    } finally {
      await handle.close();
    }
  } catch (cause) {
    if (cause instanceof ConsignError) throw cause;
    throw new ConsignError('BAD_INPUT', `${what} ${path} cannot be read.`, {
      remedy: 'Check the path and its permissions.',
      cause,
    });
  }
}

/**
 * Creates a file exclusively (never replacing one) and opens it for writing, with an error that
 * says whether it already exists or cannot be created.
 */
export async function openNewFile(
  file: string,
  mode = 0o644,
): Promise<{ path: string; handle: FileHandle }> {
  const path = resolve(file);
  try {
    return { path, handle: await open(path, 'wx', mode) };
  } catch (cause) {
    const exists = (cause as NodeJS.ErrnoException).code === 'EEXIST';
    throw new ConsignError(
      'BAD_INPUT',
      exists ? `${path} already exists; it is not overwritten.` : `${path} cannot be created.`,
      {
        remedy: exists
          ? 'Choose a new file name.'
          : 'Check that the folder exists and is writable.',
        cause,
      },
    );
  }
}

/**
 * Writes `produce()`'s text to a new file, never replacing one. The file is created exclusively
 * (with `mode`) before `produce` runs, so nothing is produced (or audited) for a path that cannot
 * be written, and it is removed again if producing or writing fails.
 */
export async function writeNewFile(
  file: string,
  produce: () => string | Promise<string>,
  options: { mode?: number; sync?: boolean } = {},
): Promise<{ path: string; bytes: number }> {
  const { path, handle } = await openNewFile(file, options.mode);
  let text: string;
  try {
    text = await produce();
  } catch (error) {
    await handle.close().catch(() => {});
    await rm(path, { force: true });
    throw error;
  }
  try {
    await handle.writeFile(text, 'utf8');
    if (options.sync) await handle.sync();
  } catch (cause) {
    await handle.close().catch(() => {});
    await rm(path, { force: true });
    throw new ConsignError('BAD_INPUT', `${path} could not be written.`, { cause });
  }
  await handle.close();
  return { path, bytes: Buffer.byteLength(text) };
}
