// Referrers on a registry without the referrers API (distribution 2.8): the client merges them
// into the `sha256-<hex>` fallback index, keeps what others listed there, and merges again when
// a conditional write is refused because someone changed the index meanwhile.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digestHex, MediaType, type Digest } from '../../electron/core/oci';
import { RegistryClient } from '../../electron/core/registry';
import { FaultProxy } from '../support/fault-proxy';
import {
  bufferSource,
  imageManifest,
  jsonBlob,
  randomBlob,
  uniqueRepository,
  type TestManifest,
} from '../support/registry-fixtures';
import { testEnv } from '../support/test-env';

const env = testEnv();
const ARTIFACT = 'application/vnd.example.consign-test+json';

describe('referrers fallback index', () => {
  let proxy: FaultProxy;
  let direct: RegistryClient;
  let viaProxy: RegistryClient;

  beforeAll(async () => {
    proxy = await FaultProxy.start(env.registryPlain);
    direct = new RegistryClient({ host: env.registryPlain });
    viaProxy = new RegistryClient({ host: proxy.host });
  });

  afterAll(async () => {
    direct.close();
    viaProxy.close();
    await proxy.close();
  });

  async function push(
    repository: string,
    manifest: TestManifest,
    blobs: ReturnType<typeof jsonBlob>[],
  ) {
    for (const blob of blobs) await direct.uploadBlob(repository, blob, bufferSource(blob));
    await direct.putManifest(repository, manifest.digest, manifest);
  }

  /** An image and `count` artifacts referring to it, all pushed by digest. */
  async function imageWithArtifacts(count: number) {
    const repository = uniqueRepository('referrers');
    const config = jsonBlob({ os: 'linux', architecture: 'amd64' });
    const layer = randomBlob(512);
    const image = imageManifest(config, [layer]);
    await push(repository, image, [config, layer]);
    const artifacts: TestManifest[] = [];
    for (let i = 0; i < count; i++) {
      const payload = jsonBlob({ artifact: i });
      const empty = jsonBlob({});
      const artifact = imageManifest(empty, [payload], {
        subject: image.descriptor,
        artifactType: ARTIFACT,
        configMediaType: MediaType.ociEmpty,
      });
      await push(repository, artifact, [empty, payload]);
      artifacts.push(artifact);
    }
    return { repository, subject: image.digest, artifacts };
  }

  const listed = async (repository: string, subject: Digest) =>
    (await direct.referrers(repository, subject)).manifests.map((d) => d.digest).sort();

  it('adds referrers to the index without losing or repeating entries', async () => {
    const { repository, subject, artifacts } = await imageWithArtifacts(3);
    const [a, b, c] = artifacts.map((m) => m.descriptor) as [
      TestManifest['descriptor'],
      TestManifest['descriptor'],
      TestManifest['descriptor'],
    ];
    expect(await direct.addReferrers(repository, subject, [a])).toBe('fallback-tag');
    expect(await direct.addReferrers(repository, subject, [a, b])).toBe('fallback-tag');
    expect(await direct.addReferrers(repository, subject, [c, b])).toBe('fallback-tag');
    expect(await listed(repository, subject)).toEqual([a.digest, b.digest, c.digest].sort());
    const index = await direct.getManifest(repository, `sha256-${digestHex(subject)}`);
    expect(index.kind === 'index' && index.index.manifests[0]?.artifactType).toBe(ARTIFACT);
  });

  it('merges again when the registry refuses the conditional write (412)', async () => {
    const { repository, subject, artifacts } = await imageWithArtifacts(2);
    const [first, second] = artifacts.map((m) => m.descriptor) as [
      TestManifest['descriptor'],
      TestManifest['descriptor'],
    ];
    await direct.addReferrers(repository, subject, [first]);
    const tagPath = new RegExp(`/manifests/sha256-${digestHex(subject)}$`);
    proxy.add({ method: 'PUT', path: tagPath, times: 1, action: { kind: 'status', status: 412 } });
    expect(await viaProxy.addReferrers(repository, subject, [second])).toBe('fallback-tag');
    const puts = proxy.records.filter((r) => r.method === 'PUT' && tagPath.test(r.path));
    expect(puts.map((r) => r.fault ?? 'forwarded')).toEqual(['status', 'forwarded']);
    expect(await listed(repository, subject)).toEqual([first.digest, second.digest].sort());
  });

  it('gives up with a clear error when the index keeps changing', async () => {
    const { repository, subject, artifacts } = await imageWithArtifacts(2);
    await direct.addReferrers(repository, subject, [artifacts[0]!.descriptor]);
    const tagPath = new RegExp(`/manifests/sha256-${digestHex(subject)}$`);
    proxy.add({ method: 'PUT', path: tagPath, times: 50, action: { kind: 'status', status: 412 } });
    await expect(
      viaProxy.addReferrers(repository, subject, [artifacts[1]!.descriptor]),
    ).rejects.toThrow(/changed while it was being updated/);
    expect(await listed(repository, subject)).toEqual([artifacts[0]!.descriptor.digest]);
  });
});
