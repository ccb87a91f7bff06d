import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import {
  buildTar,
  LayoutBuilder,
  legacyArchive,
  ociArchive,
  sha256,
} from '../../../tests/support/archives.ts';
import { DockerEngine } from '../docker';
import { MediaType, parseImageReference, type Digest, type ParsedManifest } from '../oci';
import { openDockerArchive } from './docker-archive';
import { openSource, type LocalImageReference } from './index';
import type { ImageSource } from './types';
import { failure } from '../../../tests/support/failure';

const scratch = mkdtempSync(join(tmpdir(), 'consign-archive-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let counter = 0;
function file(bytes: Buffer): string {
  const path = join(scratch, `a${counter++}.tar`);
  writeFileSync(path, bytes);
  return path;
}

function imageManifest(parsed: ParsedManifest) {
  if (parsed.kind !== 'manifest') throw new Error('expected an image manifest');
  return parsed.manifest;
}

async function readBlob(source: ImageSource, digest: Digest, size: number): Promise<Buffer> {
  return Buffer.concat(await (await source.blob({ digest, size })).toArray());
}

describe('openDockerArchive, legacy layout', () => {
  it('synthesizes an OCI manifest whose layers are the diff_ids, in order, deterministically', async () => {
    const { tar, configs, diffIds } = legacyArchive([
      { tags: ['example/app:1.0'], layers: ['base layer', 'second layer', 'base layer'] },
    ]);
    const path = file(tar);
    const source = await openDockerArchive(path);
    const root = await source.root();
    const manifest = imageManifest(root);
    expect(root.mediaType).toBe(MediaType.ociManifest);
    expect(manifest.config).toMatchObject({ mediaType: MediaType.ociConfig, digest: configs[0] });
    expect(manifest.layers.map((l) => l.digest)).toEqual(diffIds[0]);
    expect(manifest.layers.every((l) => l.mediaType === MediaType.ociLayerTar)).toBe(true);
    // The repeated layer is a symlink in the archive, as docker save writes it.
    expect((await readBlob(source, diffIds[0]![2] as Digest, 10)).toString()).toBe('base layer');
    const config = await readBlob(source, manifest.config.digest, manifest.config.size);
    expect(sha256(config)).toBe(configs[0]);
    expect(root.bytes.toString()).toBe(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.ociManifest,
        config: manifest.config,
        layers: manifest.layers,
      }),
    );
    expect((await (await openDockerArchive(path)).root()).digest).toBe(root.digest);
    expect((await source.manifest(root.digest)).digest).toBe(root.digest);
    expect((await failure(source.manifest(sha256('other')))).code).toBe('NOT_FOUND');
    expect((await failure(source.blob({ digest: sha256('other'), size: 1 }))).code).toBe(
      'NOT_FOUND',
    );
  });

  it('selects an image by name and lists the names when it must', async () => {
    const { tar, configs } = legacyArchive([
      { tags: ['busybox:latest', 'busybox:1.36'], layers: ['one'] },
      { tags: ['registry.example.com:5000/team/tool:2'], layers: ['two'] },
      { tags: null, layers: ['three'] },
    ]);
    const path = file(tar);
    const byShortName = await openDockerArchive(path, 'busybox');
    expect(imageManifest(await byShortName.root()).config.digest).toBe(configs[0]);
    const byFullName = await openDockerArchive(path, 'docker.io/library/busybox:1.36');
    expect(imageManifest(await byFullName.root()).config.digest).toBe(configs[0]);
    const withRegistry = await openDockerArchive(path, 'registry.example.com:5000/team/tool:2');
    expect(imageManifest(await withRegistry.root()).config.digest).toBe(configs[1]);
    const byId = await openDockerArchive(path, configs[2]);
    expect(imageManifest(await byId.root()).config.digest).toBe(configs[2]);

    const ambiguous = await failure(openDockerArchive(path));
    expect(ambiguous.code).toBe('BAD_INPUT');
    expect(ambiguous.message).toMatch(
      /holds 3 images.*busybox:latest, busybox:1\.36, registry\.example\.com:5000\/team\/tool:2, 1 untagged image/,
    );
    const unknown = await failure(openDockerArchive(path, 'busybox:9'));
    expect(unknown.code).toBe('NOT_FOUND');
    expect(unknown.message).toMatch(/no image named "busybox:9".*busybox:latest/);
  });

  it('marks a gzip layer.tar as tar+gzip and checks it unpacks to the diff_id', async () => {
    const plain = Buffer.from('uncompressed layer content');
    const packed = gzipSync(plain);
    const base = legacyArchive([{ tags: ['gz:1'], layers: [packed] }]);
    // Docker records the diff_id of the unpacked tar, whatever the file holds.
    const fixed = legacyArchive([{ tags: ['gz:1'], layers: [packed], diffIds: [sha256(plain)] }]);
    const source = await openDockerArchive(file(fixed.tar));
    const [layer] = imageManifest(await source.root()).layers;
    expect(layer).toMatchObject({
      mediaType: MediaType.ociLayerTarGzip,
      digest: sha256(packed),
      size: packed.length,
    });
    expect((await readBlob(source, layer!.digest, layer!.size)).equals(packed)).toBe(true);
    // Here the diff_id is the hash of the gzip bytes, not of what they unpack to.
    const mismatch = await failure(openDockerArchive(file(base.tar)));
    expect(mismatch.code).toBe('CHECK_FAILED');
    expect(mismatch.message).toMatch(/unpacks to .* but the image config records/);
  });

  it('catches a layer whose bytes do not hash to its diff_id when it streams', async () => {
    const { tar } = legacyArchive([
      { tags: ['bad:1'], layers: ['real bytes'], diffIds: [sha256('other bytes')] },
    ]);
    const source = await openDockerArchive(file(tar));
    const [layer] = imageManifest(await source.root()).layers;
    const error = await failure((await source.blob(layer!)).toArray());
    expect(error.code).toBe('CHECK_FAILED');
    expect(error.message).toMatch(/Layer 1 .*diff_id/);
  });

  it('refuses archives that are not docker save output, with BAD_INPUT', async () => {
    const noManifest = await failure(openDockerArchive(file(buildTar([{ name: 'x', data: 'x' }]))));
    expect(noManifest.code).toBe('BAD_INPUT');
    expect(noManifest.message).toMatch(/no manifest\.json/);
    const garbage = await failure(
      openDockerArchive(file(Buffer.from('not a tar at all'.repeat(64)))),
    );
    expect(garbage.code).toBe('BAD_INPUT');
    const badJson = await failure(
      openDockerArchive(file(buildTar([{ name: 'manifest.json', data: '{"Config":1}' }]))),
    );
    expect(badJson.message).toMatch(/manifest\.json .* malformed/);
    const missingLayer = await failure(
      openDockerArchive(
        file(
          buildTar([
            { name: 'c.json', data: JSON.stringify({ rootfs: { diff_ids: [sha256('x')] } }) },
            {
              name: 'manifest.json',
              data: JSON.stringify([
                { Config: 'c.json', RepoTags: ['a:1'], Layers: ['l/layer.tar'] },
              ]),
            },
          ]),
        ),
      ),
    );
    expect(missingLayer.message).toMatch(/lacks l\/layer\.tar/);
    const countMismatch = await failure(
      openDockerArchive(
        file(
          buildTar([
            { name: 'c.json', data: JSON.stringify({ rootfs: { diff_ids: [] } }) },
            { name: 'l/layer.tar', data: 'x' },
            {
              name: 'manifest.json',
              data: JSON.stringify([
                { Config: 'c.json', RepoTags: ['a:1'], Layers: ['l/layer.tar'] },
              ]),
            },
          ]),
        ),
      ),
    );
    expect(countMismatch.message).toMatch(/1 layers in manifest\.json but its config records 0/);
    const escaping = await failure(
      openDockerArchive(
        file(
          buildTar([
            {
              name: 'manifest.json',
              data: JSON.stringify([{ Config: '../c.json', RepoTags: null, Layers: [] }]),
            },
          ]),
        ),
      ),
    );
    expect(escaping.code).toBe('BAD_INPUT');
    expect(escaping.message).toMatch(/escapes/);
    expect((await failure(openDockerArchive(join(scratch, 'absent.tar')))).code).toBe('NOT_FOUND');
  });
});

describe('openDockerArchive, OCI layout (Docker 25+)', () => {
  function dockerOciArchive() {
    const layout = new LayoutBuilder();
    const app = layout.image(['app base', 'app top']);
    const tool = layout.image(['tool']);
    layout.add(app, '1.0', { 'io.containerd.image.name': 'docker.io/example/app:1.0' });
    layout.add(tool, '2.0', { 'io.containerd.image.name': 'docker.io/example/tool:2.0' });
    const entry = (image: typeof app, tag: string) => ({
      Config: `blobs/sha256/${image.config.digest.slice(7)}`,
      RepoTags: [tag],
      Layers: image.layers.map((l) => `blobs/sha256/${l.digest.slice(7)}`),
    });
    return {
      layout,
      app,
      tool,
      manifest: [entry(app, 'example/app:1.0'), entry(tool, 'example/tool:2.0')],
    };
  }

  it('serves the stored manifest of the image chosen through manifest.json', async () => {
    const { layout, app, tool, manifest } = dockerOciArchive();
    const path = file(ociArchive(layout.files(), manifest));
    const source = await openDockerArchive(path, 'example/tool:2.0');
    const root = await source.root();
    expect(root.digest).toBe(tool.digest);
    expect(root.bytes.equals(layout.blobs.get(tool.digest)!)).toBe(true);
    const appSource = await openDockerArchive(path, 'docker.io/example/app:1.0');
    expect((await appSource.root()).digest).toBe(app.digest);
    const layer = app.layers[1]!;
    expect((await readBlob(appSource, layer.digest, layer.size)).toString()).toBe('app top');
    const ambiguous = await failure(openDockerArchive(path));
    expect(ambiguous.message).toMatch(/example\/app:1\.0, example\/tool:2\.0/);
  });

  it('serves a multi-platform entry whole, or only the saved platform when others are absent', async () => {
    const layout = new LayoutBuilder();
    const amd64 = layout.image(['amd64'], 'amd64');
    const arm64 = layout.image(['arm64'], 'arm64');
    const index = layout.imageIndex([
      { ...amd64, platform: { architecture: 'amd64', os: 'linux' } },
      { ...arm64, platform: { architecture: 'arm64', os: 'linux' } },
    ]);
    layout.add(index, 'multi');
    const manifest = [
      {
        Config: `blobs/sha256/${amd64.config.digest.slice(7)}`,
        RepoTags: ['example/multi:1'],
        Layers: amd64.layers.map((l) => `blobs/sha256/${l.digest.slice(7)}`),
      },
    ];
    const whole = await openDockerArchive(file(ociArchive(layout.files(), manifest)));
    expect((await whole.root()).digest).toBe(index.digest);
    // As the containerd image store saves it: the other platform's manifest is not in the tar.
    const files = layout.files();
    files.delete(`blobs/sha256/${arm64.digest.slice(7)}`);
    const partial = await openDockerArchive(file(ociArchive(files, manifest)), 'example/multi:1');
    expect((await partial.root()).digest).toBe(amd64.digest);
  });

  it('reads an OCI layout tarball without manifest.json by its ref.name', async () => {
    const { layout, tool } = dockerOciArchive();
    const path = file(ociArchive(layout.files(), undefined));
    expect((await (await openDockerArchive(path, '2.0')).root()).digest).toBe(tool.digest);
  });
});

describe('openSource', () => {
  const docker = new DockerEngine({ DOCKER_HOST: 'unix:///nonexistent/docker.sock' });

  it('dispatches on the transport', async () => {
    const { tar, configs } = legacyArchive([{ tags: ['x:1'], layers: ['l'] }]);
    const path = file(tar);
    const source = await openSource(
      parseImageReference(`docker-archive:${path}`) as LocalImageReference,
      { docker },
    );
    expect(imageManifest(await source.root()).config.digest).toBe(configs[0]);
    const layout = new LayoutBuilder();
    const image = layout.image(['o']);
    layout.add(image, 'v');
    const folder = join(scratch, 'dispatch-layout');
    layout.writeTo(folder);
    const oci = await openSource(parseImageReference(`oci:${folder}:v`) as LocalImageReference, {
      docker,
    });
    expect((await oci.root()).digest).toBe(image.digest);
  });

  it('reports an unreachable Docker engine as DOCKER_UNAVAILABLE', async () => {
    const error = await failure(
      openSource(parseImageReference('docker-daemon:busybox:latest') as LocalImageReference, {
        docker,
      }),
    );
    expect(error.code).toBe('DOCKER_UNAVAILABLE');
  });
});
