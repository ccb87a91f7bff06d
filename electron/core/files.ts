// Reading the small documents people hand to Consign (policies, predicates), bounded and with
// errors that say which file and what to do; writing new files and folders, never replacing any.
import { mkdir, open, readdir, rm, rmdir, stat, type FileHandle } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
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

/** Creates `dir` if it is missing; refuses one that holds anything, or is not a folder. */
async function prepareFolder(dir: string, what: string): Promise<{ created: boolean }> {
  let info;
  try {
    info = await stat(dir);
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new ConsignError('BAD_INPUT', `${dir} cannot be read.`, {
        remedy: 'Check the path and its permissions.',
        cause,
      });
    }
    try {
      await mkdir(dir, { recursive: true });
    } catch (error) {
      throw new ConsignError('BAD_INPUT', `The folder ${dir} cannot be created.`, {
        remedy: 'Check that its parent folder exists and is writable, or choose another folder.',
        cause: error,
      });
    }
    return { created: true };
  }
  if (!info.isDirectory()) {
    throw new ConsignError('BAD_INPUT', `${dir} is a file, not a folder.`, {
      remedy: `Choose a new or empty folder for ${what}.`,
    });
  }
  if ((await readdir(dir)).length > 0) {
    throw new ConsignError('BAD_INPUT', `The folder ${dir} is not empty.`, {
      remedy: `Choose a new or empty folder: ${what} never replaces or mixes with other files.`,
    });
  }
  return { created: false };
}

/**
 * Undoes a kit that could not be written whole: the folder if this call created it, else only the
 * files it wrote and the subfolders left empty (including the one of the file that failed);
 * anything else in the folder stays.
 */
export async function removePartialFolder(
  root: string,
  created: boolean,
  written: readonly string[],
  failed?: string,
) {
  if (created) {
    await rm(root, { recursive: true, force: true });
    return;
  }
  await Promise.all(written.map((path) => rm(join(root, path), { force: true })));
  const folders = new Set<string>();
  for (const path of failed === undefined ? written : [...written, failed]) {
    for (let dir = dirname(path); dir !== '.'; dir = dirname(dir)) folders.add(dir);
  }
  // Deepest first, so a parent is only tried once its children are gone.
  for (const dir of [...folders].sort((a, b) => b.length - a.length)) {
    await rmdir(join(root, dir)).catch(() => {});
  }
}

/**
 * Writes `files` into `dir` (created if missing, refused unless empty); `what` names the set in
 * messages ("the kit"). If any file cannot be written, what was written is removed again.
 */
export async function writeNewFolder(
  dir: string,
  files: readonly { path: string; contents: string; mode?: number | undefined }[],
  what: string,
): Promise<{ dir: string; files: string[] }> {
  const root = resolve(dir);
  const { created } = await prepareFolder(root, what);
  const written: string[] = [];
  let current: string | undefined;
  try {
    for (const file of files) {
      current = file.path;
      const path = join(root, file.path);
      await mkdir(dirname(path), { recursive: true });
      await writeNewFile(path, () => file.contents, { mode: file.mode ?? 0o644 });
      written.push(file.path);
    }
  } catch (error) {
    await removePartialFolder(root, created, written, current);
    throw error;
  }
  return { dir: root, files: written };
}
