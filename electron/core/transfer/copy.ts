import { pipeline, type Readable } from 'node:stream';
import { ConsignError, toErrorInfo } from '../errors';
import { type Descriptor, type Digest, type ParsedManifest } from '../oci';
import { ReadBuffers } from '../registry';
import { skipBytes } from '../sources';
import {
  compressedGraph,
  compressibleLayers,
  GZIP_ALGORITHM,
  gzipHashing,
  type Compressed,
} from './compress';
import { fanOut } from './fan-out';
import {
  artifactBlobs,
  collectArtifacts,
  collectGraph,
  type Artifact,
  type ImageGraph,
} from './graph';
import type {
  RegistryApi,
  CopyDestination,
  CopyOptions,
  CopyResult,
  CopySource,
  DestinationResult,
} from './types';

/** Blobs in flight, as skopeo does: an image of six layers moves all at once. */
const DEFAULT_CONCURRENCY = 6;
/** Blobs from this size are read into recycled memory (see transferBlob). */
const RECYCLED_READ_MIN_BYTES = 1024 * 1024;

interface DestinationState {
  destination: CopyDestination;
  result: DestinationResult;
  failed?: unknown;
  /** What the destination tag named before the copy (null: nothing). */
  existing?: Digest | null;
}

/** Runs `work` over `items`, at most `limit` at a time. */
async function eachLimited<T>(items: T[], limit: number, work: (item: T) => Promise<void>) {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++]!);
  });
  await Promise.all(workers);
}

/**
 * Copies one image with everything that travels with it to one or more registries.
 *
 * Order, per destination: blobs, then manifests by digest (children before their index), then
 * signatures and referrers, then the tag last, so that nobody ever sees a tag whose image or
 * signature is incomplete. Each blob is read from the source once and streamed to every
 * destination that lacks it. A destination that fails is dropped; the others go on.
 */
export async function copyImage(
  source: CopySource,
  destinations: CopyDestination[],
  options: CopyOptions = {},
): Promise<CopyResult> {
  const sourceGraph = await collectGraph(source.image);
  const toCompress = source.compressLayers ? compressibleLayers(sourceGraph) : [];
  const compressMemory = options.compressedLayers;
  // Compressed layers' digests, by diff_id: remembered from earlier pushes, or learnt by pushing.
  const compressed = new Map<Digest, Compressed>();
  for (const layer of toCompress) {
    const known = compressMemory?.get(layer.digest, GZIP_ALGORITHM);
    if (known) compressed.set(layer.digest, known);
  }
  const graphNow = (): ImageGraph | undefined =>
    toCompress.length === 0
      ? sourceGraph
      : toCompress.every((layer) => compressed.has(layer.digest))
        ? compressedGraph(sourceGraph, compressed)
        : undefined;
  // The image's digest is known up front unless a layer has never been compressed before.
  const graph = graphNow();
  const artifacts = source.location
    ? await collectArtifacts(
        source.location,
        sourceGraph.manifests.map((m) => m.digest),
      )
    : [];
  const states: DestinationState[] = destinations.map((destination) => ({
    destination,
    result: {
      ref: destination.ref,
      digest: graph?.root.digest ?? sourceGraph.root.digest,
      status: 'copied',
      blobsUploaded: 0,
      blobsMounted: 0,
      blobsPresent: 0,
      bytesUploaded: 0,
      artifacts: 0,
    },
  }));
  const live = () =>
    states.filter((state) => state.failed === undefined && state.result.status !== 'conflict');
  const fail = (state: DestinationState, error: unknown) => {
    if (state.failed === undefined) state.failed = error;
  };

  // Immutable tags: a tag that already names another image is never moved unless asked to.
  await Promise.all(
    states.map(async (state) => {
      const { registry, repository, tag } = state.destination;
      if (!tag) return;
      try {
        state.existing = (await registry.headManifest(repository, tag))?.digest ?? null;
      } catch (error) {
        fail(state, error);
      }
    }),
  );
  const judgeTags = (digest: Digest) => {
    for (const state of states) {
      state.result.digest = digest;
      const existing = state.existing;
      if (!existing || state.failed !== undefined) continue;
      state.result.status = 'copied';
      delete state.result.error;
      if (existing === digest) {
        state.result.status = 'unchanged';
      } else if (!options.overwrite) {
        state.result.status = 'conflict';
        state.result.error = {
          code: 'CHECK_FAILED',
          message: `${state.destination.ref} already points at ${existing}; tags are immutable, so the tag was not moved.`,
          remedy:
            'Deliver under a new tag; if moving this tag is really intended, allow it (“Allow moving an existing tag” in the app, --overwrite on the command line).',
        };
      }
    }
  };
  // When the digest waits for compression, a conflicting destination learns it after the
  // layers; it may then hold untagged blobs, but never a manifest or a moved tag.
  if (graph) judgeTags(graph.root.digest);

  const openBlob = async (
    blob: Descriptor,
    offset: number,
    readBuffers?: ReadBuffers,
  ): Promise<Readable> => {
    if (source.location) {
      const { registry, repository } = source.location;
      return registry.getBlob(repository, blob, offset, undefined, readBuffers);
    }
    const stream = await source.image.blob(blob);
    return offset > 0 ? pipeline(stream, skipBytes(offset), () => undefined) : stream;
  };

  const memory = options.blobLocations;
  const remember = (host: string, repository: string, digest: Digest) =>
    memory?.remember(host, repository, digest);
  if (source.location) {
    const { registry, repository } = source.location;
    for (const blob of sourceGraph.blobs) remember(registry.host, repository, blob.digest);
  }

  /**
   * Mounts a blob the destination registry already holds in another repository: the source's
   * own repository when it is the same registry, or one where an earlier copy left it.
   */
  const mountFromElsewhere = async (registry: RegistryApi, repository: string, digest: Digest) => {
    const candidates = new Set<string>();
    const from = source.location;
    if (from && from.registry.host === registry.host) candidates.add(from.repository);
    for (const other of memory?.candidates(registry.host, digest, repository) ?? []) {
      candidates.add(other);
    }
    candidates.delete(repository);
    for (const other of candidates) {
      if (await registry.mountBlob(repository, digest, other)) return true;
      memory?.forget(registry.host, other, digest);
    }
    return false;
  };

  /** The live destinations that lack `blob`, after counting those that have it or mount it. */
  const lacking = async (blob: { digest: Digest }): Promise<DestinationState[]> => {
    const needing: DestinationState[] = [];
    await Promise.all(
      live().map(async (state) => {
        const { registry, repository } = state.destination;
        try {
          if ((await registry.hasBlob(repository, blob.digest)) !== null) {
            state.result.blobsPresent++;
            remember(registry.host, repository, blob.digest);
            return;
          }
          if (await mountFromElsewhere(registry, repository, blob.digest)) {
            state.result.blobsMounted++;
            remember(registry.host, repository, blob.digest);
            return;
          }
          needing.push(state);
        } catch (error) {
          fail(state, error);
        }
      }),
    );
    return needing;
  };

  const transferBlob = async (blob: Descriptor) => {
    const needing = await lacking(blob);
    if (needing.length === 0) return;
    // One read of the source feeds every destination; a resumed upload reopens it on its own.
    // A large blob from a registry is read into memory that is reused once every destination
    // has sent it; a destination leaving the shared read early stops the reuse (ReadBuffers).
    // Small ones keep the pooled keep-alive connections (a blob read has a connection of its own).
    const readBuffers =
      source.location && blob.size >= RECYCLED_READ_MIN_BYTES ? new ReadBuffers() : undefined;
    const sent = needing.map(() => 0);
    const sentUpTo = (i: number, position: number) => {
      // A write's completion may be reported after the answer that ended its upload.
      sent[i] = Math.max(sent[i]!, position);
      readBuffers?.release(Math.min(...sent));
    };
    const stream = await openBlob(blob, 0, readBuffers);
    let sourceError: unknown;
    stream.once('error', (error) => (sourceError = error));
    // Even for one destination the branch stays: its buffer lets the download run ahead of a
    // pausing upload (reading the source directly measured no faster).
    const branches = fanOut(stream, needing.length);
    await Promise.all(
      needing.map(async (state, i) => {
        const branch = branches[i]!;
        const { registry, repository, ref } = state.destination;
        let first = true;
        const report = (done: number, status: 'running' | 'done' | 'failed') =>
          options.onProgress?.({
            destination: ref,
            digest: blob.digest,
            state: status,
            done,
            total: blob.size,
          });
        try {
          await registry.uploadBlob(
            repository,
            blob,
            async (offset) => {
              if (first && offset === 0) {
                first = false;
                return branch;
              }
              first = false;
              readBuffers?.stop();
              branch.destroy();
              return openBlob(blob, offset);
            },
            {
              checkExisting: false,
              onProgress: (done) => report(done, 'running'),
              onSent: (position) => sentUpTo(i, position),
              ...(options.signal ? { signal: options.signal } : {}),
            },
          );
          branch.destroy();
          sentUpTo(i, blob.size);
          remember(registry.host, repository, blob.digest);
          state.result.blobsUploaded++;
          state.result.bytesUploaded += blob.size;
          report(blob.size, 'done');
        } catch (error) {
          readBuffers?.stop();
          branch.destroy();
          report(0, 'failed');
          fail(state, error);
        }
      }),
    );
    // A source that fails or lies fails the whole copy, not the destinations it was feeding.
    if (sourceError !== undefined) throw sourceError;
  };

  /**
   * Compresses one uncompressed layer as it streams from the source and sends the compressed
   * bytes to every destination that lacks them: read, compressed and hashed once for all. Where
   * the compressed digest is remembered, destinations that hold it are skipped; should this run
   * compress to other bytes than remembered (another zlib), those destinations get the new blob
   * in a second round.
   */
  const transferCompressed = async (layer: Descriptor) => {
    for (let round = 0; round < 2; round++) {
      const expected = compressed.get(layer.digest);
      const needing = expected ? await lacking(expected) : live();
      if (needing.length === 0) return;
      const sent = await sendCompressed(layer, needing);
      if (!sent) return; // every destination that needed it failed
      compressed.set(layer.digest, sent);
      compressMemory?.remember(layer.digest, GZIP_ALGORITHM, sent);
      if (!expected || expected.digest === sent.digest) return;
    }
  };

  const sendCompressed = async (
    layer: Descriptor,
    needing: DestinationState[],
  ): Promise<Compressed | undefined> => {
    const primary = gzipHashing(await openBlob(layer, 0));
    let sourceError: unknown;
    primary.stream.once('error', (error) => (sourceError = error));
    const branches = fanOut(primary.stream, needing.length);
    const sent = await Promise.all(
      needing.map(async (state, i) => {
        const branch = branches[i]!;
        const { registry, repository, ref } = state.destination;
        let first = true;
        const report = (done: number, status: 'running' | 'done' | 'failed') =>
          options.onProgress?.({
            destination: ref,
            digest: layer.digest,
            state: status,
            done,
            total: layer.size,
          });
        try {
          const blob = await registry.uploadStreamedBlob(
            repository,
            {
              async open(offset) {
                if (first && offset === 0) {
                  first = false;
                  return { stream: branch, result: primary.result };
                }
                first = false;
                branch.destroy();
                // Compressing again gives the same bytes: hash them all, send from `offset`.
                const again = gzipHashing(await openBlob(layer, 0));
                const stream =
                  offset > 0
                    ? pipeline(again.stream, skipBytes(offset), () => undefined)
                    : again.stream;
                return { stream, result: again.result };
              },
            },
            {
              onProgress: (bytes) => report(Math.min(bytes, layer.size), 'running'),
              ...(options.signal ? { signal: options.signal } : {}),
            },
          );
          branch.destroy();
          remember(registry.host, repository, blob.digest);
          state.result.blobsUploaded++;
          state.result.bytesUploaded += blob.size;
          report(layer.size, 'done');
          return { state, blob };
        } catch (error) {
          branch.destroy();
          report(0, 'failed');
          fail(state, error);
          return undefined;
        }
      }),
    );
    if (sourceError !== undefined) throw sourceError;
    const done = sent.filter((entry) => entry !== undefined);
    const chosen = (await primary.result.catch(() => undefined)) ?? done[0]?.blob;
    for (const { state, blob } of done) {
      // Only a resumed upload compresses again; one that gave other bytes cannot share a manifest.
      if (blob.digest !== chosen?.digest) {
        fail(
          state,
          new ConsignError(
            'CHECK_FAILED',
            `Layer ${layer.digest} compressed to ${blob.digest} for ${state.destination.ref} but to ${chosen?.digest} for the others.`,
            { remedy: 'Copy to this destination again.' },
          ),
        );
      }
    }
    return chosen;
  };

  const putManifest = async (manifest: ParsedManifest, reference: string) => {
    await Promise.all(
      live().map(async (state) => {
        const { registry, repository } = state.destination;
        try {
          const stored = await registry.putManifest(repository, reference, manifest);
          if (stored !== manifest.digest) {
            throw new ConsignError(
              'CHECK_FAILED',
              `${registry.host} stored ${repository}@${manifest.digest} as ${stored}.`,
              {
                remedy:
                  'The registry altered the manifest; digests would not match. Report it to its operator.',
              },
            );
          }
        } catch (error) {
          fail(state, error);
        }
      }),
    );
  };

  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  const compressing = new Set(toCompress.map((layer) => layer.digest));
  await eachLimited(sourceGraph.blobs, concurrency, (blob) =>
    compressing.has(blob.digest) ? transferCompressed(blob) : transferBlob(blob),
  );
  // Compressing may have named layers that were unknown, or other than remembered.
  const image = graphNow();
  // Only when every destination failed can a layer still lack its compressed digest.
  if (!image) return resultOf(states, sourceGraph.root);
  if (image.root.digest !== graph?.root.digest) judgeTags(image.root.digest);
  const digest = image.root.digest;
  for (const manifest of image.manifests) await putManifest(manifest, manifest.digest);

  // Signatures and referrers: their blobs, their manifests, then each subject's fallback index.
  const artifactBlobList = new Map<Digest, Descriptor>();
  for (const artifact of artifacts) {
    for (const blob of artifactBlobs(artifact)) artifactBlobList.set(blob.digest, blob);
  }
  await eachLimited([...artifactBlobList.values()], concurrency, transferBlob);
  for (const artifact of artifacts) {
    await putManifest(artifact.manifest, artifact.tag ?? artifact.manifest.digest);
  }
  await updateFallbackIndexes(live(), artifacts, fail);
  for (const state of live()) state.result.artifacts = artifacts.length;

  // The tag last.
  for (const state of live()) {
    const { registry, repository, tag } = state.destination;
    if (!tag || state.result.status === 'unchanged') continue;
    try {
      await registry.putManifest(repository, tag, image.root);
      const check = await registry.headManifest(repository, tag);
      if (check?.digest !== digest) {
        throw new ConsignError(
          'CHECK_FAILED',
          `${state.destination.ref} does not resolve to ${digest} after the copy.`,
        );
      }
    } catch (error) {
      fail(state, error);
    }
  }

  return resultOf(states, image.root);
}

/** The copy's result, with each failed destination's error. */
function resultOf(states: DestinationState[], root: ParsedManifest): CopyResult {
  for (const state of states) {
    if (state.failed !== undefined) {
      state.result.status = 'failed';
      state.result.error = toErrorInfo(state.failed);
    }
  }
  return {
    digest: root.digest,
    mediaType: root.mediaType,
    destinations: states.map((s) => s.result),
  };
}

/**
 * Where a destination has no referrers API, the OCI distribution spec has clients keep an index
 * at the tag `sha256-<hex>` of the subject listing its referrers: the client merges ours into it.
 */
async function updateFallbackIndexes(
  states: DestinationState[],
  artifacts: Artifact[],
  fail: (state: DestinationState, error: unknown) => void,
) {
  const bySubject = new Map<Digest, Descriptor[]>();
  for (const artifact of artifacts) {
    if (!artifact.descriptor) continue;
    const list = bySubject.get(artifact.subject) ?? [];
    list.push(artifact.descriptor);
    bySubject.set(artifact.subject, list);
  }
  if (bySubject.size === 0) return;
  await Promise.all(
    states.map(async (state) => {
      const { registry, repository } = state.destination;
      try {
        for (const [subject, descriptors] of bySubject) {
          await registry.addReferrers(repository, subject, descriptors);
        }
      } catch (error) {
        fail(state, error);
      }
    }),
  );
}
