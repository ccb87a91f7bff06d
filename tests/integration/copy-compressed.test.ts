// Images from the Docker engine pushed with gzip layers, as `docker push` does: checked by
// unpacking every layer against the config's diff_ids, by pulling the copy back with the real
// Docker engine and skopeo, and by copying again (nothing is sent twice).
import Docker from 'dockerode';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { DatabaseSync } from 'node:sqlite';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digestOf, MediaType, type Digest } from '../../electron/core/oci';
import { RegistryClient } from '../../electron/core/registry';
import { loginArgs } from '../support/cli-args';
import { runConsign } from '../support/consign-cli';
import { buildImage } from '../support/docker-build';
import { FaultProxy } from '../support/fault-proxy';
import { bufferSource, randomBlob, readAll, uniqueRepository } from '../support/registry-fixtures';
import { testEnv } from '../support/test-env';

interface CopyJson {
  digest: string;
  destinations: {
    ref: string;
    digest: string;
    status: string;
    blobsUploaded: number;
    blobsMounted: number;
    blobsPresent: number;
    bytesUploaded: number;
  }[];
}

const env = testEnv();
const docker = new Docker({ socketPath: env.dockerSocket });
const image = `consign-compress-test/layers:t${Date.now()}`;
let inspect: Docker.ImageInspectInfo;
let home: string;
const scratch = mkdtempSync(join(tmpdir(), 'consign-compress-it-'));
const plain = new RegistryClient({ host: env.registryPlain });

const consign = async (args: string[], options: { home?: string; input?: string } = {}) =>
  runConsign([...args, '--home', options.home ?? home], {
    ...(options.input === undefined ? {} : { input: options.input }),
    timeoutMs: 120_000,
  });

async function copyJson(args: string[], options: { home?: string } = {}): Promise<CopyJson> {
  const result = await consign(['copy', ...args, '--json'], options);
  expect(result.code, result.stdout + result.stderr).toBe(0);
  return JSON.parse(result.stdout) as CopyJson;
}

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'consign-compress-home-'));
  // Layers that compress well (text) and one that does not (random bytes).
  inspect = await buildImage(
    docker,
    image,
    [
      `FROM ${env.baseImage}`,
      'COPY words.txt /data/words.txt',
      'COPY random.bin /data/random.bin',
      'RUN echo built > /data/built',
      '',
    ].join('\n'),
    {
      'words.txt': `release desk ${image}\n`.repeat(40_000),
      'random.bin': randomBytes(512 * 1024),
    },
  );
  const login = await consign(
    loginArgs({ registry: env.registryTls, username: env.registryTlsUser, caFile: env.caFile }),
    { input: env.registryTlsPassword },
  );
  expect(login.code, login.stderr).toBe(0);
});

afterAll(async () => {
  plain.close();
  rmSync(home, { recursive: true, force: true });
  rmSync(scratch, { recursive: true, force: true });
  await docker
    .getImage(image)
    .remove({ force: true })
    .catch(() => undefined);
});

describe('copying from the Docker engine with compressed layers', () => {
  const repo = uniqueRepository('gzip');
  const plainRef = `${env.registryPlain}/${repo}:1`;
  let digest: string;

  it('fans out to two registries with gzip layers that unpack to the diff_ids', async () => {
    const copy = await copyJson([
      `docker-daemon:${image}`,
      `docker://${plainRef}`,
      `docker://${env.registryTls}/${repo}:1`,
    ]);
    digest = copy.digest;
    expect(copy.destinations.map((d) => [d.status, d.digest])).toEqual([
      ['copied', digest],
      ['copied', digest],
    ]);
    const layers = inspect.RootFS.Layers!;
    for (const destination of copy.destinations) {
      // The config and every layer, each sent once, compressed: fewer bytes than the image holds.
      expect(destination.blobsUploaded).toBe(layers.length + 1);
      expect(destination.bytesUploaded).toBeLessThan(inspect.Size);
    }

    const manifest = await plain.getManifest(repo, '1');
    expect(manifest.digest).toBe(digest);
    if (manifest.kind !== 'manifest') throw new Error('expected an image manifest');
    expect(manifest.manifest.config.digest).toBe(inspect.Id);
    expect(manifest.manifest.layers.map((l) => l.mediaType)).toEqual(
      layers.map(() => MediaType.ociLayerTarGzip),
    );
    const config = JSON.parse(
      (await readAll(await plain.getBlob(repo, manifest.manifest.config))).toString('utf8'),
    ) as { rootfs: { diff_ids: string[] } };
    expect(config.rootfs.diff_ids).toEqual(layers);
    for (const [i, layer] of manifest.manifest.layers.entries()) {
      const gzip = await readAll(await plain.getBlob(repo, layer));
      expect(gzip.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
      expect(digestOf(gunzipSync(gzip))).toBe(layers[i]);
    }
    // The text layer shrinks; the random one cannot.
    expect(manifest.manifest.layers.reduce((sum, l) => sum + l.size, 0)).toBeLessThan(inspect.Size);
  });

  it('pulls back with the Docker engine as the same image', async () => {
    const pulled = `${env.registryPlain}/${repo}@${digest}`;
    const stream = (await docker.pull(pulled)) as Readable;
    await new Promise<void>((resolve, reject) =>
      docker.modem.followProgress(stream, (error, output: { error?: string }[]) => {
        const failed = output?.find((line) => line.error);
        if (error || failed) reject(error ?? new Error(failed?.error));
        else resolve();
      }),
    );
    try {
      const back = await docker.getImage(pulled).inspect();
      expect(back.Id).toBe(inspect.Id);
      expect(back.RootFS.Layers).toEqual(inspect.RootFS.Layers);
    } finally {
      // Only the registry reference goes: the image itself is the test's own build.
      await docker
        .getImage(pulled)
        .remove({ noprune: true })
        .catch(() => undefined);
    }
  });

  it('copies to an OCI layout with skopeo, which checks every digest', () => {
    const layout = join(scratch, 'layout');
    const copied = spawnSync(
      'skopeo',
      ['copy', '--src-tls-verify=false', `docker://${plainRef}`, `oci:${layout}:1`],
      { encoding: 'utf8', timeout: 120_000 },
    );
    expect(copied.status, copied.stderr).toBe(0);
    const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8')) as {
      manifests: { digest: string }[];
    };
    expect(index.manifests.map((m) => m.digest)).toEqual([digest]);
  });

  it('sends nothing again on a re-run, and mounts into a new repository', async () => {
    const again = await copyJson([
      `docker-daemon:${image}`,
      `docker://${plainRef}`,
      `docker://${env.registryTls}/${repo}:1`,
    ]);
    expect(again.digest).toBe(digest);
    for (const destination of again.destinations) {
      expect(destination).toMatchObject({
        status: 'unchanged',
        blobsUploaded: 0,
        bytesUploaded: 0,
        blobsPresent: inspect.RootFS.Layers!.length + 1,
      });
    }
    // The workspace remembers the compressed digests and where the blobs are: a new repository on
    // the same registry gets them mounted, not uploaded.
    const moved = await copyJson([
      `docker-daemon:${image}`,
      `docker://${env.registryPlain}/${repo}-other:1`,
    ]);
    expect(moved.digest).toBe(digest);
    expect(moved.destinations[0]).toMatchObject({
      status: 'copied',
      blobsUploaded: 0,
      blobsMounted: inspect.RootFS.Layers!.length + 1,
    });
  });

  it('compresses to the same digest in another workspace and from a docker save archive', async () => {
    const fresh = mkdtempSync(join(tmpdir(), 'consign-compress-fresh-'));
    try {
      const archive = join(scratch, 'image.tar');
      await pipeline((await docker.getImage(image).get()) as Readable, createWriteStream(archive));
      const fromArchive = await copyJson(
        [`docker-archive:${archive}`, `docker://${env.registryPlain}/${repo}-archive:1`],
        { home: fresh },
      );
      expect(fromArchive.digest).toBe(digest);
      // Nothing remembered here, so the layers were compressed again, to the same bytes.
      expect(fromArchive.destinations[0]!.blobsUploaded).toBeGreaterThan(0);
      const known = await copyJson([`docker-daemon:${image}`, `docker://${plainRef}`], {
        home: fresh,
      });
      expect(known.destinations[0]).toMatchObject({ status: 'unchanged', blobsUploaded: 0 });
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  });

  it('compresses a layer again, to the same bytes, when its upload is cut mid-way', async () => {
    const proxy = await FaultProxy.start(env.registryPlain);
    const fresh = mkdtempSync(join(tmpdir(), 'consign-compress-fresh-'));
    try {
      // The biggest layer's PATCH is cut once (after 100 KB) on one of two destinations.
      proxy.add({
        method: 'PATCH',
        times: 1,
        action: { kind: 'reset-request', afterBytes: 100_000 },
      });
      const copy = await copyJson(
        [
          `docker-daemon:${image}`,
          `docker://${proxy.host}/${repo}-cut:1`,
          `docker://${env.registryPlain}/${repo}-whole:1`,
        ],
        { home: fresh },
      );
      expect(proxy.records.some((r) => r.fault === 'reset-request')).toBe(true);
      expect(copy.digest).toBe(digest);
      expect(copy.destinations.map((d) => d.status)).toEqual(['copied', 'copied']);
      expect((await plain.headManifest(`${repo}-cut`, '1'))?.digest).toBe(digest as Digest);

      // The same with one destination, whose upload reads the compressed stream directly.
      proxy.reset();
      proxy.add({
        method: 'PATCH',
        times: 1,
        action: { kind: 'reset-request', afterBytes: 100_000 },
      });
      const single = await copyJson(
        [`docker-daemon:${image}`, `docker://${proxy.host}/${repo}-cut-single:1`],
        { home: mkdtempSync(join(fresh, 'single-')) },
      );
      expect(proxy.records.some((r) => r.fault === 'reset-request')).toBe(true);
      expect(single.digest).toBe(digest);
      expect(single.destinations[0]!.status).toBe('copied');
    } finally {
      await proxy.close();
      rmSync(fresh, { recursive: true, force: true });
    }
  });

  it('sends the layers again, in a second round, when compression gives other bytes than remembered', async () => {
    // As after a zlib upgrade: the workspace remembers another compressed blob for a layer, one
    // that the first destination holds and the second lacks.
    const stale = randomBlob(4096);
    const target = `${repo}-stale`;
    await plain.uploadBlob(target, stale, bufferSource(stale));
    const layers = inspect.RootFS.Layers!;
    const db = new DatabaseSync(join(home, 'consign.db'));
    try {
      db.prepare('UPDATE compressed_layers SET digest = ?, size = ? WHERE diff_id = ?').run(
        stale.digest,
        stale.size,
        layers[layers.length - 1]!,
      );
    } finally {
      db.close();
    }
    const copy = await copyJson([
      `docker-daemon:${image}`,
      `docker://${env.registryPlain}/${target}:1`,
      `docker://${env.registryTls}/${target}:1`,
    ]);
    // Both end up with the true compressed layer, so with the same digest as ever.
    expect(copy.digest).toBe(digest);
    expect(copy.destinations.map((d) => [d.status, d.digest])).toEqual([
      ['copied', digest],
      ['copied', digest],
    ]);
    // And the memory holds the true digest again: a re-run sends nothing.
    const again = await copyJson([
      `docker-daemon:${image}`,
      `docker://${env.registryPlain}/${target}:1`,
    ]);
    expect(again.destinations[0]).toMatchObject({ status: 'unchanged', blobsUploaded: 0 });
  });

  it('refuses to move a tag that names another image, leaving it where it was', async () => {
    const other = `${env.registryPlain}/${repo}:taken`;
    const first = await copyJson([`docker-daemon:${env.baseImage}`, `docker://${other}`]);
    // Judged up front (the compressed digest is remembered) and, in a fresh workspace, once the
    // layers are compressed.
    const fresh = mkdtempSync(join(tmpdir(), 'consign-compress-fresh-'));
    try {
      for (const where of [home, fresh]) {
        const refused = await consign(
          ['copy', `docker-daemon:${image}`, `docker://${other}`, '--json'],
          { home: where },
        );
        expect(refused.code, refused.stderr).toBe(1);
        const result = JSON.parse(refused.stdout) as CopyJson;
        expect(result.digest).toBe(digest);
        expect(result.destinations[0]!.status).toBe('conflict');
        expect((await plain.headManifest(repo, 'taken'))?.digest).toBe(first.digest as Digest);
      }
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  });
});
