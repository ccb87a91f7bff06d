import { Readable } from 'node:stream';
import { gzipSync, zstdCompressSync } from 'node:zlib';
import { pack, type Header } from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { walkLayers, type LayerInput } from './layers';

type Item = Partial<Header> & { name: string; content?: string | Buffer };

/** A tar of the items, written with tar-stream. */
async function tarOf(items: Item[]): Promise<Buffer> {
  const archive = pack();
  for (const { content, ...header } of items) {
    const entry = { type: 'file' as const, mode: 0o644, ...header };
    if (content === undefined) archive.entry(entry);
    else archive.entry(entry, content);
  }
  archive.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of archive as AsyncIterable<Buffer>) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

function layer(bytes: Buffer, digest = `sha256:${'0'.repeat(64)}`): LayerInput {
  return {
    digest,
    size: bytes.length,
    open: () => Promise.resolve(Readable.from([bytes], { objectMode: false })),
  };
}

const keepAll = { capture: () => 1024 * 1024 };

describe('walkLayers', () => {
  it('reads gzip, zstd and plain tar layers and applies them in order', async () => {
    const base = await tarOf([
      { name: 'etc/', type: 'directory', mode: 0o755 },
      { name: 'etc/os-release', content: 'ID=debian\n' },
      { name: './usr/bin/tool', content: 'v1', mode: 0o4755 },
    ]);
    const second = await tarOf([{ name: '/usr/bin/tool', content: 'v2', mode: 0o755 }]);
    const third = await tarOf([{ name: 'opt/app/package.json', content: '{"name":"app"}' }]);
    const view = await walkLayers(
      [layer(gzipSync(base)), layer(zstdCompressSync(second)), layer(third)],
      keepAll,
    );
    expect([...view.files.keys()].sort()).toEqual([
      'etc',
      'etc/os-release',
      'opt/app/package.json',
      'usr/bin/tool',
    ]);
    expect(view.read('usr/bin/tool')?.data.toString()).toBe('v2');
    expect(view.files.get('usr/bin/tool')).toMatchObject({ layer: 1, mode: 0o755 });
    expect(view.layers.map((l) => l.uncompressedSize)).toEqual([
      base.length,
      second.length,
      third.length,
    ]);
  });

  it('applies whiteouts and opaque directories to lower layers only', async () => {
    const base = await tarOf([
      { name: 'a/keep', content: 'k' },
      { name: 'a/gone', content: 'g' },
      { name: 'b/one', content: '1' },
      { name: 'b/sub/two', content: '2' },
      { name: 'c/dir/deep', content: 'd' },
    ]);
    const upper = await tarOf([
      { name: 'a/.wh.gone', content: '' },
      // The opaque marker may come after this layer's own files in the same folder.
      { name: 'b/new', content: 'n' },
      { name: 'b/.wh..wh..opq', content: '' },
      { name: 'c/.wh.dir', content: '' },
    ]);
    const view = await walkLayers([layer(base), layer(upper)], keepAll);
    expect([...view.files.keys()].sort()).toEqual(['a/keep', 'b/new']);
    expect(view.contents.has('a/gone')).toBe(false);
  });

  it('keeps contents only for asked paths, up to the bound, and follows symbolic links', async () => {
    const base = await tarOf([
      { name: 'usr/lib/os-release', content: 'ID=alpine\nVERSION_ID=3.20.1\n' },
      { name: 'etc/os-release', type: 'symlink', linkname: '../usr/lib/os-release' },
      { name: 'big', content: 'x'.repeat(100) },
      { name: 'other', content: 'not kept' },
    ]);
    const view = await walkLayers([layer(base)], {
      capture: (meta) => (meta.path === 'big' ? 10 : meta.path.endsWith('os-release') ? 4096 : 0),
    });
    expect(view.read('etc/os-release')?.data.toString()).toContain('ID=alpine');
    expect(view.read('big')).toEqual({ data: Buffer.from('x'.repeat(10)), truncated: true });
    expect(view.read('other')).toBeUndefined();
    expect(view.files.get('other')?.size).toBe(8);
  });

  it('shows every file’s content to inspect as it streams by', async () => {
    const base = await tarOf([
      { name: 'one', content: 'first' },
      { name: 'two', content: Buffer.alloc(3 * 1024 * 1024, 7) },
    ]);
    const seen: [string, number][] = [];
    await walkLayers([layer(gzipSync(base))], {
      capture: () => 0,
      inspect: async (meta, content) => {
        let bytes = 0;
        for await (const chunk of content as AsyncIterable<Buffer>) bytes += chunk.length;
        seen.push([meta.path, bytes]);
      },
    });
    expect(seen).toEqual([
      ['one', 5],
      ['two', 3 * 1024 * 1024],
    ]);
  });

  it('refuses an entry that climbs out of the root', async () => {
    const evil = await tarOf([{ name: '../../etc/passwd', content: 'x' }]);
    await expect(walkLayers([layer(evil)], keepAll)).rejects.toThrow(
      /Layer 1 .* has the entry "..\/..\/etc\/passwd", which climbs out of the root/,
    );
  });

  it('stops a decompression bomb by size and by ratio', async () => {
    const zeros = await tarOf([{ name: 'zeros', content: Buffer.alloc(8 * 1024 * 1024) }]);
    const bomb = gzipSync(zeros);
    await expect(
      walkLayers([layer(bomb)], { ...keepAll, limits: { maxLayerBytes: 1024 * 1024 } }),
    ).rejects.toThrow(/decompresses to more than 1048576 bytes/);
    await expect(
      walkLayers([layer(bomb)], {
        ...keepAll,
        limits: { maxRatio: 100, ratioFloorBytes: 1024 * 1024 },
      }),
    ).rejects.toThrow(/a decompression bomb/);
  });

  it('reports a corrupt gzip and a truncated tar as unreadable layers', async () => {
    const tar = await tarOf([{ name: 'file', content: 'y'.repeat(5000) }]);
    const gz = gzipSync(tar);
    gz[Math.floor(gz.length / 2)]! ^= 0xff;
    await expect(walkLayers([layer(gz)], keepAll)).rejects.toMatchObject({
      code: 'BAD_INPUT',
      message: expect.stringMatching(/Layer 1 .* cannot be read as a tar archive/),
    });
    await expect(walkLayers([layer(tar.subarray(0, 1024))], keepAll)).rejects.toThrow(
      /cannot be read as a tar archive/,
    );
  });
});
