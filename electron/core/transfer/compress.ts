import { createHash } from 'node:crypto';
import { pipeline, Transform, type Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import {
  MediaType,
  parseManifest,
  type Descriptor,
  type Digest,
  type ParsedManifest,
} from '../oci';
import type { ImageGraph } from './graph';

/** Docker's media type for an uncompressed layer (no constant in ../oci: nothing else needs it). */
const DOCKER_LAYER_TAR = 'application/vnd.docker.image.rootfs.diff.tar';

/**
 * zlib's default level (gzip's too): a balance of size and speed. The settings are part of what
 * makes the output reproducible: a layer compressed again with the same zlib and the same
 * settings gives the same bytes, which resumed uploads and the workspace memory rely on.
 */
export const GZIP_LEVEL = 6;
/** Names the settings in the workspace memory, so other settings never match old entries. */
export const GZIP_ALGORITHM = `gzip-${GZIP_LEVEL}`;
/** Big reads keep per-chunk overhead (hashing calls, socket writes) low. */
const CHUNK_BYTES = 256 * 1024;

/** The gzip media type for an uncompressed layer type, or undefined when `mediaType` is not one. */
export function gzipMediaType(mediaType: string): string | undefined {
  if (mediaType === MediaType.ociLayerTar) return MediaType.ociLayerTarGzip;
  if (mediaType === DOCKER_LAYER_TAR) return MediaType.dockerLayerTarGzip;
  return undefined;
}

export interface Compressed {
  digest: Digest;
  size: number;
}

/**
 * Gzips `source` as it streams, hashing and counting the compressed bytes on the way (once, for
 * every destination it is fanned out to). `result` settles as soon as the last compressed byte
 * has passed: with the compressed digest and size, or with the error that ended the stream.
 */
export function gzipHashing(source: Readable): { stream: Readable; result: Promise<Compressed> } {
  const hash = createHash('sha256');
  let size = 0;
  let settle: { resolve: (value: Compressed) => void; reject: (error: unknown) => void };
  const result = new Promise<Compressed>((resolve, reject) => (settle = { resolve, reject }));
  // Callers that only read the stream learn of failures from it; never an unhandled rejection.
  result.catch(() => undefined);
  const hashing = new Transform({
    readableHighWaterMark: CHUNK_BYTES,
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
    flush(done) {
      settle.resolve({ digest: `sha256:${hash.digest('hex')}`, size });
      done();
    },
  });
  const gzip = createGzip({ level: GZIP_LEVEL, chunkSize: CHUNK_BYTES });
  pipeline(source, gzip, hashing, (error) => {
    if (error) settle.reject(error);
  });
  return { stream: hashing, result };
}

/** The layers of `graph` a push compresses: uncompressed tars, each once (keyed by diff_id). */
export function compressibleLayers(graph: ImageGraph): Descriptor[] {
  const layers = new Map<Digest, Descriptor>();
  for (const manifest of graph.manifests) {
    if (manifest.kind !== 'manifest') continue;
    for (const layer of manifest.manifest.layers) {
      if (gzipMediaType(layer.mediaType) && !layers.has(layer.digest)) {
        layers.set(layer.digest, layer);
      }
    }
  }
  return [...layers.values()];
}

type Json = Record<string, unknown>;

/**
 * The image as pushed with compressed layers: every manifest naming an uncompressed layer of
 * `compressed` (by diff_id) names its gzip blob instead, and every index names the rewritten
 * manifests. Configs are untouched (their diff_ids stay the uncompressed digests), and the
 * rewrite is deterministic, so the same image and layers give the same digests on every run.
 */
export function compressedGraph(
  graph: ImageGraph,
  compressed: Map<Digest, Compressed>,
): ImageGraph {
  const renamed = new Map<Digest, { digest: Digest; size: number }>();
  const manifests: ParsedManifest[] = [];
  const rewrite = (manifest: ParsedManifest, json: Json): ParsedManifest => {
    const bytes = Buffer.from(JSON.stringify(json), 'utf8');
    const parsed = parseManifest(
      bytes,
      manifest.mediaType,
      `The compressed form of ${manifest.digest}`,
    );
    renamed.set(manifest.digest, { digest: parsed.digest, size: bytes.length });
    return parsed;
  };
  for (const manifest of graph.manifests) {
    const json = JSON.parse(manifest.bytes.toString('utf8')) as Json;
    let changed = false;
    if (manifest.kind === 'manifest') {
      json.layers = (json.layers as Json[]).map((layer) => {
        const gzip = gzipMediaType(String(layer.mediaType));
        const done = compressed.get(layer.digest as Digest);
        if (!gzip || !done) return layer;
        changed = true;
        return { ...layer, mediaType: gzip, digest: done.digest, size: done.size };
      });
    } else {
      json.manifests = (json.manifests as Json[]).map((child) => {
        const now = renamed.get(child.digest as Digest);
        if (!now) return child;
        changed = true;
        return { ...child, digest: now.digest, size: now.size };
      });
    }
    manifests.push(changed ? rewrite(manifest, json) : manifest);
  }
  const blobs = graph.blobs.map((blob) => {
    const gzip = gzipMediaType(blob.mediaType);
    const done = compressed.get(blob.digest);
    return gzip && done ? { ...blob, mediaType: gzip, digest: done.digest, size: done.size } : blob;
  });
  return { root: manifests[manifests.length - 1]!, manifests, blobs };
}
