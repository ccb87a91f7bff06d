/**
 * Where OSV data comes from, offline: an ecosystem's `all.zip` as osv.dev publishes it, a folder
 * of OSV JSON files (searched recursively), or one JSON file (a record or a list of records).
 * Each yields its entries one at a time, so a large archive is never held in memory whole.
 */
import { lstat, open, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { Entry as ZipEntry, ZipFile } from 'yauzl';
import { ConsignError } from '../errors';
import { MAX_RECORD_BYTES } from './osv';

export interface SourceEntry {
  /** Where the entry came from, for messages: a path inside the zip or the folder. */
  name: string;
  /** The entry's text, why it could not be read, or null for a file that is no record (README). */
  text: string | { error: string } | null;
}

export interface OsvSource {
  kind: 'zip' | 'folder' | 'file';
  /** How many entries there are, when known up front (for progress). */
  total?: number;
  entries(): AsyncGenerator<SourceEntry>;
  close(): Promise<void>;
}

/** A zip of this many entries is not OSV data but an attack on the importer. */
const MAX_ZIP_ENTRIES = 5_000_000;
const ZIP_MAGIC = Buffer.from([0x50, 0x4b]);

function unreadable(path: string, what: string, cause?: unknown): ConsignError {
  return new ConsignError('BAD_INPUT', `${path} ${what}; nothing was imported.`, {
    remedy:
      'Give an OSV all.zip as downloaded from osv.dev (e.g. Debian/all.zip), a folder of OSV JSON files, or one OSV JSON file.',
    ...(cause === undefined ? {} : { cause }),
  });
}

async function readSmallFile(path: string): Promise<string | { error: string }> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    if (size > MAX_RECORD_BYTES)
      return { error: `it is ${size} bytes, larger than any OSV record` };
    return (await handle.readFile()).toString('utf8');
  } finally {
    await handle.close();
  }
}

async function* walk(root: string, dir: string): AsyncGenerator<string> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const path = join(dir, entry.name);
    // Symbolic links are not followed: a folder of records never needs them, and a loop would
    // never end.
    if (entry.isDirectory()) yield* walk(root, path);
    else if (entry.isFile() && entry.name.toLowerCase().endsWith('.json')) yield path;
  }
}

function folderSource(path: string): OsvSource {
  return {
    kind: 'folder',
    async *entries() {
      for await (const file of walk(path, path)) {
        yield { name: relative(path, file), text: await readSmallFile(file) };
      }
    },
    close: () => Promise.resolve(),
  };
}

async function zipSource(path: string): Promise<OsvSource> {
  const yauzl = (await import('yauzl')).default;
  const zip = await new Promise<ZipFile>((done, fail) =>
    yauzl.open(
      path,
      { lazyEntries: true, autoClose: false, validateEntrySizes: true, strictFileNames: false },
      (error, file) =>
        error || !file
          ? fail(unreadable(path, `is not a readable zip (${error?.message ?? 'empty'})`, error))
          : done(file),
    ),
  );
  if (zip.entryCount > MAX_ZIP_ENTRIES) {
    zip.close();
    throw unreadable(path, `lists ${zip.entryCount} entries, more than any OSV export`);
  }
  const next = () =>
    new Promise<ZipEntry | null>((done, fail) => {
      const onEntry = (entry: ZipEntry) => {
        zip.off('end', onEnd);
        zip.off('error', onError);
        done(entry);
      };
      const onEnd = () => {
        zip.off('entry', onEntry);
        zip.off('error', onError);
        done(null);
      };
      const onError = (error: Error) => {
        zip.off('entry', onEntry);
        zip.off('end', onEnd);
        fail(unreadable(path, `is damaged (${error.message})`, error));
      };
      zip.once('entry', onEntry);
      zip.once('end', onEnd);
      zip.once('error', onError);
      zip.readEntry();
    });
  const read = (entry: ZipEntry) =>
    new Promise<string>((done, fail) => {
      zip.openReadStream(entry, (error, stream) => {
        if (error || !stream) {
          fail(
            unreadable(
              path,
              `is damaged at ${entry.fileName} (${error?.message ?? 'no data'})`,
              error,
            ),
          );
          return;
        }
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('error', (cause: Error) =>
          fail(unreadable(path, `is damaged at ${entry.fileName} (${cause.message})`, cause)),
        );
        stream.on('end', () => done(Buffer.concat(chunks).toString('utf8')));
      });
    });
  return {
    kind: 'zip',
    total: zip.entryCount,
    async *entries() {
      for (let entry = await next(); entry; entry = await next()) {
        if (entry.fileName.endsWith('/') || !entry.fileName.toLowerCase().endsWith('.json')) {
          // Counted for progress (the total counts every entry), but not read.
          yield { name: entry.fileName, text: null };
          continue;
        }
        // Declared sizes are checked against the data as it inflates (validateEntrySizes), so
        // this bound also stops a decompression bomb.
        if (entry.uncompressedSize > MAX_RECORD_BYTES) {
          yield {
            name: entry.fileName,
            text: {
              error: `it inflates to ${entry.uncompressedSize} bytes, larger than any OSV record`,
            },
          };
          continue;
        }
        yield { name: entry.fileName, text: await read(entry) };
      }
    },
    close: () => Promise.resolve(zip.close()),
  };
}

function fileSource(path: string): OsvSource {
  return {
    kind: 'file',
    total: 1,
    async *entries() {
      yield { name: path, text: await readSmallFile(path) };
    },
    close: () => Promise.resolve(),
  };
}

/** Opens `path` as the kind of OSV source it is (a zip is recognised by content, not by name). */
export async function openOsvSource(path: string): Promise<OsvSource> {
  let info;
  try {
    info = await lstat(path);
  } catch (cause) {
    throw unreadable(path, 'cannot be read', cause);
  }
  if (info.isDirectory()) return folderSource(path);
  if (!info.isFile()) throw unreadable(path, 'is neither a file nor a folder');
  const head = Buffer.alloc(2);
  const handle = await open(path, 'r');
  try {
    await handle.read(head, 0, 2, 0);
  } finally {
    await handle.close();
  }
  return head.equals(ZIP_MAGIC) ? zipSource(path) : fileSource(path);
}
