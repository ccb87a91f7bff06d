import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline, Transform, type Readable } from 'node:stream';
import { ConsignError } from '../errors';
import {
  digestHex,
  MAX_MANIFEST_BYTES,
  parseDigest,
  parseManifest,
  VerifyingStream,
  type Digest,
  type ParsedManifest,
} from '../oci';
import type { TarIndex } from './tar';

/**
 * Read access to the files of an image on disk, whether they sit in a folder or inside a tar
 * archive. Paths are built by this module from fixed names and validated digests only.
 */
export interface FileStore {
  /** Size of a regular file, or undefined when there is none. */
  size(path: string): Promise<number | undefined>;
  stream(path: string): Readable;
}

export class DirectoryStore implements FileStore {
  readonly #root: string;

  constructor(root: string) {
    this.#root = root;
  }

  async size(path: string): Promise<number | undefined> {
    try {
      const info = await stat(join(this.#root, ...path.split('/')));
      return info.isFile() ? info.size : undefined;
    } catch {
      return undefined;
    }
  }

  stream(path: string): Readable {
    return createReadStream(join(this.#root, ...path.split('/')));
  }
}

export class TarStore implements FileStore {
  readonly #tar: TarIndex;

  constructor(tar: TarIndex) {
    this.#tar = tar;
  }

  async size(path: string): Promise<number | undefined> {
    return this.#tar.file(path)?.size;
  }

  stream(path: string): Readable {
    const entry = this.#tar.file(path);
    if (!entry) throw new Error(`no entry ${path}`); // callers check size() first
    return this.#tar.stream(entry);
  }
}

/** Where a content-addressed blob lives in an OCI image layout. */
export function blobPath(digest: Digest): string {
  const checked = parseDigest(digest, 'blob digest');
  return `blobs/${checked.slice(0, checked.indexOf(':'))}/${digestHex(checked)}`;
}

/** Reads a small file whole, refusing anything over `limit` bytes. */
export async function readSmall(
  store: FileStore,
  path: string,
  limit: number,
  what: string,
): Promise<Buffer> {
  const size = await store.size(path);
  if (size === undefined) {
    throw new ConsignError('BAD_INPUT', `${what} is missing.`, {
      remedy: 'The image on disk is incomplete: write it again and retry.',
    });
  }
  if (size > limit) {
    throw new ConsignError('BAD_INPUT', `${what} is ${size} bytes, over the ${limit} byte limit.`);
  }
  return collect(store.stream(path), limit, what);
}

/** Pipes `source` through a VerifyingStream so the consumer sees an error on any mismatch. */
export function verified(
  source: Readable,
  digest: Digest,
  size: number | undefined,
  what: string,
): Readable {
  const verifier = new VerifyingStream(digest, size, what);
  // Errors on either side reach the returned stream; nothing to do once it has settled.
  return pipeline(source, verifier, () => undefined);
}

/** Reads a whole stream into memory up to a limit (manifests and configs only). */
export async function collect(stream: Readable, limit: number, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > limit) {
      stream.destroy();
      throw new ConsignError('BAD_INPUT', `${what} is over the ${limit} byte limit.`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Drops the first `count` bytes of a stream: reading from an offset a source cannot seek to. */
export function skipBytes(count: number): Transform {
  let left = count;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      if (left >= chunk.length) {
        left -= chunk.length;
        done();
        return;
      }
      const rest = left > 0 ? chunk.subarray(left) : chunk;
      left = 0;
      done(null, rest);
    },
  });
}

/**
 * Reads a manifest blob of a layout whole: refused over 4 MiB, verified against its digest (and
 * size, when known), then parsed. `what` names the layout in messages.
 */
export async function readLayoutManifest(
  store: FileStore,
  what: string,
  blob: { digest: Digest; size?: number | undefined; mediaType?: string | undefined },
  remedy?: string,
): Promise<ParsedManifest> {
  const name = `Manifest ${blob.digest} of ${what}`;
  const path = blobPath(blob.digest);
  const actual = await store.size(path);
  if (actual === undefined) {
    throw new ConsignError(
      'NOT_FOUND',
      `${what} has no manifest ${blob.digest}.`,
      remedy ? { remedy } : {},
    );
  }
  if (actual > MAX_MANIFEST_BYTES) {
    throw new ConsignError('BAD_INPUT', `${name} is ${actual} bytes, over the 4 MiB limit.`);
  }
  const bytes = await collect(
    verified(store.stream(path), blob.digest, blob.size, name),
    MAX_MANIFEST_BYTES,
    name,
  );
  // The bytes were verified against `digest` (which may be sha512), so that is their name.
  return { ...parseManifest(bytes, blob.mediaType, name), digest: blob.digest };
}
