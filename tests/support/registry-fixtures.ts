// Small content for registry tests: random blobs, manifests and indexes with their digests.
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { digestOf, MediaType, type Descriptor, type Digest } from '../../electron/core/oci';

export interface TestBlob {
  bytes: Buffer;
  digest: Digest;
  size: number;
}

export function randomBlob(size: number): TestBlob {
  const bytes = randomBytes(size);
  return { bytes, digest: digestOf(bytes), size };
}

export function jsonBlob(value: unknown): TestBlob {
  const bytes = Buffer.from(JSON.stringify(value));
  return { bytes, digest: digestOf(bytes), size: bytes.length };
}

/** An `open(offset)` for uploadBlob over a buffer, in modest pieces like a file or socket. */
export function bufferSource(blob: TestBlob, opened: number[] = []) {
  return (offset: number): Promise<Readable> => {
    opened.push(offset);
    const rest = blob.bytes.subarray(offset);
    const pieces: Buffer[] = [];
    for (let i = 0; i < rest.length; i += 64 * 1024) pieces.push(rest.subarray(i, i + 64 * 1024));
    return Promise.resolve(Readable.from(pieces, { objectMode: false }));
  };
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

export function descriptorOf(blob: TestBlob, mediaType: string, extra: Partial<Descriptor> = {}) {
  return { mediaType, digest: blob.digest, size: blob.size, ...extra } as Descriptor;
}

export interface TestManifest {
  bytes: Buffer;
  mediaType: string;
  digest: Digest;
  descriptor: Descriptor;
}

function manifestOf(value: object, mediaType: string, extra: Partial<Descriptor> = {}) {
  const bytes = Buffer.from(JSON.stringify(value));
  const digest = digestOf(bytes);
  return {
    bytes,
    mediaType,
    digest,
    descriptor: { mediaType, digest, size: bytes.length, ...extra } as Descriptor,
  };
}

export function imageManifest(
  config: TestBlob,
  layers: TestBlob[],
  options: { subject?: Descriptor; artifactType?: string; configMediaType?: string } = {},
): TestManifest {
  return manifestOf(
    {
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      ...(options.artifactType ? { artifactType: options.artifactType } : {}),
      config: descriptorOf(config, options.configMediaType ?? MediaType.ociConfig),
      layers: layers.map((l) => descriptorOf(l, MediaType.ociLayerTarGzip)),
      ...(options.subject ? { subject: options.subject } : {}),
    },
    MediaType.ociManifest,
    options.artifactType ? { artifactType: options.artifactType } : {},
  );
}

export function imageIndex(manifests: Descriptor[]): TestManifest {
  return manifestOf(
    { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests },
    MediaType.ociIndex,
  );
}

let counter = 0;
/** A repository name no earlier run used, so tests never see each other's content. */
export function uniqueRepository(prefix: string): string {
  counter++;
  return `consign-test/${prefix}-${Date.now().toString(36)}-${process.pid}-${counter}`;
}

/**
 * Pushes an image index listing one existing manifest (as linux/amd64), tagged `tag`: an image
 * with a digest of its own whose content is the same, for "covers another digest" cases.
 */
export async function pushIndexOver(
  client: {
    getManifest(
      repository: string,
      reference: string,
    ): Promise<{ mediaType: string; digest: Digest; bytes: Buffer }>;
    putManifest(
      repository: string,
      reference: string,
      manifest: { bytes: Buffer; mediaType: string },
    ): Promise<Digest>;
  },
  repository: string,
  digest: Digest,
  tag = 'index',
): Promise<{ digest: Digest; size: number }> {
  const base = await client.getManifest(repository, digest);
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociIndex,
      manifests: [
        {
          mediaType: base.mediaType,
          digest: base.digest,
          size: base.bytes.length,
          platform: { os: 'linux', architecture: 'amd64' },
        },
      ],
    }),
  );
  const indexDigest = await client.putManifest(repository, tag, {
    bytes,
    mediaType: MediaType.ociIndex,
  });
  return { digest: indexDigest, size: bytes.length };
}
