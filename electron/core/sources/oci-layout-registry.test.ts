import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import {
  bufferSource,
  imageManifest,
  jsonBlob,
  randomBlob,
  readAll,
} from '../../../tests/support/registry-fixtures';
import { failure } from '../../../tests/support/failure';
import { MediaType, parseImageReference } from '../oci';
import { copyImage } from '../transfer';
import { openOciLayout, REF_NAME_ANNOTATION } from './oci-layout';
import {
  layoutRefName,
  OCI_LAYOUT_HOST,
  OciLayoutRegistry,
  splitLayoutRefName,
} from './oci-layout-registry';

const scratch = mkdtempSync(join(tmpdir(), 'consign-layout-registry-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let counter = 0;
const fresh = () => OciLayoutRegistry.open(join(scratch, `l${counter++}`), { create: true });

/** Writes a small image (config + one layer) into `layout` as `repository:tag`. */
async function pushImage(layout: OciLayoutRegistry, repository: string, tag: string) {
  const config = jsonBlob({ architecture: 'amd64', os: 'linux', n: counter++ });
  const layer = randomBlob(100_000);
  for (const blob of [config, layer]) {
    await layout.uploadBlob(repository, blob, bufferSource(blob));
  }
  const manifest = imageManifest(config, [layer]);
  await layout.putManifest(repository, tag, manifest);
  return { config, layer, manifest };
}

describe('OciLayoutRegistry', () => {
  it('names tags REPO+TAG so they survive an oci:DIR:NAME reference', () => {
    expect(layoutRefName('app', '1.0.0')).toBe('app+1.0.0');
    expect(layoutRefName('', 'latest')).toBe('latest');
    expect(splitLayoutRefName('team/app+sha256-ab.sig')).toEqual({
      repository: 'team/app',
      tag: 'sha256-ab.sig',
    });
    expect(splitLayoutRefName('latest')).toEqual({ repository: '', tag: 'latest' });
    const ref = parseImageReference('oci:/some/dir:app+1.0.0');
    expect(ref).toEqual({ transport: 'oci', path: '/some/dir', tag: 'app+1.0.0' });
    // The host parses in the references signing builds for located images.
    expect(
      parseImageReference(`docker://${OCI_LAYOUT_HOST}/app@sha256:${'a'.repeat(64)}`),
    ).toMatchObject({
      registry: OCI_LAYOUT_HOST,
      repository: 'app',
    });
  });

  it('writes blobs and tagged manifests that other readers of OCI layouts see', async () => {
    const layout = await fresh();
    const { manifest, layer } = await pushImage(layout, 'app', '1.0.0');
    expect(await layout.hasBlob('app', layer.digest)).toBe(layer.size);
    expect(await layout.headManifest('app', '1.0.0')).toEqual({
      digest: manifest.digest,
      mediaType: MediaType.ociManifest,
      size: manifest.bytes.length,
    });
    expect(await layout.headManifest('other', '1.0.0')).toBeNull();
    expect((await layout.getManifest('app', manifest.digest)).bytes.equals(manifest.bytes)).toBe(
      true,
    );
    const index = JSON.parse(readFileSync(join(layout.path, 'index.json'), 'utf8')) as {
      manifests: { digest: string; annotations: Record<string, string> }[];
    };
    expect(index.manifests).toEqual([
      expect.objectContaining({
        digest: manifest.digest,
        annotations: { [REF_NAME_ANNOTATION]: 'app+1.0.0' },
      }),
    ]);
    const source = await openOciLayout(layout.path, 'app+1.0.0');
    expect((await source.root()).digest).toBe(manifest.digest);
    // Retagging replaces the entry rather than adding an ambiguous second one.
    const second = await pushImage(layout, 'app', '1.0.0');
    expect((await layout.entries()).map((e) => e.digest)).toEqual([second.manifest.digest]);
  });

  it('refuses a blob whose bytes do not match its digest and leaves nothing behind', async () => {
    const layout = await fresh();
    const blob = randomBlob(5000);
    const other = randomBlob(5000);
    const error = await failure(layout.uploadBlob('app', blob, bufferSource(other)));
    expect(error).toMatchObject({ code: 'CHECK_FAILED' });
    expect(error.message).toContain(blob.digest);
    expect(await layout.hasBlob('app', blob.digest)).toBeNull();
    expect(readdirSync(join(layout.path, 'blobs')).filter((f) => f.startsWith('.tmp'))).toEqual([]);
    const manifest = imageManifest(blob, []);
    await expect(
      layout.putManifest('app', `sha256:${'0'.repeat(64)}`, manifest),
    ).rejects.toMatchObject({ code: 'BAD_INPUT' });
  });

  it('hashes streamed blobs itself and checks the digest the source announces', async () => {
    const layout = await fresh();
    const blob = randomBlob(70_000);
    const stored = await layout.uploadStreamedBlob('app', {
      open: () =>
        Promise.resolve({
          stream: Readable.from([blob.bytes]),
          result: Promise.resolve({ digest: blob.digest, size: blob.size }),
        }),
    });
    expect(stored).toEqual({ digest: blob.digest, size: blob.size });
    expect(
      (await readAll(await layout.getBlob('app', blob, 60_000))).equals(
        blob.bytes.subarray(60_000),
      ),
    ).toBe(true);
  });

  it('detects a blob changed on disk when it is read', async () => {
    const layout = await fresh();
    const { layer } = await pushImage(layout, 'app', '1');
    const { writeFileSync } = await import('node:fs');
    const file = join(layout.path, 'blobs', 'sha256', layer.digest.slice(7));
    const bytes = readFileSync(file);
    bytes[10] = bytes[10]! ^ 1;
    writeFileSync(file, bytes);
    await expect(readAll(await layout.getBlob('app', layer))).rejects.toThrow(/sha256/);
  });

  it('keeps referrers in the fallback index, appending and keeping annotations', async () => {
    const layout = await fresh();
    const { manifest } = await pushImage(layout, 'app', '1');
    expect(await layout.supportsReferrersApi()).toBe(false);
    expect(await layout.referrers('app', manifest.digest)).toEqual({ manifests: [] });
    const one = {
      mediaType: MediaType.ociManifest,
      digest: `sha256:${'1'.repeat(64)}`,
      size: 10,
      artifactType: 'application/x-one',
      annotations: { note: 'kept' },
    } as const;
    const two = {
      ...one,
      digest: `sha256:${'2'.repeat(64)}` as const,
      artifactType: 'application/x-two',
    };
    await Promise.all([
      layout.addReferrers('app', manifest.digest, [one]),
      layout.addReferrers('app', manifest.digest, [two]),
    ]);
    await layout.addReferrers('app', manifest.digest, [one]);
    const listed = (await layout.referrers('app', manifest.digest)).manifests;
    expect(listed.map((d) => d.digest).sort()).toEqual([one.digest, two.digest]);
    expect(listed.find((d) => d.digest === one.digest)?.annotations).toEqual({ note: 'kept' });
    expect((await layout.referrers('app', manifest.digest, 'application/x-two')).manifests).toEqual(
      [expect.objectContaining({ digest: two.digest })],
    );
  });

  it('copies an image with its cosign tag and referrers from one layout to another', async () => {
    const from = await fresh();
    const { manifest } = await pushImage(from, 'app', '2.0');
    const payload = jsonBlob({ signed: manifest.digest });
    const empty = jsonBlob({});
    for (const blob of [payload, empty]) await from.uploadBlob('app', blob, bufferSource(blob));
    const signature = imageManifest(empty, [payload]);
    await from.putManifest('app', `sha256-${manifest.digest.slice(7)}.sig`, signature);
    const referrer = imageManifest(empty, [payload], {
      subject: manifest.descriptor,
      artifactType: 'application/x-attestation',
    });
    await from.putManifest('app', referrer.digest, referrer);
    await from.addReferrers('app', manifest.digest, [referrer.descriptor]);

    const to = await fresh();
    const source = await openOciLayout(from.path, 'app+2.0');
    const result = await copyImage(
      { image: source, location: { registry: from, repository: 'app' } },
      [{ ref: 'copy', registry: to, repository: 'shipped', tag: '2.0' }],
    );
    expect(result.destinations[0]).toMatchObject({ status: 'copied', artifacts: 2 });
    expect((await to.headManifest('shipped', '2.0'))?.digest).toBe(manifest.digest);
    expect(
      await to.headManifest('shipped', `sha256-${manifest.digest.slice(7)}.sig`),
    ).toMatchObject({ digest: signature.digest });
    expect((await to.referrers('shipped', manifest.digest)).manifests).toEqual([
      expect.objectContaining({
        digest: referrer.digest,
        artifactType: 'application/x-attestation',
      }),
    ]);
    expect(existsSync(join(to.path, 'oci-layout'))).toBe(true);
  });

  it('refuses a folder that is not a layout unless asked to create one', async () => {
    await expect(OciLayoutRegistry.open(join(scratch, 'missing'))).rejects.toMatchObject({
      code: 'BAD_INPUT',
    });
  });
});
