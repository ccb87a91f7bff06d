/**
 * An OCI image layout folder seen as a registry (the transfer engine's `RegistryApi`), read and
 * written: images copy into it and out of it with their signatures and attestations, and signing
 * works on it as on any registry. One layout is one "host" holding several repositories.
 *
 * Naming: the layout's index.json tags an image with `org.opencontainers.image.ref.name`. A tag
 * `TAG` of repository `REPO` is stored as the ref name `REPO+TAG` (`app+1.0.0`,
 * `app+sha256-<hex>.sig`): `+` appears in neither repository names nor tags, and unlike `:` it
 * survives an `oci:DIR:NAME` reference. Ref names without `+` (layouts written by other tools)
 * belong to the unnamed repository "".
 *
 * Blobs are written to a temporary file and renamed into place only once their digest and size
 * are checked; index.json is replaced by rename too, so a reader never sees half a file. There is
 * no referrers API: referrers live in the `sha256-<hex>` fallback index, as on plain registries.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform, type Readable } from 'node:stream';
import { ConsignError } from '../errors';
import {
  digestHex,
  digestOf,
  isDigest,
  MAX_MANIFEST_BYTES,
  MediaType,
  parseDigest,
  type Descriptor,
  type Digest,
  type ParsedManifest,
} from '../oci';
import type { RegistryApi } from '../transfer/types';
import { readLayoutIndex, REF_NAME_ANNOTATION } from './oci-layout';
import { blobPath, DirectoryStore, readLayoutManifest, skipBytes, verified } from './store';

/** The host name a layout answers to in `docker://HOST/REPO@DIGEST` references. */
export const OCI_LAYOUT_HOST = 'oci-layout.local';

const REPOSITORY_SEPARATOR = '+';

/** The index.json ref name of `tag` in `repository`. */
export function layoutRefName(repository: string, tag: string): string {
  return repository === '' ? tag : `${repository}${REPOSITORY_SEPARATOR}${tag}`;
}

/** Repository and tag of a ref name (the inverse of `layoutRefName`). */
export function splitLayoutRefName(refName: string): { repository: string; tag: string } {
  const at = refName.indexOf(REPOSITORY_SEPARATOR);
  return at < 0
    ? { repository: '', tag: refName }
    : { repository: refName.slice(0, at), tag: refName.slice(at + 1) };
}

/** The `sha256-<hex>` tag of a subject's referrers fallback index. */
function fallbackTag(digest: Digest): string {
  return `${digest.slice(0, digest.indexOf(':'))}-${digestHex(digest)}`;
}

/** Counts bytes and hashes them as they pass, reporting progress. */
function hashing(onProgress?: (bytes: number) => void) {
  const hash = createHash('sha256');
  let size = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      size += chunk.length;
      onProgress?.(size);
      done(null, chunk);
    },
  });
  return { stream, result: () => ({ digest: `sha256:${hash.digest('hex')}` as Digest, size }) };
}

export class OciLayoutRegistry implements RegistryApi {
  readonly host = OCI_LAYOUT_HOST;
  readonly path: string;
  readonly #store: DirectoryStore;
  /** index.json is rewritten whole: updates run one after another. */
  #indexQueue: Promise<unknown> = Promise.resolve();

  private constructor(path: string) {
    this.path = path;
    this.#store = new DirectoryStore(path);
  }

  /** Opens the layout in `path`; with `create`, makes an empty one there when there is none. */
  static async open(path: string, options: { create?: boolean } = {}): Promise<OciLayoutRegistry> {
    const layout = new OciLayoutRegistry(path);
    if (options.create && (await layout.#store.size('oci-layout')) === undefined) {
      await mkdir(join(path, 'blobs', 'sha256'), { recursive: true });
      await writeFile(join(path, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
      await layout.#writeIndex([]);
    }
    await layout.#readIndex(); // checks that it is a layout Consign reads
    return layout;
  }

  /** Every index.json entry, as stored. */
  async entries(): Promise<Descriptor[]> {
    return (await this.#readIndex()).index.manifests;
  }

  async headManifest(
    repository: string,
    reference: string,
  ): Promise<{ digest: Digest; mediaType: string; size: number } | null> {
    if (isDigest(reference)) {
      const size = await this.#store.size(blobPath(reference));
      if (size === undefined) return null;
      const manifest = await this.#readManifest(reference, undefined);
      return { digest: reference, mediaType: manifest.mediaType, size };
    }
    const entry = await this.#entry(repository, reference);
    return entry ? { digest: entry.digest, mediaType: entry.mediaType, size: entry.size } : null;
  }

  async getManifest(repository: string, reference: string): Promise<ParsedManifest> {
    if (isDigest(reference)) return this.#readManifest(reference, undefined);
    const entry = await this.#entry(repository, reference);
    if (!entry) {
      throw new ConsignError(
        'NOT_FOUND',
        `The OCI layout ${this.path} has no ${layoutRefName(repository, reference)}.`,
      );
    }
    return this.#readManifest(entry.digest, entry.mediaType);
  }

  async putManifest(
    repository: string,
    reference: string,
    manifest: { bytes: Buffer; mediaType: string },
  ): Promise<Digest> {
    if (manifest.bytes.length > MAX_MANIFEST_BYTES) {
      throw new ConsignError(
        'BAD_INPUT',
        `The manifest for ${repository} is ${manifest.bytes.length} bytes, over the 4 MiB limit.`,
      );
    }
    const digest = digestOf(manifest.bytes);
    if (isDigest(reference) && reference !== digest) {
      throw new ConsignError(
        'BAD_INPUT',
        `The manifest stored as ${reference} hashes to ${digest}.`,
      );
    }
    await this.#writeBlob(digest, manifest.bytes);
    if (!isDigest(reference)) {
      const name = layoutRefName(repository, reference);
      await this.#updateIndex((entries) => [
        ...entries.filter((e) => e.annotations?.[REF_NAME_ANNOTATION] !== name),
        {
          mediaType: manifest.mediaType,
          digest,
          size: manifest.bytes.length,
          annotations: { [REF_NAME_ANNOTATION]: name },
        },
      ]);
    }
    return digest;
  }

  async hasBlob(_repository: string, digest: Digest): Promise<number | null> {
    return (await this.#store.size(blobPath(digest))) ?? null;
  }

  async getBlob(
    _repository: string,
    descriptor: { digest: Digest; size: number },
    offset = 0,
  ): Promise<Readable> {
    const path = blobPath(descriptor.digest);
    if ((await this.#store.size(path)) === undefined) {
      throw new ConsignError(
        'NOT_FOUND',
        `The OCI layout ${this.path} has no blob ${descriptor.digest}.`,
      );
    }
    // The whole file is hashed even when reading from an offset: nothing unverified leaves.
    const stream = verified(
      this.#store.stream(path),
      descriptor.digest,
      descriptor.size,
      `Blob ${descriptor.digest} of the OCI layout ${this.path}`,
    );
    return offset > 0 ? stream.pipe(skipBytes(offset)) : stream;
  }

  /** Every repository of a layout shares its blobs: a blob it holds is always "mounted". */
  async mountBlob(repository: string, digest: Digest): Promise<boolean> {
    return (await this.hasBlob(repository, digest)) !== null;
  }

  async uploadBlob(
    repository: string,
    descriptor: { digest: Digest; size: number },
    open: (offset: number) => Promise<Readable>,
    options: {
      onProgress?: (bytesSent: number) => void;
      signal?: AbortSignal;
      checkExisting?: boolean;
    } = {},
  ): Promise<{ digest: Digest; size: number }> {
    parseDigest(descriptor.digest, 'blob digest');
    if (options.checkExisting !== false && (await this.hasBlob(repository, descriptor.digest))) {
      return { digest: descriptor.digest, size: descriptor.size };
    }
    const written = await this.#writeStream(
      await open(0),
      options.onProgress,
      options.signal,
      (actual) =>
        actual.digest === descriptor.digest && actual.size === descriptor.size
          ? undefined
          : `hashes to ${actual.digest} (${actual.size} bytes), not to ${descriptor.digest} (${descriptor.size} bytes)`,
    );
    return written;
  }

  async uploadStreamedBlob(
    _repository: string,
    source: {
      open(
        offset: number,
      ): Promise<{ stream: Readable; result: Promise<{ digest: Digest; size: number }> }>;
    },
    options: { onProgress?: (bytesSent: number) => void; signal?: AbortSignal } = {},
  ): Promise<{ digest: Digest; size: number }> {
    const { stream, result } = await source.open(0);
    // Our own hash is the name; the source's announced digest must agree with it.
    const written = await this.#writeStream(
      stream,
      options.onProgress,
      options.signal,
      () => undefined,
    );
    const announced = await result;
    if (announced.digest !== written.digest || announced.size !== written.size) {
      throw new ConsignError(
        'CHECK_FAILED',
        `A blob written to the OCI layout ${this.path} hashes to ${written.digest}, but its source announced ${announced.digest}.`,
      );
    }
    return written;
  }

  async referrers(
    repository: string,
    digest: Digest,
    artifactType?: string,
  ): Promise<{ manifests: Descriptor[] }> {
    const entry = await this.#entry(repository, fallbackTag(digest));
    if (!entry) return { manifests: [] };
    const index = await this.#readManifest(entry.digest, entry.mediaType);
    if (index.kind !== 'index') {
      throw new ConsignError(
        'BAD_INPUT',
        `The OCI layout ${this.path} holds a manifest, not an index, at the referrers tag ${fallbackTag(digest)}.`,
      );
    }
    const list = index.index.manifests;
    return { manifests: artifactType ? list.filter((d) => d.artifactType === artifactType) : list };
  }

  async supportsReferrersApi(): Promise<boolean> {
    return false;
  }

  /** Appends to the subject's fallback index, keeping what it lists (annotations included). */
  async addReferrers(
    repository: string,
    subject: Digest,
    descriptors: Descriptor[],
  ): Promise<void> {
    const tag = fallbackTag(subject);
    // Read, merge and write as one step of the index queue, so concurrent additions all stay.
    await this.#queued(async () => {
      const existing = (await this.referrers(repository, subject)).manifests;
      const known = new Set(existing.map((d) => d.digest));
      const missing = descriptors.filter((d) => !known.has(d.digest));
      if (missing.length === 0) return;
      const bytes = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: MediaType.ociIndex,
          manifests: [...existing, ...missing],
        }),
      );
      const digest = digestOf(bytes);
      await this.#writeBlob(digest, bytes);
      const name = layoutRefName(repository, tag);
      const index = await this.#readIndex();
      await this.#writeIndex([
        ...index.index.manifests.filter((e) => e.annotations?.[REF_NAME_ANNOTATION] !== name),
        {
          mediaType: MediaType.ociIndex,
          digest,
          size: bytes.length,
          annotations: { [REF_NAME_ANNOTATION]: name },
        },
      ]);
    });
  }

  async #entry(repository: string, tag: string): Promise<Descriptor | undefined> {
    const name = layoutRefName(repository, tag);
    const entries = (await this.#readIndex()).index.manifests;
    // The last entry wins, as a registry's tag names its latest push.
    return entries.filter((e) => e.annotations?.[REF_NAME_ANNOTATION] === name).at(-1);
  }

  #readManifest(digest: Digest, mediaType: string | undefined): Promise<ParsedManifest> {
    return readLayoutManifest(this.#store, `the OCI layout ${this.path}`, { digest, mediaType });
  }

  #readIndex() {
    return readLayoutIndex(this.#store, `The OCI layout ${this.path}`);
  }

  async #writeIndex(manifests: Descriptor[]): Promise<void> {
    const bytes = JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests });
    const temporary = join(this.path, `.index-${randomUUID()}.json`);
    await writeFile(temporary, bytes);
    await rename(temporary, join(this.path, 'index.json'));
  }

  #queued<T>(work: () => Promise<T>): Promise<T> {
    const next = this.#indexQueue.catch(() => undefined).then(work);
    this.#indexQueue = next;
    return next;
  }

  #updateIndex(change: (entries: Descriptor[]) => Descriptor[]): Promise<void> {
    return this.#queued(async () => {
      const index = await this.#readIndex();
      await this.#writeIndex(change(index.index.manifests));
    });
  }

  async #writeBlob(digest: Digest, bytes: Buffer): Promise<void> {
    const target = join(this.path, ...blobPath(digest).split('/'));
    if ((await stat(target).catch(() => undefined))?.isFile()) return;
    const temporary = join(this.path, 'blobs', `.tmp-${randomUUID()}`);
    await writeFile(temporary, bytes);
    await rename(temporary, target);
  }

  /**
   * Streams a blob into a temporary file while hashing it; `check` says what is wrong with the
   * result, if anything, and only a blob that passes is renamed under its digest.
   */
  async #writeStream(
    source: Readable,
    onProgress: ((bytes: number) => void) | undefined,
    signal: AbortSignal | undefined,
    check: (actual: { digest: Digest; size: number }) => string | undefined,
  ): Promise<{ digest: Digest; size: number }> {
    await mkdir(join(this.path, 'blobs', 'sha256'), { recursive: true });
    const temporary = join(this.path, 'blobs', `.tmp-${randomUUID()}`);
    const hash = hashing(onProgress);
    try {
      await pipeline(source, hash.stream, createWriteStream(temporary), signal ? { signal } : {});
      const actual = hash.result();
      const problem = check(actual);
      if (problem) {
        throw new ConsignError(
          'CHECK_FAILED',
          `A blob written to the OCI layout ${this.path} ${problem}.`,
          {
            remedy: 'The source changed or is damaged: copy it again.',
          },
        );
      }
      await rename(temporary, join(this.path, ...blobPath(actual.digest).split('/')));
      return actual;
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
  }
}
