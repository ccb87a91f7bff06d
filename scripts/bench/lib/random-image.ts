// Writes an OCI image layout holding one image of incompressible data: each layer is a tar with
// one file of bytes from /dev/urandom, gzip-compressed (level 1: random data does not shrink, so
// higher levels only cost time). Layers are hashed as they are written; nothing is held in memory.
import { createHash, type Hash } from 'node:crypto';
import { createWriteStream, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import tar from 'tar-stream';

const CHUNK = 1024 * 1024;

export interface RandomImage {
  /** Folder of the OCI image layout. */
  layout: string;
  /** Reference name inside the layout (`oci:LAYOUT:NAME`). */
  name: string;
  manifestDigest: string;
  layers: { digest: string; size: number; diffId: string }[];
  /** Sum of the compressed layer sizes. */
  bytes: number;
}

class Hasher extends Transform {
  readonly hash: Hash = createHash('sha256');
  size = 0;

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    this.size += chunk.length;
    done(null, chunk);
  }
}

function writeBlob(layout: string, data: string | Buffer): { digest: string; size: number } {
  const buf = Buffer.isBuffer(data) ? data : Buffer.from(data);
  const hex = createHash('sha256').update(buf).digest('hex');
  writeFileSync(join(layout, 'blobs', 'sha256', hex), buf);
  return { digest: `sha256:${hex}`, size: buf.length };
}

async function writeLayer(
  layout: string,
  index: number,
  bytes: number,
): Promise<{ digest: string; size: number; diffId: string }> {
  const tmp = join(layout, 'blobs', `.layer-${index}.tmp`);
  const pack = tar.pack();
  const uncompressed = new Hasher();
  const compressed = new Hasher();
  const done = pipeline(
    pack,
    uncompressed,
    createGzip({ level: 1 }),
    compressed,
    createWriteStream(tmp),
  );
  const random = await open('/dev/urandom', 'r');
  try {
    const entry = pack.entry({
      name: `data/layer-${index}.bin`,
      size: bytes,
      mode: 0o644,
      mtime: new Date(0),
    });
    const entryDone = new Promise<void>((resolve, reject) => {
      entry.once('finish', resolve);
      entry.once('error', reject);
    });
    for (let left = bytes; left > 0;) {
      const buf = Buffer.allocUnsafe(Math.min(CHUNK, left));
      const { bytesRead } = await random.read(buf, 0, buf.length, null);
      if (bytesRead <= 0) throw new Error('/dev/urandom returned no data');
      left -= bytesRead;
      if (!entry.write(buf.subarray(0, bytesRead))) {
        await new Promise<void>((resolve) => entry.once('drain', () => resolve()));
      }
    }
    entry.end(() => undefined);
    await entryDone;
    pack.finalize();
    await done;
  } finally {
    await random.close();
  }
  const hex = compressed.hash.digest('hex');
  renameSync(tmp, join(layout, 'blobs', 'sha256', hex));
  return {
    digest: `sha256:${hex}`,
    size: compressed.size,
    diffId: `sha256:${uncompressed.hash.digest('hex')}`,
  };
}

/** An image of `layerCount` layers of `layerBytes` random bytes each, in a new OCI layout. */
export async function writeRandomImage(
  layout: string,
  layerCount: number,
  layerBytes: number,
  name = 'bench',
): Promise<RandomImage> {
  mkdirSync(join(layout, 'blobs', 'sha256'), { recursive: true });
  writeFileSync(join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  const layers: RandomImage['layers'] = [];
  for (let i = 0; i < layerCount; i++) layers.push(await writeLayer(layout, i, layerBytes));
  const config = writeBlob(
    layout,
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      created: new Date(0).toISOString(),
      config: { Cmd: ['/bin/true'] },
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
      history: layers.map((_, i) => ({ created_by: `consign bench: random layer ${i}` })),
    }),
  );
  const manifest = writeBlob(
    layout,
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
      layers: layers.map((l) => ({
        mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
        digest: l.digest,
        size: l.size,
      })),
    }),
  );
  writeFileSync(
    join(layout, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          ...manifest,
          annotations: { 'org.opencontainers.image.ref.name': name },
        },
      ],
    }),
  );
  return {
    layout,
    name,
    manifestDigest: manifest.digest,
    layers,
    bytes: layers.reduce((sum, l) => sum + l.size, 0),
  };
}
