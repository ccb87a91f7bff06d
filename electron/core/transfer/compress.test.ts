import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { digestOf, MediaType, parseManifest, type ParsedManifest } from '../oci';
import { compressedGraph, compressibleLayers, gzipHashing, gzipMediaType } from './compress';
import type { ImageGraph } from './graph';

const DOCKER_TAR = 'application/vnd.docker.image.rootfs.diff.tar';

/** Half compressible text, half random bytes, like a real layer. */
function layerBytes(size: number): Buffer {
  const text = Buffer.from('usr/lib/x86_64-linux-gnu/libc.so.6 '.repeat(Math.ceil(size / 70)));
  return Buffer.concat([text.subarray(0, size / 2), randomBytes(size / 2)]);
}

function pieces(bytes: Buffer, size: number): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) parts.push(bytes.subarray(i, i + size));
  return Readable.from(parts, { objectMode: false });
}

async function drain(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

function manifestOf(json: object): ParsedManifest {
  return parseManifest(Buffer.from(JSON.stringify(json)), undefined, 'test manifest');
}

describe('gzipHashing', () => {
  it('gives the same bytes however the input is cut, and the digest and size of what it sent', async () => {
    const input = layerBytes(3 * 1024 * 1024);
    const outputs = [];
    for (const size of [1024 * 1024, 64 * 1024, 4093]) {
      const { stream, result } = gzipHashing(pieces(input, size));
      const bytes = await drain(stream);
      expect(await result).toEqual({ digest: digestOf(bytes), size: bytes.length });
      outputs.push(bytes);
    }
    expect(outputs[1]!.equals(outputs[0]!)).toBe(true);
    expect(outputs[2]!.equals(outputs[0]!)).toBe(true);
    expect(gunzipSync(outputs[0]!).equals(input)).toBe(true);
    expect(outputs[0]!.length).toBeLessThan(input.length);
  });

  it('fails the stream and the result when the source fails', async () => {
    const source = new Readable({
      read() {
        this.destroy(new Error('disk gone'));
      },
    });
    const { stream, result } = gzipHashing(source);
    await expect(drain(stream)).rejects.toThrow(/disk gone/);
    await expect(result).rejects.toThrow(/disk gone/);
  });
});

describe('compressedGraph', () => {
  const config = { mediaType: MediaType.ociConfig, digest: digestOf('config'), size: 6 };
  const tarA = { mediaType: MediaType.ociLayerTar, digest: digestOf('a'), size: 1 };
  const gzB = { mediaType: MediaType.ociLayerTarGzip, digest: digestOf('b'), size: 1 };
  const dockerTar = { mediaType: DOCKER_TAR, digest: digestOf('c'), size: 1 };
  const oci = manifestOf({
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config,
    layers: [tarA, gzB],
    annotations: { note: 'kept' },
  });
  const docker = manifestOf({
    schemaVersion: 2,
    mediaType: MediaType.dockerManifest,
    config: { ...config, mediaType: MediaType.dockerConfig },
    layers: [dockerTar, tarA],
  });
  const index = manifestOf({
    schemaVersion: 2,
    mediaType: MediaType.ociIndex,
    manifests: [
      {
        mediaType: oci.mediaType,
        digest: oci.digest,
        size: oci.bytes.length,
        platform: { os: 'linux', architecture: 'amd64' },
      },
      { mediaType: docker.mediaType, digest: docker.digest, size: docker.bytes.length },
    ],
  });
  const graph: ImageGraph = {
    root: index,
    manifests: [oci, docker, index],
    blobs: [config, tarA, gzB, dockerTar],
  };
  const compressed = new Map([
    [tarA.digest, { digest: digestOf('A'), size: 11 }],
    [dockerTar.digest, { digest: digestOf('C'), size: 33 }],
  ]);

  it('knows which media types it compresses', () => {
    expect(gzipMediaType(MediaType.ociLayerTar)).toBe(MediaType.ociLayerTarGzip);
    expect(gzipMediaType(DOCKER_TAR)).toBe(MediaType.dockerLayerTarGzip);
    expect(gzipMediaType(MediaType.ociLayerTarGzip)).toBeUndefined();
    expect(gzipMediaType(MediaType.ociConfig)).toBeUndefined();
    expect(compressibleLayers(graph).map((l) => l.digest)).toEqual([tarA.digest, dockerTar.digest]);
  });

  it('names the gzip blobs in every manifest and the new manifests in the index, deterministically', () => {
    const result = compressedGraph(graph, compressed);
    const [newOci, newDocker, newIndex] = result.manifests;
    if (newOci?.kind !== 'manifest' || newDocker?.kind !== 'manifest' || newIndex?.kind !== 'index')
      throw new Error('wrong kinds');
    expect(newOci.manifest.layers).toEqual([
      { mediaType: MediaType.ociLayerTarGzip, digest: digestOf('A'), size: 11 },
      gzB,
    ]);
    expect(newOci.manifest.config).toEqual(config);
    expect(newOci.manifest.annotations).toEqual({ note: 'kept' });
    expect(newDocker.manifest.layers).toEqual([
      { mediaType: MediaType.dockerLayerTarGzip, digest: digestOf('C'), size: 33 },
      { mediaType: MediaType.ociLayerTarGzip, digest: digestOf('A'), size: 11 },
    ]);
    expect(newDocker.mediaType).toBe(MediaType.dockerManifest);
    expect(newIndex.index.manifests.map((m) => [m.digest, m.size])).toEqual([
      [newOci.digest, newOci.bytes.length],
      [newDocker.digest, newDocker.bytes.length],
    ]);
    expect(newIndex.index.manifests[0]!.platform).toEqual({ os: 'linux', architecture: 'amd64' });
    expect(result.root).toBe(newIndex);
    expect(result.root.digest).toBe(
      createHash('sha256').update(newIndex.bytes).digest('hex').replace(/^/, 'sha256:'),
    );
    expect(compressedGraph(graph, compressed).root.digest).toBe(result.root.digest);
  });

  it('leaves a graph without uncompressed layers as it is', () => {
    const plain = manifestOf({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config,
      layers: [gzB],
    });
    const same = compressedGraph(
      { root: plain, manifests: [plain], blobs: [config, gzB] },
      compressed,
    );
    expect(same.root).toBe(plain);
  });
});
