// Image sources against real producers: the test dockerd (docker-daemon and `docker save`
// archives) and skopeo (OCI layouts), plus damaged archives.
import Docker from 'dockerode';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  createWriteStream,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
  writeSync,
  closeSync,
  copyFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerEngine } from '../../electron/core/docker';
import { blobsOf, type Digest, type ParsedManifest } from '../../electron/core/oci';
import {
  indexTar,
  openDockerArchive,
  openDockerDaemon,
  openOciLayout,
  type ImageSource,
} from '../../electron/core/sources';
import { ociArchive } from '../support/archives';
import { buildImage } from '../support/docker-build';
import { testEnv } from '../support/test-env';
import { failure } from '../support/failure';

const env = testEnv();
const docker = new Docker({ socketPath: env.dockerSocket });
const engine = new DockerEngine({ DOCKER_HOST: env.dockerHost });
const scratch = mkdtempSync(join(tmpdir(), 'consign-sources-it-'));
const repository = 'consign-sources-test/multi';
const tag = `t${Date.now()}`;
const ref = `${repository}:${tag}`;

let inspect: Docker.ImageInspectInfo;
let archivePath: string;

function imageManifest(parsed: ParsedManifest) {
  if (parsed.kind !== 'manifest') throw new Error(`expected an image manifest, got ${parsed.kind}`);
  return parsed.manifest;
}

/** Streams every blob of the image to nowhere, each verified by the source; returns the bytes. */
async function drainAll(source: ImageSource): Promise<number> {
  const manifest = imageManifest(await source.root());
  let total = 0;
  for (const descriptor of blobsOf(manifest)) {
    const stream: Readable = await source.blob(descriptor);
    for await (const chunk of stream as AsyncIterable<Buffer>) total += chunk.length;
  }
  return total;
}

const daemonTempFolders = () =>
  new Set(readdirSync(tmpdir()).filter((name) => name.startsWith('consign-daemon-')));

beforeAll(async () => {
  // Several layers of different kinds: COPY, RUN with random (incompressible) data, a deletion.
  inspect = await buildImage(
    docker,
    ref,
    [
      `FROM ${env.baseImage}`,
      'COPY first.txt /data/first.txt',
      'RUN dd if=/dev/urandom of=/data/random.bin bs=1024 count=3072 2>/dev/null && echo ok > /data/ok',
      'COPY second.bin /data/second.bin',
      'RUN rm /data/first.txt',
      '',
    ].join('\n'),
    {
      'first.txt': `first layer ${tag}\n`,
      'second.bin': randomBytes(256 * 1024),
    },
  );
  archivePath = join(scratch, 'saved.tar');
  const stream = (await docker.getImage(ref).get()) as Readable;
  await pipeline(stream, createWriteStream(archivePath));
});

afterAll(async () => {
  rmSync(scratch, { recursive: true, force: true });
  await docker
    .getImage(ref)
    .remove({ force: true })
    .catch(() => undefined);
});

describe('docker-daemon source', () => {
  it('presents the image as Docker knows it: diff_ids as layers, the image id as config', async () => {
    const before = daemonTempFolders();
    const source = await openDockerDaemon(ref, engine);
    const created = [...daemonTempFolders()].filter((name) => !before.has(name));
    expect(created).toHaveLength(1);
    try {
      expect(source.description).toBe(`docker-daemon:${ref}`);
      const manifest = imageManifest(await source.root());
      expect(manifest.layers.length).toBeGreaterThanOrEqual(5);
      expect(manifest.layers.map((layer) => layer.digest)).toEqual(inspect.RootFS.Layers);
      expect(manifest.config.digest).toBe(inspect.Id);
      expect(await drainAll(source)).toBeGreaterThan(3 * 1024 * 1024);
    } finally {
      await source.close();
    }
    expect(daemonTempFolders().has(created[0]!)).toBe(false);
  });

  it('reports an unknown image as NOT_FOUND with its name, leaving no temporary file', async () => {
    const before = daemonTempFolders();
    const error = await failure(openDockerDaemon(`${repository}:absent`, engine));
    expect(error.code).toBe('NOT_FOUND');
    expect(error.message).toContain(`${repository}:absent`);
    expect([...daemonTempFolders()].filter((name) => !before.has(name))).toEqual([]);
  });

  it('reports an unreachable engine as DOCKER_UNAVAILABLE', async () => {
    const nowhere = new DockerEngine({ DOCKER_HOST: `unix://${join(scratch, 'no.sock')}` });
    expect((await failure(openDockerDaemon(ref, nowhere))).code).toBe('DOCKER_UNAVAILABLE');
  });
});

describe('docker-archive source (docker save)', () => {
  it('gives the same manifest digest as the daemon source, and every blob verifies', async () => {
    const daemon = await openDockerDaemon(ref, engine);
    const daemonRoot = await daemon.root();
    await daemon.close();
    const source = await openDockerArchive(archivePath, ref);
    const root = await source.root();
    expect(root.digest).toBe(daemonRoot.digest);
    expect(root.bytes.equals(daemonRoot.bytes)).toBe(true);
    expect(await drainAll(source)).toBeGreaterThan(3 * 1024 * 1024);
    await source.close();
    // Without a name: the archive holds one image.
    expect((await (await openDockerArchive(archivePath)).root()).digest).toBe(root.digest);
  });

  it('detects a layer whose bytes were altered in the archive', async () => {
    const corrupt = join(scratch, 'corrupt.tar');
    copyFileSync(archivePath, corrupt);
    const source = await openDockerArchive(corrupt);
    const manifest = imageManifest(await source.root());
    const biggest = [...manifest.layers].sort((a, b) => b.size - a.size)[0]!;
    // Find that layer's bytes in the tar and flip some in the middle.
    const tar = await indexTar(corrupt);
    const entry = [...tar.entries.values()].find(
      (e) => e.type === 'file' && e.name.endsWith('layer.tar') && e.size === biggest.size,
    )!;
    const fd = openSync(corrupt, 'r+');
    const at = entry.offset + Math.floor(entry.size / 2);
    const byte = Buffer.alloc(4);
    readSync(fd, byte, 0, 4, at);
    for (let i = 0; i < 4; i++) byte[i] = byte[i]! ^ 0xff;
    writeSync(fd, byte, 0, 4, at);
    closeSync(fd);
    const reopened = await openDockerArchive(corrupt);
    const stream = await reopened.blob(biggest);
    const error = await failure(stream.toArray());
    expect(error.code).toBe('CHECK_FAILED');
    expect(error.message).toContain(biggest.digest);
  });

  it('refuses a truncated archive with a clear BAD_INPUT', async () => {
    const truncated = join(scratch, 'truncated.tar');
    copyFileSync(archivePath, truncated);
    truncateSync(truncated, Math.floor(statSync(archivePath).size / 2));
    const error = await failure(openDockerArchive(truncated));
    expect(error.code).toBe('BAD_INPUT');
    expect(error.message).toMatch(/truncated/);
    expect(error.remedy).toBeTruthy();
  });
});

describe('oci layout source (written by skopeo)', () => {
  let layoutDir: string;

  beforeAll(() => {
    layoutDir = join(scratch, 'layout');
    execFileSync('skopeo', [
      '--insecure-policy',
      'copy',
      '--quiet',
      `docker-archive:${archivePath}`,
      `oci:${layoutDir}:release`,
    ]);
  });

  it('reads the tagged image; every blob verifies; it is the image Docker holds', async () => {
    const source = await openOciLayout(layoutDir, 'release');
    const root = await source.root();
    const manifest = imageManifest(root);
    // skopeo rewrites the config for OCI, so compare what it describes: the same layers.
    const config = JSON.parse(
      Buffer.concat(await (await source.blob(manifest.config)).toArray()).toString('utf8'),
    ) as { rootfs: { diff_ids: string[] } };
    expect(config.rootfs.diff_ids).toEqual(inspect.RootFS.Layers);
    expect(manifest.layers).toHaveLength(inspect.RootFS.Layers?.length ?? -1);
    expect(await drainAll(source)).toBeGreaterThan(0);
    await source.close();
    const untagged = await openOciLayout(layoutDir);
    expect((await untagged.root()).digest).toBe(root.digest);
    expect((await failure(openOciLayout(layoutDir, 'other'))).message).toMatch(/release/);
  });

  it('reads the OCI layout of a Docker 25+ docker save (layout + manifest.json in a tar)', async () => {
    const files = new Map<string, Buffer>();
    const index = JSON.parse(readFileSync(join(layoutDir, 'index.json'), 'utf8')) as {
      manifests: { digest: Digest }[];
    };
    const manifestDigest = index.manifests[0]!.digest;
    const manifestBytes = readFileSync(join(layoutDir, 'blobs', 'sha256', manifestDigest.slice(7)));
    const manifest = JSON.parse(manifestBytes.toString('utf8')) as {
      config: { digest: string };
      layers: { digest: string }[];
    };
    files.set('oci-layout', readFileSync(join(layoutDir, 'oci-layout')));
    files.set('index.json', readFileSync(join(layoutDir, 'index.json')));
    for (const name of readdirSync(join(layoutDir, 'blobs', 'sha256'))) {
      files.set(`blobs/sha256/${name}`, readFileSync(join(layoutDir, 'blobs', 'sha256', name)));
    }
    const tarPath = join(scratch, 'docker25.tar');
    writeFileSync(
      tarPath,
      ociArchive(files, [
        {
          Config: `blobs/sha256/${manifest.config.digest.slice(7)}`,
          RepoTags: [ref],
          Layers: manifest.layers.map((layer) => `blobs/sha256/${layer.digest.slice(7)}`),
        },
      ]),
    );
    const source = await openDockerArchive(tarPath, ref);
    const root = await source.root();
    expect(root.digest).toBe(manifestDigest);
    expect(root.bytes.equals(manifestBytes)).toBe(true);
    expect(await drainAll(source)).toBeGreaterThan(0);
    const unknown = await failure(openDockerArchive(tarPath, 'someone/else:1'));
    expect(unknown.code).toBe('NOT_FOUND');
    expect(unknown.message).toContain(ref);
  });
});
