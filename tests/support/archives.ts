// Builders for the on-disk image formats the sources read: raw tar files (down to single header
// fields, so malformed ones can be made on purpose), OCI image layouts and `docker save` archives.
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface RawTarEntry {
  name: string;
  data?: Buffer | string;
  /** Type flag: '0' file (default), '2' symlink, '5' directory, 'x' pax, 'L' GNU long name… */
  type?: string;
  linkname?: string;
  /** ustar prefix field (the name's leading folders when it is over 100 bytes). */
  prefix?: string;
  /** Size written in the header, when it must differ from the data's. */
  size?: number;
  /** Writes the GNU magic ("ustar  \0") instead of POSIX ustar. */
  gnu?: boolean;
  /** Adds this to the computed checksum, to corrupt it. */
  checksumDelta?: number;
}

function octal(value: number, length: number): string {
  return value.toString(8).padStart(length - 1, '0') + '\0';
}

/** One 512-byte tar header with a correct checksum (unless asked otherwise). */
export function tarHeader(entry: RawTarEntry, size: number): Buffer {
  const block = Buffer.alloc(512);
  block.write(entry.name, 0, 100, 'utf8');
  block.write(octal(0o644, 8), 100, 'latin1');
  block.write(octal(0, 8), 108, 'latin1');
  block.write(octal(0, 8), 116, 'latin1');
  block.write(octal(entry.size ?? size, 12), 124, 'latin1');
  block.write(octal(0, 12), 136, 'latin1');
  block.write(entry.type ?? '0', 156, 'latin1');
  if (entry.linkname) block.write(entry.linkname, 157, 100, 'utf8');
  block.write(entry.gnu ? 'ustar  \0' : 'ustar\u000000', 257, 'latin1');
  if (entry.prefix) block.write(entry.prefix, 345, 155, 'utf8');
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(
    `${(sum + (entry.checksumDelta ?? 0)).toString(8).padStart(6, '0')}\0 `,
    148,
    'latin1',
  );
  return block;
}

/** A pax extended header's body. */
export function paxRecords(records: Record<string, string>): Buffer {
  let out = '';
  for (const [key, value] of Object.entries(records)) {
    const body = ` ${key}=${value}\n`;
    let length = Buffer.byteLength(body) + 1;
    while (String(length).length + Buffer.byteLength(body) !== length) length++;
    out += `${length}${body}`;
  }
  return Buffer.from(out, 'utf8');
}

/** A tar file made of these entries, ended by two zero blocks unless `end` is false. */
export function buildTar(entries: RawTarEntry[], options: { end?: boolean } = {}): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    const data =
      entry.data === undefined
        ? Buffer.alloc(0)
        : Buffer.isBuffer(entry.data)
          ? entry.data
          : Buffer.from(entry.data);
    parts.push(tarHeader(entry, data.length), data);
    const pad = (512 - (data.length % 512)) % 512;
    parts.push(Buffer.alloc(pad));
  }
  if (options.end !== false) parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

export const sha256 = (data: Buffer | string) =>
  `sha256:${createHash('sha256').update(data).digest('hex')}` as const;

export interface Blob {
  mediaType: string;
  digest: `sha256:${string}`;
  size: number;
}

/** An OCI image layout assembled in memory, written to a folder or into a tar. */
export class LayoutBuilder {
  readonly blobs = new Map<string, Buffer>();
  index: { manifests: (Blob & Record<string, unknown>)[] } = { manifests: [] };

  blob(data: Buffer | string, mediaType: string): Blob {
    const bytes = Buffer.isBuffer(data) ? data : Buffer.from(data);
    const digest = sha256(bytes);
    this.blobs.set(digest, bytes);
    return { mediaType, digest, size: bytes.length };
  }

  /** An image of uncompressed layers; returns its manifest's descriptor. */
  image(
    layers: (Buffer | string)[],
    architecture = 'amd64',
  ): Blob & { config: Blob; layers: Blob[] } {
    const layerBlobs = layers.map((layer) =>
      this.blob(layer, 'application/vnd.oci.image.layer.v1.tar'),
    );
    const config = this.blob(
      JSON.stringify({
        architecture,
        os: 'linux',
        rootfs: { type: 'layers', diff_ids: layerBlobs.map((l) => l.digest) },
      }),
      'application/vnd.oci.image.config.v1+json',
    );
    const manifest = this.blob(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config,
        layers: layerBlobs,
      }),
      'application/vnd.oci.image.manifest.v1+json',
    );
    return { ...manifest, config, layers: layerBlobs };
  }

  /** An index over these manifests (each with its platform). */
  imageIndex(children: (Blob & { platform?: unknown })[]): Blob {
    return this.blob(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: children,
      }),
      'application/vnd.oci.image.index.v1+json',
    );
  }

  /** Adds an entry to index.json, tagged when `tag` is given. */
  add(descriptor: Blob, tag?: string, extra: Record<string, string> = {}): void {
    const annotations = { ...(tag ? { 'org.opencontainers.image.ref.name': tag } : {}), ...extra };
    this.index.manifests.push({
      mediaType: descriptor.mediaType,
      digest: descriptor.digest,
      size: descriptor.size,
      ...(Object.keys(annotations).length ? { annotations } : {}),
    });
  }

  files(): Map<string, Buffer> {
    const files = new Map<string, Buffer>();
    files.set('oci-layout', Buffer.from('{"imageLayoutVersion":"1.0.0"}'));
    files.set('index.json', Buffer.from(JSON.stringify({ schemaVersion: 2, ...this.index })));
    for (const [digest, data] of this.blobs) {
      files.set(`blobs/sha256/${digest.slice('sha256:'.length)}`, data);
    }
    return files;
  }

  writeTo(folder: string): void {
    for (const [path, data] of this.files()) {
      const target = join(folder, ...path.split('/'));
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, data);
    }
  }
}

export interface LegacyImage {
  tags: string[] | null;
  layers: (Buffer | string)[];
  /** Overrides the diff_ids written in the config (to make a mismatch). */
  diffIds?: string[];
}

/**
 * A `docker save` archive in the legacy layout Docker before 25 writes: manifest.json,
 * `<hex>.json` configs and `<id>/layer.tar`, a repeated layer written as a symlink like Docker does.
 */
export function legacyArchive(images: LegacyImage[]): {
  tar: Buffer;
  configs: string[];
  diffIds: string[][];
} {
  const entries: RawTarEntry[] = [];
  const written = new Map<string, string>();
  const manifest: { Config: string; RepoTags: string[] | null; Layers: string[] }[] = [];
  const configs: string[] = [];
  const allDiffIds: string[][] = [];
  for (const image of images) {
    const layerPaths: string[] = [];
    const diffIds: string[] = [];
    for (const layer of image.layers) {
      const bytes = Buffer.isBuffer(layer) ? layer : Buffer.from(layer);
      const digest = sha256(bytes);
      diffIds.push(digest);
      const id = sha256(`${digest}/${layerPaths.length}/${manifest.length}`).slice(7);
      const path = `${id}/layer.tar`;
      entries.push({ name: `${id}/`, type: '5' });
      const first = written.get(digest);
      if (first) {
        entries.push({ name: path, type: '2', linkname: `../${first}` });
      } else {
        entries.push({ name: path, data: bytes });
        written.set(digest, path);
      }
      layerPaths.push(path);
    }
    const config = JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: image.diffIds ?? diffIds },
    });
    const configDigest = sha256(config);
    entries.push({ name: `${configDigest.slice(7)}.json`, data: config });
    configs.push(configDigest);
    allDiffIds.push(image.diffIds ?? diffIds);
    manifest.push({
      Config: `${configDigest.slice(7)}.json`,
      RepoTags: image.tags,
      Layers: layerPaths,
    });
  }
  entries.push({ name: 'manifest.json', data: JSON.stringify(manifest) });
  return { tar: buildTar(entries), configs, diffIds: allDiffIds };
}

/** The files of a layout, plus a manifest.json, as a tar: the layout Docker 25+ `docker save` writes. */
export function ociArchive(
  layout: Map<string, Buffer>,
  manifest: { Config: string; RepoTags: string[] | null; Layers: string[] }[] | undefined,
): Buffer {
  const entries: RawTarEntry[] = [];
  for (const [name, data] of layout) entries.push({ name, data });
  if (manifest) entries.push({ name: 'manifest.json', data: JSON.stringify(manifest) });
  return buildTar(entries);
}
