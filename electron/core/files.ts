// Reading the small documents people hand to Consign (policies, predicates), bounded and with
// errors that say which file and what to do.
import { open, stat } from 'node:fs/promises';
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
