import { Transform, type Readable } from 'node:stream';
import { ConsignError, toErrorInfo } from '../errors';
import { type Descriptor, type Digest, type ParsedManifest } from '../oci';
import { fanOut } from './fan-out';
import { artifactBlobs, collectArtifacts, collectGraph, type Artifact } from './graph';
import type {
  RegistryApi,
  CopyDestination,
  CopyOptions,
  CopyResult,
  CopySource,
  DestinationResult,
} from './types';

const DEFAULT_CONCURRENCY = 4;

/** Drops the first `count` bytes of a stream: resuming a source that cannot seek. */
function skipBytes(count: number): Transform {
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

interface DestinationState {
  destination: CopyDestination;
  result: DestinationResult;
  failed?: unknown;
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
  const graph = await collectGraph(source.image);
  const digest = graph.root.digest;
  const artifacts = source.location
    ? await collectArtifacts(
        source.location,
        graph.manifests.map((m) => m.digest),
      )
    : [];
  const states: DestinationState[] = destinations.map((destination) => ({
    destination,
    result: {
      ref: destination.ref,
      digest,
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
        const existing = await registry.headManifest(repository, tag);
        if (existing && existing.digest !== digest) {
          if (!options.overwrite) {
            state.result.status = 'conflict';
            state.result.error = {
              code: 'CHECK_FAILED',
              message: `${state.destination.ref} already points at ${existing.digest}; tags are immutable, so nothing was pushed.`,
              remedy:
                'Deliver under a new tag; if moving this tag is really intended, allow it (“Allow moving an existing tag” in the app, --overwrite on the command line).',
            };
          }
        } else if (existing) {
          state.result.status = 'unchanged';
        }
      } catch (error) {
        fail(state, error);
      }
    }),
  );

  const openBlob = async (blob: Descriptor, offset: number): Promise<Readable> => {
    if (source.location) {
      return source.location.registry.getBlob(source.location.repository, blob, offset);
    }
    const stream = await source.image.blob(blob);
    return offset > 0 ? stream.pipe(skipBytes(offset)) : stream;
  };

  const memory = options.blobLocations;
  const remember = (host: string, repository: string, digest: Digest) =>
    memory?.remember(host, repository, digest);
  if (source.location) {
    const { registry, repository } = source.location;
    for (const blob of graph.blobs) remember(registry.host, repository, blob.digest);
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

  const transferBlob = async (blob: Descriptor) => {
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
    if (needing.length === 0) return;
    // One read of the source feeds every destination; a resumed upload reopens it on its own.
    const stream = await openBlob(blob, 0);
    let sourceError: unknown;
    stream.once('error', (error) => (sourceError = error));
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
              branch.destroy();
              return openBlob(blob, offset);
            },
            {
              onProgress: (sent) => report(sent, 'running'),
              ...(options.signal ? { signal: options.signal } : {}),
            },
          );
          branch.destroy();
          remember(registry.host, repository, blob.digest);
          state.result.blobsUploaded++;
          state.result.bytesUploaded += blob.size;
          report(blob.size, 'done');
        } catch (error) {
          branch.destroy();
          report(0, 'failed');
          fail(state, error);
        }
      }),
    );
    // A source that fails or lies fails the whole copy, not the destinations it was feeding.
    if (sourceError !== undefined) throw sourceError;
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
  await eachLimited(graph.blobs, concurrency, transferBlob);
  for (const manifest of graph.manifests) await putManifest(manifest, manifest.digest);

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
      await registry.putManifest(repository, tag, graph.root);
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

  for (const state of states) {
    if (state.failed !== undefined) {
      state.result.status = 'failed';
      state.result.error = toErrorInfo(state.failed);
    }
  }
  return { digest, mediaType: graph.root.mediaType, destinations: states.map((s) => s.result) };
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
