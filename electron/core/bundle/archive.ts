/**
 * A bundle on disk is a tar of one OCI image layout plus the bundle's signed description. Packing
 * streams the files in a fixed order with fixed metadata, so the same layout always gives the
 * same bytes. Unpacking accepts only the names a bundle has (no absolute paths, no `..`, no links
 * or devices), bounded in number and size, and hashes every blob against its name as it lands.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, mkdir, readdir, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extract, pack, type Header } from 'tar-stream';
import { ConsignError } from '../errors';
import { MAX_MANIFEST_BYTES } from '../oci';
import { DOCUMENT_FILE, ENVELOPE_FILE, MAX_DOCUMENT_BYTES } from './document';

/** Files a bundle holds besides its blobs, with the most each may be. */
const SMALL_FILES: Record<string, number> = {
  'oci-layout': 64 * 1024,
  'index.json': MAX_MANIFEST_BYTES,
  [DOCUMENT_FILE]: MAX_DOCUMENT_BYTES,
  [ENVELOPE_FILE]: 2 * MAX_DOCUMENT_BYTES,
};
const FOLDERS = new Set(['blobs', 'blobs/sha256']);
const BLOB_NAME = /^blobs\/sha256\/([a-f0-9]{64})$/;

export interface ExtractLimits {
  /** Most entries a bundle may have. */
  entries: number;
  /** Most bytes one blob may have. */
  blobBytes: number;
}

export const DEFAULT_LIMITS: ExtractLimits = { entries: 100_000, blobBytes: 64 * 1024 ** 3 };

/** Hashes what passes through (the tar as it is written or read). */
function sha256Tap() {
  const hash = createHash('sha256');
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
  return { stream, hex: () => hash.digest('hex') };
}

/**
 * Writes the layout in `dir` as a tar to `handle` (and closes it): the small files, then the blobs by name, each
 * with mode 0644, owner 0 and the time `mtime`. Returns the tar's sha256 (hex).
 */
export async function packBundle(
  dir: string,
  handle: FileHandle,
  mtime: Date,
  signal?: AbortSignal,
): Promise<string> {
  const blobs = (await readdir(join(dir, 'blobs', 'sha256')))
    .filter((name) => /^[a-f0-9]{64}$/.test(name))
    .sort();
  const tar = pack();
  const tap = sha256Tap();
  const header = (name: string, extra: Partial<Header>): Header =>
    ({ name, mode: 0o644, uid: 0, gid: 0, uname: '', gname: '', mtime, ...extra }) as Header;
  const feed = async () => {
    const file = async (name: string) => {
      const path = join(dir, ...name.split('/'));
      const { size } = await stat(path);
      let finish: (error?: Error | null) => void = () => undefined;
      const written = new Promise<void>((done, fail) => {
        finish = (error) => (error ? fail(error) : done());
      });
      const sink = tar.entry(header(name, { size, type: 'file' }), finish);
      for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
        signal?.throwIfAborted();
        if (!sink.write(chunk)) await once(sink as unknown as NodeJS.EventEmitter, 'drain');
      }
      sink.end(undefined);
      await written;
    };
    for (const name of ['oci-layout', 'index.json', DOCUMENT_FILE, ENVELOPE_FILE]) await file(name);
    for (const folder of FOLDERS) {
      tar.entry(header(`${folder}/`, { type: 'directory', mode: 0o755, size: 0 }));
    }
    for (const blob of blobs) await file(`blobs/sha256/${blob}`);
    tar.finalize();
  };
  const writing = pipeline(
    Readable.from(tar as AsyncIterable<Buffer>),
    tap.stream,
    // The stream owns the handle: it flushes to disk and closes it at the end.
    handle.createWriteStream({ flush: true }),
    signal ? { signal } : {},
  );
  try {
    await feed();
  } catch (error) {
    tar.destroy(error as Error);
    await writing.catch(() => undefined);
    throw error;
  }
  await writing;
  return tap.hex();
}

const refused = (why: string) =>
  new ConsignError('BAD_INPUT', `The bundle is not one Consign can open: ${why}.`, {
    remedy: 'Give the file `consign bundle export` wrote, unchanged.',
  });

/** An entry's name as a bundle spells it: leading `./` and a folder's trailing `/` dropped. */
function entryName(raw: string): string {
  let name = raw;
  while (name.startsWith('./')) name = name.slice(2);
  return name.endsWith('/') ? name.slice(0, -1) : name;
}

/**
 * Unpacks the bundle tar `file` into the empty folder `dest`, refusing anything a bundle does not
 * hold and any blob whose content does not hash to its name. Returns the tar's sha256 (hex).
 */
export async function extractBundle(
  file: Readable,
  dest: string,
  limits: ExtractLimits = DEFAULT_LIMITS,
  signal?: AbortSignal,
): Promise<string> {
  try {
    return await unpackEntries(file, dest, limits, signal);
  } catch (error) {
    // The tar reader's own complaints (a bad header, a file cut short) mean "not a bundle";
    // system errors (a full disk) and cancels keep their own meaning.
    if (error instanceof ConsignError || signal?.aborted || (error as { code?: unknown }).code) {
      throw error;
    }
    throw refused(`it is not a complete tar archive (${(error as Error).message})`);
  }
}

async function unpackEntries(
  file: Readable,
  dest: string,
  limits: ExtractLimits,
  signal: AbortSignal | undefined,
): Promise<string> {
  await mkdir(join(dest, 'blobs', 'sha256'), { recursive: true });
  const tap = sha256Tap();
  const seen = new Set<string>();
  const untar = extract();
  const reading = pipeline([file, tap.stream, untar], signal ? { signal } : {});
  // Errors surface through the loop; the pipeline's own rejection must not go unhandled.
  reading.catch(() => undefined);
  for await (const entry of untar) {
    const { header } = entry;
    const name = entryName(header.name);
    const shown = JSON.stringify(header.name.slice(0, 200));
    if (seen.size >= limits.entries)
      refusedAndDrain(entry, `it has over ${limits.entries} entries`);
    if (seen.has(name)) refusedAndDrain(entry, `it holds ${shown} twice`);
    seen.add(name);
    const type = header.type ?? 'file';
    if (type === 'directory') {
      if (!FOLDERS.has(name)) refusedAndDrain(entry, `it holds an unexpected folder ${shown}`);
      entry.resume();
      continue;
    }
    if (type !== 'file' && type !== 'contiguous-file') {
      refusedAndDrain(entry, `${shown} is a ${type}, and a bundle holds regular files only`);
    }
    const size = header.size ?? 0;
    const blob = BLOB_NAME.exec(name);
    const limit = blob ? limits.blobBytes : SMALL_FILES[name];
    if (limit === undefined) refusedAndDrain(entry, `it holds an unexpected file ${shown}`);
    if (size > limit) refusedAndDrain(entry, `${shown} is ${size} bytes, over ${limit}`);
    const hash = createHash('sha256');
    // 'wx': a name is written once, into a folder made here, never through a link.
    const target = await open(join(dest, ...name.split('/')), 'wx', 0o644);
    try {
      for await (const chunk of entry as AsyncIterable<Buffer>) {
        hash.update(chunk);
        await target.write(chunk);
      }
    } finally {
      await target.close();
    }
    if (blob && hash.digest('hex') !== blob[1]) {
      throw new ConsignError(
        'BAD_INPUT',
        `The bundle's blob sha256:${blob[1]} does not hash to its name: its content was altered.`,
        { remedy: 'Do not deliver this bundle; get it again from whoever made it.' },
      );
    }
  }
  await reading;
  for (const name of Object.keys(SMALL_FILES)) {
    if (!seen.has(name)) throw refused(`it has no ${name}`);
  }
  return tap.hex();
}

function refusedAndDrain(entry: { resume(): unknown }, why: string): never {
  entry.resume();
  throw refused(why);
}

/** Hashes a blob file on disk against its name (for a bundle unpacked by an earlier import). */
export async function checkBlobFile(path: string, hex: string): Promise<boolean> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) hash.update(chunk);
  return hash.digest('hex') === hex;
}
