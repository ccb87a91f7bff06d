import { spawnSync } from 'node:child_process';
import Docker from 'dockerode';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cosignTag } from '../../electron/core/transfer';
import { digestHex, MediaType, type Digest } from '../../electron/core/oci';
import { RegistryClient } from '../../electron/core/registry';
import { LayoutBuilder } from '../support/archives';
import { loginArgs } from '../support/cli-args';
import { runConsign } from '../support/consign-cli';
import {
  bufferSource,
  imageIndex,
  imageManifest,
  jsonBlob,
  randomBlob,
  uniqueRepository,
  type TestBlob,
  type TestManifest,
} from '../support/registry-fixtures';
import { testEnv } from '../support/test-env';

interface CopyJson {
  digest: string;
  destinations: {
    ref: string;
    digest: string;
    status: string;
    blobsUploaded: number;
    blobsMounted: number;
    artifacts: number;
  }[];
}

interface InspectJson {
  digest: string;
  platforms?: { os: string; architecture: string }[];
  signatures: { kind: string; digest: string; tag?: string; artifactType?: string }[];
}

async function pushImage(
  client: RegistryClient,
  repository: string,
  blobs: TestBlob[],
  manifest: TestManifest,
  tag?: string,
) {
  for (const blob of blobs) await client.uploadBlob(repository, blob, bufferSource(blob));
  await client.putManifest(repository, tag ?? manifest.digest, manifest);
}

describe('consign copy and inspect against real registries', () => {
  const env = testEnv();
  const plain = new RegistryClient({ host: env.registryPlain });
  let home: string;
  const consign = (args: string[], input?: string) =>
    runConsign([...args, '--home', home], input === undefined ? {} : { input });

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'consign-copy-'));
    // Store credentials for the TLS (basic auth) and token registries the way a user would.
    const tls = await consign(
      loginArgs({ registry: env.registryTls, username: env.registryTlsUser, caFile: env.caFile }),
      env.registryTlsPassword,
    );
    expect(tls.code, tls.stderr).toBe(0);
    const token = await consign(
      loginArgs({ registry: env.registryToken, username: env.tokenUser }),
      env.tokenPassword,
    );
    expect(token.code, token.stderr).toBe(0);
  });
  afterAll(() => {
    plain.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('copies from the Docker engine, then fans out to three registries with the same digest', async () => {
    const repo = uniqueRepository('fanout');
    const first = await consign([
      'copy',
      `docker-daemon:${env.baseImage}`,
      `docker://${env.registryPlain}/${repo}:1`,
      '--json',
    ]);
    expect(first.code, first.stderr).toBe(0);
    const source = JSON.parse(first.stdout) as CopyJson;
    expect(source.destinations[0]).toMatchObject({ status: 'copied' });

    const targets = [env.registryTls, env.registryToken, env.registryPlain].map(
      (host, i) => `docker://${host}/${repo}-copy${i}:v1`,
    );
    const fanout = await consign([
      'copy',
      `docker://${env.registryPlain}/${repo}:1`,
      ...targets,
      '--json',
    ]);
    expect(fanout.code, fanout.stderr).toBe(0);
    const result = JSON.parse(fanout.stdout) as CopyJson;
    expect(result.digest).toBe(source.digest);
    expect(result.destinations.map((d) => [d.status, d.digest])).toEqual(
      targets.map(() => ['copied', source.digest]),
    );
    for (const target of targets) {
      const inspect = await consign(['inspect', target, '--json']);
      expect(inspect.code, inspect.stderr).toBe(0);
      expect((JSON.parse(inspect.stdout) as InspectJson).digest).toBe(source.digest);
    }
  });

  it('copies a docker save archive to the same digest as the engine it came from', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'consign-archive-'));
    try {
      const archive = join(dir, 'image.tar');
      const docker = new Docker({ socketPath: env.dockerSocket });
      await pipeline(await docker.getImage(env.baseImage).get(), createWriteStream(archive));
      const repo = uniqueRepository('archive');
      const fromArchive = await consign([
        'copy',
        `docker-archive:${archive}`,
        `docker://${env.registryPlain}/${repo}:archive`,
        '--json',
      ]);
      expect(fromArchive.code, fromArchive.stderr).toBe(0);
      const fromDaemon = await consign([
        'copy',
        `docker-daemon:${env.baseImage}`,
        `docker://${env.registryPlain}/${repo}:daemon`,
        '--json',
      ]);
      expect(fromDaemon.code, fromDaemon.stderr).toBe(0);
      expect((JSON.parse(fromArchive.stdout) as CopyJson).digest).toBe(
        (JSON.parse(fromDaemon.stdout) as CopyJson).digest,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('copies a multi-platform index from an OCI layout with every digest preserved', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'consign-layout-'));
    try {
      const layout = new LayoutBuilder();
      const amd = layout.image([`amd64 layer ${Math.random()}`], 'amd64');
      const arm = layout.image([`arm64 layer ${Math.random()}`], 'arm64');
      const index = layout.imageIndex([
        {
          ...amd,
          config: undefined,
          layers: undefined,
          platform: { os: 'linux', architecture: 'amd64' },
        },
        {
          ...arm,
          config: undefined,
          layers: undefined,
          platform: { os: 'linux', architecture: 'arm64' },
        },
      ] as never);
      layout.add(index, 'release');
      layout.writeTo(dir);
      const target = `docker://${env.registryToken}/${uniqueRepository('multi')}:2.0`;
      const copy = await consign(['copy', `oci:${dir}:release`, target, '--json']);
      expect(copy.code, copy.stderr).toBe(0);
      expect((JSON.parse(copy.stdout) as CopyJson).digest).toBe(index.digest);
      const inspect = JSON.parse(
        (await consign(['inspect', target, '--json'])).stdout,
      ) as InspectJson;
      expect(inspect.digest).toBe(index.digest);
      expect(inspect.platforms?.map((p) => p.architecture)).toEqual(['amd64', 'arm64']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('copies registry to registry out of TLS with basic auth and out of token auth, bytes intact', async () => {
    // Blob reads from a registry source go through the recycled-memory reader: over TLS with the
    // private CA and a 401 answered with basic auth, and with a bearer token.
    const tls = new RegistryClient({
      host: env.registryTls,
      caFile: env.caFile,
      credentials: { username: env.registryTlsUser, password: env.registryTlsPassword },
    });
    const token = new RegistryClient({
      host: env.registryToken,
      credentials: { username: env.tokenUser, password: env.tokenPassword },
    });
    try {
      const repo = uniqueRepository('r2r');
      const config = jsonBlob({ architecture: 'amd64', os: 'linux', note: repo });
      const layers = [
        randomBlob(6 * 1024 * 1024 + 123),
        randomBlob(3 * 1024 * 1024),
        randomBlob(10),
      ];
      const image = imageManifest(config, layers);
      await pushImage(tls, repo, [config, ...layers], image, 'v1');

      const fromTls = await consign([
        'copy',
        `docker://${env.registryTls}/${repo}:v1`,
        `docker://${env.registryToken}/${repo}:v1`,
        `docker://${env.registryPlain}/${repo}-a:v1`,
        '--json',
      ]);
      expect(fromTls.code, fromTls.stderr).toBe(0);
      const fanned = JSON.parse(fromTls.stdout) as CopyJson;
      expect(fanned.destinations.map((d) => [d.status, d.digest, d.blobsUploaded])).toEqual([
        ['copied', image.digest, 4],
        ['copied', image.digest, 4],
      ]);

      // Other blobs out of the token registry, so that none can be mounted.
      const other = [randomBlob(5 * 1024 * 1024), randomBlob(1000)];
      const otherImage = imageManifest(config, other);
      await pushImage(token, `${repo}-t`, [config, ...other], otherImage, 'v2');
      const fromToken = await consign([
        'copy',
        `docker://${env.registryToken}/${repo}-t:v2`,
        `docker://${env.registryPlain}/${repo}-b:v2`,
        '--json',
      ]);
      expect(fromToken.code, fromToken.stderr).toBe(0);
      expect((JSON.parse(fromToken.stdout) as CopyJson).destinations[0]).toMatchObject({
        status: 'copied',
        digest: otherImage.digest,
        blobsUploaded: 2,
      });
      for (const [client, repository, blobs] of [
        [token, repo, layers],
        [plain, `${repo}-a`, layers],
        [plain, `${repo}-b`, other],
      ] as const) {
        for (const layer of blobs) {
          const stream = await client.getBlob(repository, layer);
          const parts: Buffer[] = [];
          for await (const part of stream as AsyncIterable<Buffer>) parts.push(part);
          expect(Buffer.concat(parts).equals(layer.bytes)).toBe(true);
        }
      }
    } finally {
      tls.close();
      token.close();
    }
  });

  it('carries cosign signature tags and OCI referrers (with the fallback index) to the destination', async () => {
    const repo = uniqueRepository('signed');
    const config = jsonBlob({
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: [] },
    });
    const layer = randomBlob(50_000);
    const image = imageManifest(config, [layer]);
    await pushImage(plain, repo, [config, layer], image, 'v1');

    // A legacy cosign signature at sha256-<hex>.sig.
    const payload = jsonBlob({
      critical: {
        identity: { 'docker-reference': `${env.registryPlain}/${repo}` },
        image: { 'docker-manifest-digest': image.digest },
        type: 'cosign container image signature',
      },
      optional: null,
    });
    const empty = jsonBlob({});
    const signature = imageManifest(empty, [payload]);
    await pushImage(plain, repo, [empty, payload], signature, cosignTag(image.digest, 'sig'));

    // An OCI 1.1 referrer (an SBOM-like artifact) listed in the fallback index at sha256-<hex>.
    const sbom = jsonBlob({
      bomFormat: 'CycloneDX',
      specVersion: '1.6',
      serialNumber: `urn:uuid:${Date.now()}`,
    });
    const referrer = imageManifest(jsonBlob({}), [sbom], {
      subject: image.descriptor,
      artifactType: 'application/vnd.cyclonedx+json',
      configMediaType: MediaType.ociEmpty,
    });
    await pushImage(plain, repo, [jsonBlob({}), sbom], referrer);
    const fallback = imageIndex([referrer.descriptor]);
    await plain.putManifest(repo, `sha256-${digestHex(image.digest)}`, fallback);

    const target = `docker://${env.registryTls}/${repo}:v1`;
    const copy = await consign([
      'copy',
      `docker://${env.registryPlain}/${repo}:v1`,
      target,
      '--json',
    ]);
    expect(copy.code, copy.stderr).toBe(0);
    expect((JSON.parse(copy.stdout) as CopyJson).destinations[0]).toMatchObject({
      status: 'copied',
      artifacts: 2,
    });

    // A third-party client sees the referrer at a copy on a plain-HTTP registry too.
    const plainTarget = `${env.registryPlain}/${repo}-copy`;
    const plainCopy = await consign([
      'copy',
      `docker://${env.registryPlain}/${repo}:v1`,
      `docker://${plainTarget}:v1`,
    ]);
    expect(plainCopy.code, plainCopy.stderr).toBe(0);
    expect(env.oras, 'oras from the test environment').toBeTruthy();
    const discovered = spawnSync(
      env.oras!,
      ['discover', '--plain-http', '--format', 'json', `${plainTarget}@${image.digest}`],
      { encoding: 'utf8', timeout: 60_000, env: { ...process.env, HOME: home } },
    );
    expect(discovered.status, discovered.stderr).toBe(0);
    const listed = JSON.parse(discovered.stdout) as {
      manifests?: { digest: string; artifactType?: string }[];
    };
    expect(listed.manifests).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          digest: referrer.digest,
          artifactType: 'application/vnd.cyclonedx+json',
        }),
      ]),
    );
    const inspect = JSON.parse(
      (await consign(['inspect', target, '--json'])).stdout,
    ) as InspectJson;
    expect(inspect.signatures).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          kind: 'cosign-tag',
          digest: signature.digest,
          tag: cosignTag(image.digest, 'sig'),
        }),
        expect.objectContaining({
          kind: 'referrer',
          digest: referrer.digest,
          artifactType: 'application/vnd.cyclonedx+json',
        }),
      ]),
    );
  });

  it('mounts blobs an earlier copy left in another repository of the same registry', async () => {
    const repo = uniqueRepository('mount-memory');
    const config = jsonBlob({ architecture: 'amd64', os: 'linux', note: repo });
    const layers = [randomBlob(200_000), randomBlob(300_000)];
    const manifest = imageManifest(config, layers);
    await pushImage(plain, repo, [config, ...layers], manifest, 'v1');
    const source = `docker://${env.registryPlain}/${repo}:v1`;
    const first = await consign([
      'copy',
      source,
      `docker://${env.registryToken}/${repo}-a:v1`,
      '--json',
    ]);
    expect(first.code, first.stderr).toBe(0);
    expect((JSON.parse(first.stdout) as CopyJson).destinations[0]!.blobsUploaded).toBe(3);
    const second = await consign([
      'copy',
      source,
      `docker://${env.registryToken}/${repo}-b:v1`,
      '--json',
    ]);
    expect(second.code, second.stderr).toBe(0);
    expect((JSON.parse(second.stdout) as CopyJson).destinations[0]).toMatchObject({
      status: 'copied',
      blobsUploaded: 0,
      blobsMounted: 3,
    });
  });

  it('never moves a tag that names another image, unless told to', async () => {
    const repo = uniqueRepository('immutable');
    const make = async (tag: string) => {
      const config = jsonBlob({
        architecture: 'amd64',
        os: 'linux',
        created: `${Date.now()}-${tag}`,
      });
      const layer = randomBlob(10_000);
      const manifest = imageManifest(config, [layer]);
      await pushImage(plain, repo, [config, layer], manifest, tag);
      return manifest.digest as Digest;
    };
    const a = await make('a');
    const b = await make('b');
    const target = `docker://${env.registryToken}/${repo}:release`;
    expect((await consign(['copy', `docker://${env.registryPlain}/${repo}:a`, target])).code).toBe(
      0,
    );

    const refused = await consign([
      'copy',
      `docker://${env.registryPlain}/${repo}:b`,
      target,
      '--json',
    ]);
    expect(refused.code).toBe(1);
    const result = JSON.parse(refused.stdout) as CopyJson & {
      destinations: { error?: { message: string } }[];
    };
    expect(result.destinations[0]).toMatchObject({ status: 'conflict' });
    expect(result.destinations[0]!.error?.message).toMatch(/immutable/);
    const still = JSON.parse((await consign(['inspect', target, '--json'])).stdout) as InspectJson;
    expect(still.digest).toBe(a);

    const moved = await consign([
      'copy',
      `docker://${env.registryPlain}/${repo}:b`,
      target,
      '--overwrite',
      '--json',
    ]);
    expect(moved.code, moved.stderr).toBe(0);
    expect(
      (JSON.parse((await consign(['inspect', target, '--json'])).stdout) as InspectJson).digest,
    ).toBe(b);
  });

  it('rejects malformed references and non-registry destinations with exit 2', async () => {
    const bad = await consign([
      'copy',
      'docker://UPPER/Case:tag',
      `docker://${env.registryPlain}/x:1`,
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/not a valid image reference/);
    const local = await consign(['copy', `docker-daemon:${env.baseImage}`, 'oci:/tmp/somewhere']);
    expect(local.code).toBe(2);
    expect(local.stderr).toMatch(/only registries/);
  });

  it('fails an unreachable destination with exit 3 and a remedy', async () => {
    const result = await consign([
      'copy',
      `docker-daemon:${env.baseImage}`,
      'docker://127.0.0.1:9/nowhere/x:1',
    ]);
    expect(result.code).toBe(3);
    expect(result.stdout + result.stderr).toMatch(/127\.0\.0\.1:9/);
  });
});
