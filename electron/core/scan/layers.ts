/**
 * Reading an image's file system without extracting it: each layer is streamed once, in manifest
 * order, decompressed on the fly (gzip, zstd or plain tar, told apart by their magic bytes), and
 * its entries applied to an in-memory view with OCI whiteouts (`.wh.NAME`) and opaque directories
 * (`.wh..wh..opq`) honoured. Only metadata is kept for every file; contents are kept for the few
 * paths the caller asks for, up to a bound.
 */
import { posix } from 'node:path';
import { PassThrough, Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createZstdDecompress } from 'node:zlib';
import { extract, type Header } from 'tar-stream';
import { ConsignError } from '../errors';

export type FileType = 'file' | 'directory' | 'symlink' | 'hardlink' | 'device' | 'fifo' | 'other';

export interface FileMeta {
  /** Normalized path inside the image, without a leading slash (`etc/os-release`). */
  path: string;
  type: FileType;
  size: number;
  mode: number;
  uid: number;
  gid: number;
  linkname?: string;
  /** The layer (0 = base) the file's current version comes from. */
  layer: number;
}

export interface CapturedFile {
  data: Buffer;
  /** True when the file was larger than what was asked for, and `data` is its beginning. */
  truncated: boolean;
}

export interface LayerInput {
  digest: string;
  /** Compressed size, as the manifest says. */
  size: number;
  open(): Promise<Readable>;
}

export interface LayerLimits {
  /** No layer may decompress to more than this. */
  maxLayerBytes: number;
  /** Past `ratioFloorBytes`, a layer may not decompress to more than this many times its size. */
  maxRatio: number;
  ratioFloorBytes: number;
  maxEntries: number;
}

export const DEFAULT_LIMITS: LayerLimits = {
  maxLayerBytes: 64 * 1024 ** 3,
  maxRatio: 1000,
  ratioFloorBytes: 256 * 1024 ** 2,
  maxEntries: 5_000_000,
};

export interface WalkOptions {
  /** How many bytes of a regular file's content to keep (0: none). Asked once per entry. */
  capture(meta: FileMeta): number;
  /**
   * Sees every regular file's content as it streams by (for content rules); it must consume or
   * drain the stream. Runs before capture, on the same bytes.
   */
  inspect?: (meta: FileMeta, content: AsyncIterable<Buffer>) => Promise<void>;
  limits?: Partial<LayerLimits>;
  /** Stops the walk: it rejects with the signal's reason, even in the middle of a large file. */
  signal?: AbortSignal;
  /** Compressed bytes read of each layer, as they are read (`done` = `size` at its end). */
  onLayer?: (progress: LayerProgress) => void;
}

export interface LayerProgress {
  /** 0 = base. */
  index: number;
  digest: string;
  /** Compressed bytes read so far, and the layer's compressed size from the manifest. */
  done: number;
  size: number;
  state: 'running' | 'done';
}

export interface LayerStats {
  digest: string;
  size: number;
  uncompressedSize: number;
  entries: number;
}

/**
 * Output chunk of the decompressors. Each chunk is a round trip to the thread pool; zlib's 16 KiB
 * default made gunzip in Node take 2.8x as long as with 256 KiB (and 1 MiB was slower again).
 */
const INFLATE_CHUNK = 256 * 1024;
/** Compressed input handed to the decompressors at a time (see `batcher`). */
const INFLATE_INPUT = 1024 * 1024;

/** The image's files after every layer and whiteout is applied. */
export class FileView {
  readonly files = new Map<string, FileMeta>();
  readonly contents = new Map<string, CapturedFile>();
  readonly layers: LayerStats[] = [];

  /** Follows symbolic links (absolute or relative, in any path component) to a file's own path. */
  resolve(path: string, depth = 0): string | undefined {
    if (depth > 40) return undefined;
    const parts = normalize(path).split('/');
    let current = '';
    for (const [i, part] of parts.entries()) {
      const next = current ? `${current}/${part}` : part;
      const meta = this.files.get(next);
      if (meta?.type === 'symlink' && meta.linkname !== undefined) {
        const target = meta.linkname.startsWith('/')
          ? meta.linkname
          : posix.join(current || '.', meta.linkname);
        const rest = parts.slice(i + 1).join('/');
        return this.resolve(rest ? `${target}/${rest}` : target, depth + 1);
      }
      current = next;
    }
    return current;
  }

  /** A captured file's content, through symbolic links. */
  read(path: string): CapturedFile | undefined {
    const real = this.resolve(path);
    return real === undefined ? undefined : this.contents.get(real);
  }

  /** Captured files under a folder (direct and nested), by path. */
  readUnder(dir: string): [string, CapturedFile][] {
    const real = this.resolve(dir);
    if (real === undefined) return [];
    const prefix = `${real}/`;
    return [...this.contents]
      .filter(([path]) => path.startsWith(prefix))
      .sort(([a], [b]) => (a < b ? -1 : 1));
  }
}

/** Paths in layers are relative to the root; a leading `/` or `./` is dropped, `..` climbing out is refused. */
function normalize(raw: string): string {
  const parts: string[] = [];
  for (const part of raw.replace(/\\/g, '/').split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length === 0) return '\0';
      parts.pop();
      continue;
    }
    parts.push(part);
  }
  return parts.join('/');
}

function typeOf(header: Header): FileType {
  switch (header.type) {
    case 'file':
    case 'contiguous-file':
      return 'file';
    case 'directory':
      return 'directory';
    case 'symlink':
      return 'symlink';
    case 'link':
      return 'hardlink';
    case 'character-device':
    case 'block-device':
      return 'device';
    case 'fifo':
      return 'fifo';
    default:
      return 'other';
  }
}

function badLayer(layer: number, digest: string, detail: string, cause?: unknown): ConsignError {
  return new ConsignError('BAD_INPUT', `Layer ${layer + 1} (${digest}) ${detail}.`, {
    remedy: 'The image is damaged or built to attack scanners; rebuild it from a trusted source.',
    ...(cause === undefined ? {} : { cause }),
  });
}

/** Reads the first bytes of a stream and puts them back. */
async function peek(stream: Readable, bytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  while (length < bytes) {
    const chunk = stream.read() as Buffer | null;
    if (chunk) {
      chunks.push(chunk);
      length += chunk.length;
      continue;
    }
    if (stream.readableEnded) break;
    await new Promise<void>((done, fail) => {
      const cleanup = () => {
        stream.off('readable', onReadable);
        stream.off('end', onReadable);
        stream.off('error', onError);
      };
      const onReadable = () => {
        cleanup();
        done();
      };
      const onError = (error: Error) => {
        cleanup();
        fail(error);
      };
      stream.once('readable', onReadable);
      stream.once('end', onReadable);
      stream.once('error', onError);
    });
    if (stream.readableEnded && stream.readableLength === 0) break;
  }
  const head = Buffer.concat(chunks);
  if (head.length) stream.unshift(head);
  return head;
}

/** Counts bytes and stops the stream past a limit: the guard against decompression bombs. */
function limiter(onBytes: (total: number) => Error | undefined): Transform {
  let total = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      total += chunk.length;
      const error = onBytes(total);
      if (error) done(error);
      else done(null, chunk);
    },
  });
}

/**
 * Streams a regular file's content to `inspect` and keeps up to `keep` bytes of it. The inspector
 * pulls the entry's own chunks (no intermediate stream: most files are small, and a stream per
 * file cost more than reading them); whatever it leaves unread is drained after it returns.
 */
async function consume(
  content: AsyncIterable<Buffer>,
  keep: number,
  inspect: ((content: AsyncIterable<Buffer>) => Promise<void>) | undefined,
): Promise<CapturedFile | undefined> {
  const kept: Buffer[] = [];
  let length = 0;
  let truncated = false;
  const source = content[Symbol.asyncIterator]();
  const next = async (): Promise<IteratorResult<Buffer>> => {
    const step = await source.next();
    if (!step.done && keep > 0) {
      const chunk = step.value;
      if (length < keep) {
        const part = chunk.length > keep - length ? chunk.subarray(0, keep - length) : chunk;
        kept.push(part);
        length += part.length;
        if (part.length < chunk.length) truncated = true;
      } else {
        truncated = true;
      }
    }
    return step;
  };
  if (inspect) {
    // An inspector that stops early must not end the entry: the rest is drained below.
    const done = async (): Promise<IteratorResult<Buffer>> => ({ done: true, value: undefined });
    await inspect({ [Symbol.asyncIterator]: () => ({ next, return: done }) });
  }
  while (!(await next()).done);
  return keep > 0 ? { data: Buffer.concat(kept, length), truncated } : undefined;
}

/**
 * Joins a compressed layer's chunks into blocks of at least `size` bytes before they reach the
 * decompressor: each write is a round trip to the thread pool, and 64 KiB file reads made four
 * times as many as needed. Holds at most one block.
 */
function batcher(size: number): Transform {
  let parts: Buffer[] = [];
  let length = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      parts.push(chunk);
      length += chunk.length;
      if (length < size) return done();
      const block = parts.length === 1 ? chunk : Buffer.concat(parts, length);
      parts = [];
      length = 0;
      done(null, block);
    },
    flush(done) {
      done(null, length ? Buffer.concat(parts, length) : undefined);
    },
  });
}

/** Counts the compressed bytes going by, for progress. */
function meter(onBytes: (total: number) => void): Transform {
  let total = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      total += chunk.length;
      onBytes(total);
      done(null, chunk);
    },
  });
}

/** Applies `layers` in order and returns the resulting file system view. */
export async function walkLayers(layers: LayerInput[], options: WalkOptions): Promise<FileView> {
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const view = new FileView();
  let entries = 0;
  for (const [index, layer] of layers.entries()) {
    options.signal?.throwIfAborted();
    const source = await layer.open();
    const head = await peek(source, 4);
    const decompress =
      head[0] === 0x1f && head[1] === 0x8b
        ? createGunzip({ chunkSize: INFLATE_CHUNK })
        : head.readUInt32LE(0) === 0xfd2fb528 && head.length >= 4
          ? createZstdDecompress({ chunkSize: INFLATE_CHUNK })
          : new PassThrough();
    let uncompressed = 0;
    const guard = limiter((total) => {
      uncompressed = total;
      if (total > limits.maxLayerBytes) {
        return badLayer(
          index,
          layer.digest,
          `decompresses to more than ${limits.maxLayerBytes} bytes`,
        );
      }
      if (total > limits.ratioFloorBytes && total > layer.size * limits.maxRatio) {
        return badLayer(
          index,
          layer.digest,
          `decompresses to more than ${limits.maxRatio} times its size (a decompression bomb)`,
        );
      }
      return undefined;
    });
    const tar = extract();
    const compressed = !(decompress instanceof PassThrough);
    const { onLayer } = options;
    const report = (done: number, state: LayerProgress['state']) =>
      onLayer?.({ index, digest: layer.digest, done, size: layer.size, state });
    const stages: NodeJS.ReadWriteStream[] = onLayer ? [meter((n) => report(n, 'running'))] : [];
    if (compressed) stages.push(batcher(INFLATE_INPUT));
    const feeding = pipeline([source, ...stages, decompress, guard, tar]);
    // Per-entry checks cannot see a cancel while one large file streams: stop the bytes too.
    const abort = () => source.destroy(options.signal?.reason as Error);
    options.signal?.addEventListener('abort', abort, { once: true });
    // Awaited below; this only keeps an early failure from counting as unhandled meanwhile.
    feeding.catch(() => undefined);
    let layerEntries = 0;
    // Whiteouts hide lower layers' files only: remember which paths this layer wrote itself.
    const written = new Set<string>();
    const hide = (path: string, opaque: boolean) => {
      const prefix = `${path}/`;
      for (const key of view.files.keys()) {
        if (written.has(key)) continue;
        if ((!opaque && key === path) || key.startsWith(prefix)) {
          view.files.delete(key);
          view.contents.delete(key);
        }
      }
    };
    try {
      for await (const entry of tar) {
        options.signal?.throwIfAborted();
        if (++entries > limits.maxEntries) {
          throw badLayer(index, layer.digest, `brings the image over ${limits.maxEntries} files`);
        }
        layerEntries++;
        const header = entry.header;
        const path = normalize(header.name);
        if (path === '\0') {
          entry.resume();
          throw badLayer(
            index,
            layer.digest,
            `has the entry "${header.name.slice(0, 200)}", which climbs out of the root`,
          );
        }
        const base = posix.basename(path);
        if (base.startsWith('.wh.')) {
          entry.resume();
          const dir = posix.dirname(path);
          if (base === '.wh..wh..opq') hide(dir === '.' ? '' : dir, true);
          else hide(dir === '.' ? base.slice(4) : `${dir}/${base.slice(4)}`, false);
          continue;
        }
        if (path === '') {
          entry.resume();
          continue;
        }
        const meta: FileMeta = {
          path,
          type: typeOf(header),
          size: header.size ?? 0,
          mode: header.mode ?? 0,
          uid: header.uid ?? 0,
          gid: header.gid ?? 0,
          ...(header.linkname ? { linkname: header.linkname } : {}),
          layer: index,
        };
        // A file replacing a directory of a lower layer replaces what was under it too.
        if (meta.type !== 'directory' && view.files.get(path)?.type === 'directory')
          hide(path, true);
        view.files.set(path, meta);
        view.contents.delete(path);
        written.add(path);
        if (meta.type === 'file') {
          const keep = options.capture(meta);
          const captured = await consume(
            entry as unknown as AsyncIterable<Buffer>,
            keep,
            options.inspect ? (content) => options.inspect!(meta, content) : undefined,
          );
          if (captured) view.contents.set(path, captured);
        } else {
          entry.resume();
        }
      }
      await feeding;
    } catch (error) {
      source.destroy();
      await feeding.catch(() => undefined);
      options.signal?.throwIfAborted();
      if (error instanceof ConsignError) throw error;
      if ((error as Error).name === 'AbortError') throw error;
      throw badLayer(
        index,
        layer.digest,
        `cannot be read as a tar archive (${(error as Error).message})`,
        error,
      );
    } finally {
      options.signal?.removeEventListener('abort', abort);
    }
    report(layer.size, 'done');
    view.layers.push({
      digest: layer.digest,
      size: layer.size,
      uncompressedSize: uncompressed,
      entries: layerEntries,
    });
  }
  return view;
}
