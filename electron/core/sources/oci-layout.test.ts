import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LayoutBuilder, sha256 } from '../../../tests/support/archives.ts';
import type { Digest } from '../oci';
import { openOciLayout } from './oci-layout';
import type { ImageSource } from './types';
import { failure } from '../../../tests/support/failure';

const scratch = mkdtempSync(join(tmpdir(), 'consign-layout-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let counter = 0;
function write(layout: LayoutBuilder): string {
  const folder = join(scratch, `layout${counter++}`);
  layout.writeTo(folder);
  return folder;
}

async function readAll(source: ImageSource, digest: Digest, size: number): Promise<Buffer> {
  return Buffer.concat(await (await source.blob({ digest, size })).toArray());
}

describe('openOciLayout', () => {
  it('reads a single untagged image: manifest bytes as stored, verified blobs', async () => {
    const layout = new LayoutBuilder();
    const image = layout.image(['layer one', 'layer two']);
    layout.add(image);
    const source = await openOciLayout(write(layout));
    const root = await source.root();
    expect(root.kind).toBe('manifest');
    expect(root.digest).toBe(image.digest);
    expect(root.bytes.equals(layout.blobs.get(image.digest)!)).toBe(true);
    if (root.kind !== 'manifest') throw new Error('unreachable');
    expect(root.manifest.layers.map((l) => l.digest)).toEqual(image.layers.map((l) => l.digest));
    expect((await readAll(source, image.layers[1]!.digest, 9)).toString()).toBe('layer two');
    expect((await source.manifest(image.digest)).digest).toBe(image.digest);
    await source.close();
  });

  it('selects by tag, and lists the tags when none or an unknown one is given', async () => {
    const layout = new LayoutBuilder();
    const one = layout.image(['v1']);
    const two = layout.image(['v2']);
    layout.add(one, '1.0');
    layout.add(two, '2.0');
    const folder = write(layout);
    expect((await (await openOciLayout(folder, '2.0')).root()).digest).toBe(two.digest);
    expect((await (await openOciLayout(folder, '1.0')).root()).digest).toBe(one.digest);
    const noTag = await failure(openOciLayout(folder));
    expect(noTag.code).toBe('BAD_INPUT');
    expect(noTag.message).toMatch(/holds 2 images.*1\.0, 2\.0/);
    const unknown = await failure(openOciLayout(folder, '3.0'));
    expect(unknown.code).toBe('NOT_FOUND');
    expect(unknown.message).toMatch(/no image tagged "3\.0".*1\.0, 2\.0/);
  });

  it('reads a multi-platform image with a nested index', async () => {
    const layout = new LayoutBuilder();
    const amd64 = layout.image(['amd64 layer'], 'amd64');
    const arm64 = layout.image(['arm64 layer'], 'arm64');
    const inner = layout.imageIndex([
      { ...arm64, platform: { architecture: 'arm64', os: 'linux' } },
    ]);
    const outer = layout.imageIndex([
      { ...amd64, platform: { architecture: 'amd64', os: 'linux' } },
      inner,
    ]);
    layout.add(outer, 'multi');
    const source = await openOciLayout(write(layout), 'multi');
    expect(source.description).toMatch(/^oci:.*:multi$/);
    const root = await source.root();
    expect(root).toMatchObject({ kind: 'index', digest: outer.digest });
    const nested = await source.manifest(inner.digest);
    if (nested.kind !== 'index') throw new Error('expected the nested index');
    const child = await source.manifest(nested.index.manifests[0]!.digest);
    if (child.kind !== 'manifest') throw new Error('expected a manifest');
    const layer = child.manifest.layers[0]!;
    expect((await readAll(source, layer.digest, layer.size)).toString()).toBe('arm64 layer');
  });

  it('reports a missing blob or manifest as NOT_FOUND, naming the digest', async () => {
    const layout = new LayoutBuilder();
    const image = layout.image(['present']);
    layout.add(image);
    const folder = write(layout);
    rmSync(join(folder, 'blobs', 'sha256', image.layers[0]!.digest.slice(7)));
    const source = await openOciLayout(folder);
    const error = await failure(source.blob(image.layers[0]!));
    expect(error.code).toBe('NOT_FOUND');
    expect(error.message).toContain(image.layers[0]!.digest);
    const absent = sha256('absent');
    expect((await failure(source.manifest(absent))).code).toBe('NOT_FOUND');
    rmSync(join(folder, 'blobs', 'sha256', image.digest.slice(7)));
    expect((await failure(source.root())).code).toBe('NOT_FOUND');
  });

  it('catches a blob whose bytes changed on disk', async () => {
    const layout = new LayoutBuilder();
    const image = layout.image(['original']);
    layout.add(image);
    const folder = write(layout);
    writeFileSync(join(folder, 'blobs', 'sha256', image.layers[0]!.digest.slice(7)), 'tampered');
    const source = await openOciLayout(folder);
    const stream = await source.blob(image.layers[0]!);
    await expect(stream.toArray()).rejects.toMatchObject({ code: 'CHECK_FAILED' });
  });

  it('never builds a path from anything but a valid digest', async () => {
    const folder = join(scratch, 'traversal');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    writeFileSync(join(scratch, 'secret'), 'secret');
    writeFileSync(
      join(folder, 'index.json'),
      JSON.stringify({
        schemaVersion: 2,
        manifests: [
          {
            mediaType: 'application/vnd.oci.image.manifest.v1+json',
            digest: 'sha256:../../secret',
            size: 6,
          },
        ],
      }),
    );
    const error = await failure(openOciLayout(folder));
    expect(error.code).toBe('BAD_INPUT');

    const layout = new LayoutBuilder();
    layout.add(layout.image(['x']));
    const source = await openOciLayout(write(layout));
    const bad = '../../../secret' as Digest;
    expect((await failure(source.manifest(`sha256:${bad}` as Digest))).code).toBe('BAD_INPUT');
    expect((await failure(source.blob({ digest: `sha256:${bad}` as Digest, size: 6 }))).code).toBe(
      'BAD_INPUT',
    );
  });

  it('refuses what is not a layout with a clear message', async () => {
    const empty = join(scratch, 'empty');
    mkdirSync(empty, { recursive: true });
    expect((await failure(openOciLayout(empty))).message).toMatch(/no oci-layout file/);
    expect((await failure(openOciLayout(join(scratch, 'nowhere')))).code).toBe('NOT_FOUND');
    const broken = join(scratch, 'broken');
    mkdirSync(broken, { recursive: true });
    writeFileSync(join(broken, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    writeFileSync(join(broken, 'index.json'), '{not json');
    expect((await failure(openOciLayout(broken))).code).toBe('BAD_INPUT');
    writeFileSync(join(broken, 'oci-layout'), '{"imageLayoutVersion":"9"}');
    expect((await failure(openOciLayout(broken))).message).toMatch(/version "9"/);
  });
});
