import { Readable } from 'node:stream';
import { pack, type Header } from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { goBuildInfoBlob } from '../../../../tests/support/scan-fixtures/go-binary';
import { walkLayers, type LayerInput } from '../layers';
import { AppInventory, tap } from './index';

type Item = Partial<Header> & { name: string; content?: string | Buffer };

async function layer(items: Item[]): Promise<LayerInput> {
  const archive = pack();
  for (const { content, ...header } of items) {
    archive.entry({ type: 'file' as const, mode: 0o644, ...header }, content ?? '');
  }
  archive.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of archive as AsyncIterable<Buffer>) chunks.push(Buffer.from(chunk));
  const bytes = Buffer.concat(chunks);
  return {
    digest: `sha256:${'0'.repeat(64)}`,
    size: bytes.length,
    open: () => Promise.resolve(Readable.from([bytes])),
  };
}

/** An ELF file of a Go program: a header, padding, and the build information in the middle. */
function goBinary(module: string, version: string): Buffer {
  return Buffer.concat([
    Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]),
    Buffer.alloc(600 * 1024),
    goBuildInfoBlob('go1.22.1', `path\t${module}\nmod\t${module}\t${version}\t\n`),
    Buffer.alloc(300 * 1024),
  ]);
}

/** Walks the layers as the scanner does: one pass, the inventory tapping the content stream. */
async function inventory(layers: LayerInput[]) {
  const apps = new AppInventory();
  const seen: string[] = [];
  const view = await walkLayers(layers, {
    capture: () => 0,
    inspect: async (meta, stream) => {
      const sink = apps.sink(meta);
      let bytes = 0;
      for await (const chunk of sink ? tap(stream, sink) : stream)
        bytes += (chunk as Buffer).length;
      seen.push(`${meta.path}:${bytes}`);
      await sink?.end();
    },
  });
  return { ...apps.retain(view.files), seen };
}

describe('AppInventory', () => {
  it('reports what the final image holds after later layers replace and delete files', async () => {
    const base = await layer([
      {
        name: 'app/node_modules/lodash/package.json',
        content: '{"name":"lodash","version":"4.17.20"}',
      },
      {
        name: 'app/package-lock.json',
        content: JSON.stringify({
          lockfileVersion: 3,
          packages: {
            '': { name: 'app' },
            'node_modules/lodash': { version: '4.17.20' },
            'node_modules/jest': { version: '29.0.0', dev: true },
          },
        }),
      },
      {
        name: 'usr/lib/python3/site-packages/requests-2.31.0.dist-info/METADATA',
        content: 'Metadata-Version: 2.1\nName: requests\nVersion: 2.31.0\n\nlong text\n',
      },
      {
        name: 'usr/lib/python3/site-packages/PyYAML-6.0.dist-info/METADATA',
        content: 'Metadata-Version: 2.1\nName: PyYAML\nVersion: 6.0\n',
      },
      {
        name: 'usr/local/bin/server',
        content: goBinary('example.com/server', 'v1.0.0'),
        mode: 0o755,
      },
      { name: 'usr/local/bin/tool', content: goBinary('example.com/tool', 'v2.0.0'), mode: 0o755 },
      { name: 'opt/broken.jar', content: 'not a zip' },
    ]);
    const update = await layer([
      {
        name: 'app/node_modules/lodash/package.json',
        content: '{"name":"lodash","version":"4.17.21"}',
      },
      { name: 'usr/lib/python3/site-packages/.wh.requests-2.31.0.dist-info' },
      // A Go binary replaced by a script: its old findings go.
      { name: 'usr/local/bin/tool', content: '#!/bin/sh\necho tool\n', mode: 0o755 },
    ]);
    const { packages, skipped, seen } = await inventory([base, update]);
    expect(packages.map((p) => `${p.type} ${p.purl} ${p.path}`)).toEqual([
      'npm pkg:npm/lodash@4.17.21 app/node_modules/lodash/package.json',
      'pypi pkg:pypi/pyyaml@6.0 usr/lib/python3/site-packages/PyYAML-6.0.dist-info/METADATA',
      'go pkg:golang/example.com/server@v1.0.0 usr/local/bin/server',
      'go pkg:golang/stdlib@go1.22.1 usr/local/bin/server',
    ]);
    expect(skipped).toEqual([
      { path: 'opt/broken.jar', reason: expect.stringMatching(/not a readable zip/) as string },
    ]);
    // Every byte still reached the content checks.
    expect(seen).toContain(
      `usr/local/bin/server:${goBinary('example.com/server', 'v1.0.0').length}`,
    );
  });

  it('skips a Java archive too large to hold, without reading it into memory', async () => {
    const apps = new AppInventory({ maxArchiveBytes: 1024 });
    const meta = {
      path: 'opt/huge.jar',
      type: 'file' as const,
      size: 4096,
      mode: 0o644,
      uid: 0,
      gid: 0,
      layer: 0,
    };
    expect(apps.sink(meta)).toBeUndefined();
    expect(apps.retain(new Map([[meta.path, meta]])).skipped).toEqual([
      { path: 'opt/huge.jar', reason: 'it is 4096 bytes, more than the 1024 read into memory' },
    ]);
  });
});
