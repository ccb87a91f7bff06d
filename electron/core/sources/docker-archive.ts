import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { ConsignError } from '../errors';
import {
  digestOf,
  isDigest,
  MediaType,
  parseDigest,
  parseManifest,
  parseRegistryReference,
  type Descriptor,
  type Digest,
  type ParsedManifest,
} from '../oci';
import { LayoutSource, readLayoutIndex, selectLayoutEntry } from './oci-layout';
import { readSmall, TarStore, verified } from './store';
import { indexTar, type TarEntry, type TarIndex } from './tar';
import type { BlobDescriptor, ImageSource } from './types';

/** manifest.json and image configs are metadata; anything bigger is not a real archive. */
const MAX_METADATA_BYTES = 32 * 1024 * 1024;

interface ArchiveEntry {
  Config: string;
  RepoTags?: string[] | null | undefined;
  Layers: string[];
  [field: string]: unknown;
}

/**
 * The shapes of manifest.json and of an image config, built when an archive is first opened:
 * loading zod takes about 80 ms, which commands that never open one should not pay at start.
 */
async function buildShapes() {
  const { z } = await import('zod');
  const entry = z.looseObject({
    Config: z.string().min(1),
    RepoTags: z.array(z.string()).nullish(),
    Layers: z.array(z.string().min(1)),
  });
  const config = z.looseObject({
    rootfs: z.looseObject({
      type: z.string().optional(),
      diff_ids: z.array(z.string().refine(isDigest, 'not a digest')),
    }),
  });
  return { entries: z.array(entry), config };
}
let shapes: ReturnType<typeof buildShapes> | undefined;
const archiveShapes = () => (shapes ??= buildShapes());

const BLOB_PATH = /^blobs\/(sha256|sha512)\/([a-f0-9]{64}|[a-f0-9]{128})$/;

/** The digest a `blobs/<alg>/<hex>` path names, if it is one. */
function digestOfPath(path: string): Digest | undefined {
  const match = BLOB_PATH.exec(path);
  if (!match) return undefined;
  const candidate = `${match[1]}:${match[2]}`;
  return isDigest(candidate) ? candidate : undefined;
}

/** `docker.io/library/busybox:latest` for `busybox`, so names compare the way Docker does. */
function canonicalName(name: string): string | undefined {
  try {
    const ref = parseRegistryReference(name);
    return `${ref.registry}/${ref.repository}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
  } catch {
    return undefined;
  }
}

function sameName(a: string, b: string): boolean {
  if (a === b) return true;
  const left = canonicalName(a);
  return left !== undefined && left === canonicalName(b);
}

function bad(message: string, remedy?: string): ConsignError {
  return new ConsignError('BAD_INPUT', message, {
    remedy:
      remedy ??
      'The archive is damaged or was not written by `docker save`: write it again and retry.',
  });
}

interface Candidate {
  entry: ArchiveEntry;
  configDigest: Digest;
}

async function configDigestOf(tar: TarIndex, entry: ArchiveEntry, what: string): Promise<Digest> {
  const named = digestOfPath(entry.Config);
  if (named) return named;
  // Legacy archives name the config `<hex>.json`, hex being its sha256; trust only a hash.
  const file = tar.file(entry.Config);
  if (!file) throw bad(`${what} lacks the image config ${entry.Config} that manifest.json names.`);
  return digestOf(await readSmall(new TarStore(tar), entry.Config, MAX_METADATA_BYTES, what));
}

function describeAll(candidates: Candidate[]): string {
  const names = candidates.flatMap((c) => c.entry.RepoTags ?? []);
  const untagged = candidates.filter((c) => (c.entry.RepoTags ?? []).length === 0).length;
  const parts = [...names];
  if (untagged > 0) parts.push(`${untagged} untagged image${untagged === 1 ? '' : 's'}`);
  return parts.length === 0 ? 'no image' : parts.join(', ');
}

function selectCandidate(
  candidates: Candidate[],
  name: string | undefined,
  what: string,
): Candidate {
  if (name === undefined) {
    if (candidates.length === 1) return candidates[0]!;
    throw new ConsignError(
      candidates.length === 0 ? 'NOT_FOUND' : 'BAD_INPUT',
      `${what} holds ${candidates.length} images; say which one (it holds ${describeAll(candidates)}).`,
      { remedy: 'Add the image name to the reference, as in docker-archive:FILE:NAME:TAG.' },
    );
  }
  const byId = name.replace(/^@/, '');
  const matches = candidates.filter(
    (c) => c.configDigest === byId || (c.entry.RepoTags ?? []).some((tag) => sameName(tag, name)),
  );
  // One image can appear once per tag in manifest.json; the same config is the same image.
  if (matches.length > 0 && matches.every((m) => m.configDigest === matches[0]!.configDigest)) {
    return matches[0]!;
  }
  if (matches.length === 0) {
    throw new ConsignError(
      'NOT_FOUND',
      `${what} holds no image named "${name}" (it holds ${describeAll(candidates)}).`,
      { remedy: 'Use one of the names listed.' },
    );
  }
  throw bad(`${what} has several different images named "${name}".`);
}

interface LegacyBlob {
  entry: TarEntry;
  what: string;
}

/** A legacy `docker save` image, presented as the OCI image manifest Consign synthesizes for it. */
class LegacyArchiveSource implements ImageSource {
  readonly description: string;
  readonly #tar: TarIndex;
  readonly #manifest: ParsedManifest;
  readonly #blobs: Map<Digest, LegacyBlob>;
  readonly #cleanup: (() => Promise<void>) | undefined;

  constructor(
    description: string,
    tar: TarIndex,
    manifest: ParsedManifest,
    blobs: Map<Digest, LegacyBlob>,
    cleanup: (() => Promise<void>) | undefined,
  ) {
    this.description = description;
    this.#tar = tar;
    this.#manifest = manifest;
    this.#blobs = blobs;
    this.#cleanup = cleanup;
  }

  async root(): Promise<ParsedManifest> {
    return this.#manifest;
  }

  async manifest(digest: Digest): Promise<ParsedManifest> {
    parseDigest(digest, 'manifest digest');
    if (digest === this.#manifest.digest) return this.#manifest;
    throw new ConsignError('NOT_FOUND', `${this.description} has no manifest ${digest}.`, {
      remedy: `Its only manifest is ${this.#manifest.digest}.`,
    });
  }

  async blob(descriptor: BlobDescriptor): Promise<Readable> {
    const digest = parseDigest(String(descriptor.digest), 'blob digest');
    const blob = this.#blobs.get(digest);
    if (!blob) {
      throw new ConsignError('NOT_FOUND', `${this.description} has no blob ${digest}.`, {
        remedy: 'Only the config and layers of the archived image can be read from it.',
      });
    }
    return verified(this.#tar.stream(blob.entry), digest, descriptor.size, blob.what);
  }

  async close(): Promise<void> {
    await this.#cleanup?.();
  }
}

/** Hashes a gzip layer as stored and as unpacked, in one pass. */
async function hashGzipLayer(
  tar: TarIndex,
  entry: TarEntry,
  what: string,
): Promise<{ compressed: Digest; uncompressed: Digest }> {
  const compressed = createHash('sha256');
  const uncompressed = createHash('sha256');
  const gunzip = createGunzip();
  gunzip.on('data', (chunk: Buffer) => uncompressed.update(chunk));
  try {
    await pipeline(
      tar.stream(entry),
      async function* (source: AsyncIterable<Buffer>) {
        for await (const chunk of source) {
          compressed.update(chunk);
          yield chunk;
        }
      },
      gunzip,
    );
  } catch (cause) {
    throw new ConsignError('BAD_INPUT', `${what} is a damaged gzip stream.`, {
      remedy: 'Write the archive again and retry.',
      cause,
    });
  }
  return {
    compressed: `sha256:${compressed.digest('hex')}`,
    uncompressed: `sha256:${uncompressed.digest('hex')}`,
  };
}

/**
 * Serializes the synthesized manifest with a fixed key order, so the same archive gives the same
 * manifest digest on every run and every machine.
 */
export function synthesizeManifest(
  config: { digest: Digest; size: number },
  layers: { mediaType: string; digest: Digest; size: number }[],
): Buffer {
  const manifest = {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: { mediaType: MediaType.ociConfig, digest: config.digest, size: config.size },
    layers: layers.map((layer) => ({
      mediaType: layer.mediaType,
      digest: layer.digest,
      size: layer.size,
    })),
  };
  return Buffer.from(JSON.stringify(manifest), 'utf8');
}

async function openLegacy(
  tar: TarIndex,
  candidate: Candidate,
  description: string,
  cleanup: (() => Promise<void>) | undefined,
): Promise<ImageSource> {
  const store = new TarStore(tar);
  const { entry } = candidate;
  const configEntry = tar.file(entry.Config);
  if (!configEntry) {
    throw bad(`${description} lacks the image config ${entry.Config} that manifest.json names.`);
  }
  const configBytes = await readSmall(
    store,
    entry.Config,
    MAX_METADATA_BYTES,
    `The image config of ${description}`,
  );
  const configDigest = digestOf(configBytes);
  let configJson: unknown;
  try {
    configJson = JSON.parse(configBytes.toString('utf8'));
  } catch {
    throw bad(`The image config ${entry.Config} in ${description} is not valid JSON.`);
  }
  const config = (await archiveShapes()).config.safeParse(configJson);
  if (!config.success) {
    throw bad(`The image config ${entry.Config} in ${description} has no valid rootfs.diff_ids.`);
  }
  const diffIds = config.data.rootfs.diff_ids as Digest[];
  if (diffIds.length !== entry.Layers.length) {
    throw bad(
      `${description} lists ${entry.Layers.length} layers in manifest.json but its config records ${diffIds.length} (rootfs.diff_ids).`,
    );
  }
  const blobs = new Map<Digest, LegacyBlob>([
    [configDigest, { entry: configEntry, what: `The image config of ${description}` }],
  ]);
  const layers: { mediaType: string; digest: Digest; size: number }[] = [];
  for (const [i, layerPath] of entry.Layers.entries()) {
    const diffId = diffIds[i]!;
    const what = `Layer ${i + 1} (${layerPath}) of ${description}`;
    const file = tar.file(layerPath);
    if (!file) throw bad(`${description} lacks ${layerPath}, layer ${i + 1} in manifest.json.`);
    const magic = await tar.head(file, 2);
    if (magic[0] === 0x1f && magic[1] === 0x8b) {
      const hashes = await hashGzipLayer(tar, file, what);
      if (hashes.uncompressed !== diffId) {
        throw new ConsignError(
          'CHECK_FAILED',
          `${what} unpacks to ${hashes.uncompressed}, but the image config records ${diffId}.`,
          { remedy: 'The archive is damaged or tampered with: write it again and retry.' },
        );
      }
      layers.push({
        mediaType: MediaType.ociLayerTarGzip,
        digest: hashes.compressed,
        size: file.size,
      });
      blobs.set(hashes.compressed, { entry: file, what });
      continue;
    }
    const named = digestOfPath(layerPath);
    if (named !== undefined && named !== diffId) {
      throw new ConsignError(
        'CHECK_FAILED',
        `${what} is stored as ${named}, but the image config records ${diffId} for it.`,
        { remedy: 'The archive is damaged or tampered with: write it again and retry.' },
      );
    }
    // An uncompressed layer's digest is its diff_id; the bytes are checked as they stream.
    layers.push({ mediaType: MediaType.ociLayerTar, digest: diffId, size: file.size });
    blobs.set(diffId, {
      entry: file,
      what: `${what}, whose digest must be the diff_id its image config records,`,
    });
  }
  const bytes = synthesizeManifest({ digest: configDigest, size: configBytes.length }, layers);
  const manifest = parseManifest(bytes, MediaType.ociManifest, `The manifest of ${description}`);
  return new LegacyArchiveSource(description, tar, manifest, blobs, cleanup);
}

/** Docker 25+ archives are OCI layouts too: find the index.json entry of the chosen image. */
async function openOciInArchive(
  tar: TarIndex,
  candidate: Candidate | undefined,
  name: string | undefined,
  description: string,
  cleanup: (() => Promise<void>) | undefined,
): Promise<ImageSource> {
  const store = new TarStore(tar);
  const index = await readLayoutIndex(store, description);
  const entries = index.index.manifests;
  if (!candidate) {
    // No manifest.json: an OCI layout tarball; pick by ref.name like oci:DIR:TAG.
    return new LayoutSource(
      store,
      description,
      selectLayoutEntry(entries, name, description),
      cleanup,
    );
  }
  if (entries.length === 0) throw bad(`The index.json of ${description} lists no image.`);
  // Only its manifest() is used, to look inside the entries.
  const probe = new LayoutSource(store, description, entries[0]!);
  // What a child of an index is: absent from the archive, or present with this config (if any).
  const childOf = async (
    descriptor: Descriptor,
  ): Promise<{ present: false } | { present: true; config?: Digest }> => {
    try {
      const parsed = await probe.manifest(descriptor.digest);
      return parsed.kind === 'manifest'
        ? { present: true, config: parsed.manifest.config.digest }
        : { present: true };
    } catch (error) {
      if (error instanceof ConsignError && error.code === 'NOT_FOUND') return { present: false };
      throw error;
    }
  };
  for (const descriptor of entries) {
    let parsed: ParsedManifest;
    try {
      parsed = await probe.manifest(descriptor.digest);
    } catch (error) {
      if (error instanceof ConsignError && error.code === 'NOT_FOUND') continue;
      throw error;
    }
    if (parsed.kind === 'manifest') {
      if (parsed.manifest.config.digest === candidate.configDigest) {
        return new LayoutSource(store, description, descriptor, cleanup);
      }
      continue;
    }
    // A multi-platform entry: whole when every child is in the archive, else the matching child.
    let complete = true;
    let match: Descriptor | undefined;
    for (const child of parsed.index.manifests) {
      const found = await childOf(child);
      if (!found.present) complete = false;
      else if (found.config === candidate.configDigest) match = child;
    }
    if (match) return new LayoutSource(store, description, complete ? descriptor : match, cleanup);
  }
  throw bad(
    `${description} has no index.json entry for the image whose config is ${candidate.configDigest}.`,
  );
}

/**
 * Opens a `docker save` tarball without extracting it: the tar is indexed once (headers only) and
 * every blob is then streamed from its place in the file. `cleanup` runs on close() (the daemon
 * source removes its temporary file this way).
 */
export async function openArchive(
  path: string,
  name: string | undefined,
  description: string,
  cleanup?: () => Promise<void>,
): Promise<ImageSource> {
  try {
    if ((await stat(path)).isDirectory()) {
      throw bad(
        `${path} is a folder, not a docker save archive.`,
        'For an OCI layout folder use oci:DIR.',
      );
    }
  } catch (error) {
    if (error instanceof ConsignError) throw error;
    throw new ConsignError('NOT_FOUND', `The archive ${path} does not exist.`, {
      remedy: 'Check the path after docker-archive: in the reference.',
    });
  }
  const tar = await indexTar(path, description);
  const hasLayout = tar.file('oci-layout') !== undefined && tar.file('index.json') !== undefined;
  if (!tar.file('manifest.json')) {
    if (hasLayout) return openOciInArchive(tar, undefined, name, description, cleanup);
    throw bad(
      `${description} is not a docker save archive: it has no manifest.json.`,
      'Create it with `docker save -o FILE IMAGE`.',
    );
  }
  const raw = await readSmall(
    new TarStore(tar),
    'manifest.json',
    MAX_METADATA_BYTES,
    `The manifest.json of ${description}`,
  );
  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch {
    throw bad(`The manifest.json of ${description} is not valid JSON.`);
  }
  const entries = (await archiveShapes()).entries.safeParse(json);
  if (!entries.success) {
    const issue = entries.error.issues[0];
    throw bad(
      `The manifest.json of ${description} is malformed at ${issue?.path.join('.') || 'the top'}: ${issue?.message ?? 'invalid'}.`,
    );
  }
  const candidates: Candidate[] = [];
  for (const entry of entries.data) {
    candidates.push({ entry, configDigest: await configDigestOf(tar, entry, description) });
  }
  const chosen = selectCandidate(candidates, name, description);
  return hasLayout
    ? openOciInArchive(tar, chosen, name, description, cleanup)
    : openLegacy(tar, chosen, description, cleanup);
}

/** Opens a `docker save` tarball; `name` (as in its RepoTags) picks an image when it holds several. */
export function openDockerArchive(path: string, name?: string): Promise<ImageSource> {
  return openArchive(path, name, `docker-archive:${path}${name === undefined ? '' : `:${name}`}`);
}
