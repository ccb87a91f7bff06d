import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { afterAll, describe, expect, it } from 'vitest';
import { buildTar, paxRecords, tarHeader } from '../../../tests/support/archives.ts';
import { ConsignError } from '../errors';
import { indexTar, parsePax } from './tar';

const scratch = mkdtempSync(join(tmpdir(), 'consign-tar-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let counter = 0;
function file(bytes: Buffer): string {
  const path = join(scratch, `t${counter++}.tar`);
  writeFileSync(path, bytes);
  return path;
}

async function badInput(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConsignError);
  expect((error as ConsignError).code).toBe('BAD_INPUT');
  expect((error as ConsignError).message).toMatch(pattern);
}

const hasTar = (() => {
  try {
    execFileSync('tar', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe('indexTar', () => {
  it('indexes ustar entries, their offsets and the ustar prefix', async () => {
    const longDir = 'd'.repeat(120);
    const tar = buildTar([
      { name: 'a.txt', data: 'hello' },
      { name: 'dir/', type: '5' },
      { name: 'file.txt', prefix: longDir, data: 'x'.repeat(700) },
      { name: './dot/slash.txt', data: 'dot' },
    ]);
    const index = await indexTar(file(tar));
    expect([...index.entries.keys()]).toEqual([
      'a.txt',
      'dir',
      `${longDir}/file.txt`,
      'dot/slash.txt',
    ]);
    const a = index.file('a.txt')!;
    expect(a).toMatchObject({ type: 'file', offset: 512, size: 5 });
    expect(await text(index.stream(a))).toBe('hello');
    expect(await text(index.stream(index.file(`${longDir}/file.txt`)!))).toBe('x'.repeat(700));
    expect(index.file('dir')).toBeUndefined();
  });

  it('applies pax path and size records to the next entry', async () => {
    const longName = `${'p'.repeat(150)}/ünïcode-name.json`;
    const data = Buffer.from('pax content');
    const tar = buildTar([
      { name: 'PaxHeaders/x', type: 'x', data: paxRecords({ path: longName, size: '11' }) },
      // The header's own name and size are overridden by the pax records.
      { name: 'truncated-name', data, size: 0 },
      { name: 'after', data: 'ok' },
    ]);
    const index = await indexTar(file(tar));
    const entry = index.file(longName)!;
    expect(entry.size).toBe(11);
    expect(await text(index.stream(entry))).toBe('pax content');
    expect(await text(index.stream(index.file('after')!))).toBe('ok');
    expect(index.file('truncated-name')).toBeUndefined();
  });

  it('reads GNU ././@LongLink names and link names', async () => {
    const longName = `${'g'.repeat(200)}/layer.tar`;
    const tar = buildTar([
      { name: '././@LongLink', type: 'L', data: `${longName}\0`, gnu: true },
      { name: 'short', data: 'layer bytes', gnu: true },
      { name: '././@LongLink', type: 'K', data: `${longName}\0`, gnu: true },
      { name: 'alias', type: '1', linkname: 'short', gnu: true },
    ]);
    const index = await indexTar(file(tar));
    expect(await text(index.stream(index.file(longName)!))).toBe('layer bytes');
    expect(index.entries.get('alias')).toMatchObject({ type: 'hardlink', linkname: longName });
    expect(await text(index.stream(index.file('alias')!))).toBe('layer bytes');
  });

  it('follows symlinks relative to the link, as docker save writes repeated layers', async () => {
    const tar = buildTar([
      { name: 'aaa/layer.tar', data: 'shared' },
      { name: 'bbb/layer.tar', type: '2', linkname: '../aaa/layer.tar' },
      { name: 'loop1', type: '2', linkname: 'loop2' },
      { name: 'loop2', type: '2', linkname: 'loop1' },
      { name: 'out', type: '2', linkname: '../../etc/passwd' },
    ]);
    const index = await indexTar(file(tar));
    expect(await text(index.stream(index.file('bbb/layer.tar')!))).toBe('shared');
    expect(index.file('loop1')).toBeUndefined();
    expect(index.file('out')).toBeUndefined();
  });

  it('refuses a header whose checksum is wrong', async () => {
    const tar = buildTar([
      { name: 'a', data: 'a' },
      { name: 'b', data: 'b', checksumDelta: 1 },
    ]);
    await badInput(indexTar(file(tar)), /header at byte 1024 has a bad checksum/);
  });

  it('refuses truncated files: inside content, inside a header, without an end marker', async () => {
    const whole = buildTar([{ name: 'big', data: Buffer.alloc(4096, 7) }]);
    await badInput(indexTar(file(whole.subarray(0, 2000))), /claims 4096 bytes.*truncated/);
    await badInput(indexTar(file(whole.subarray(0, 300))), /truncated inside a header/);
    await badInput(indexTar(file(whole.subarray(0, 512 + 4096))), /without an end-of-archive/);
    await badInput(indexTar(file(Buffer.alloc(0))), /without an end-of-archive/);
  });

  it('refuses entries that escape the archive or are absolute', async () => {
    await badInput(indexTar(file(buildTar([{ name: '../evil', data: 'x' }]))), /escapes/);
    await badInput(indexTar(file(buildTar([{ name: 'a/../../evil', data: 'x' }]))), /escapes/);
    await badInput(indexTar(file(buildTar([{ name: '/etc/passwd', data: 'x' }]))), /absolute/);
    const viaPax = buildTar([
      { name: 'x', type: 'x', data: paxRecords({ path: 'ok/../../../evil' }) },
      { name: 'innocent', data: 'x' },
    ]);
    await badInput(indexTar(file(viaPax)), /escapes/);
  });

  it('refuses absurd sizes and malformed numbers', async () => {
    const header = tarHeader({ name: 'huge' }, 0);
    // GNU base-256: a size of 2^32 bytes in a file of a few blocks.
    header.fill(0, 124, 136);
    header[124] = 0x80;
    header[131] = 0x01;
    header.fill(0x20, 148, 156);
    let sum = 0;
    for (const byte of header) sum += byte;
    header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
    await badInput(
      indexTar(file(Buffer.concat([header, Buffer.alloc(1024)]))),
      /claims 4294967296 bytes/,
    );

    const paxSize = buildTar([
      { name: 'x', type: 'x', data: paxRecords({ size: '-5' }) },
      { name: 'y', data: '' },
    ]);
    await badInput(indexTar(file(paxSize)), /pax size/);
    const notOctal = tarHeader({ name: 'n' }, 0);
    notOctal.write('9999', 124, 'latin1');
    await badInput(indexTar(file(Buffer.concat([notOctal, Buffer.alloc(1024)]))), /checksum|octal/);
  });

  it('parses pax records strictly', () => {
    expect(parsePax(paxRecords({ path: 'a=b', size: '3' }), 't')).toEqual(
      new Map([
        ['path', 'a=b'],
        ['size', '3'],
      ]),
    );
    expect(() => parsePax(Buffer.from('99 path=x\n'), 't')).toThrow(/overruns/);
    expect(() => parsePax(Buffer.from('abc'), 't')).toThrow(ConsignError);
  });

  it('reports a missing file as NOT_FOUND', async () => {
    await expect(indexTar(join(scratch, 'absent.tar'))).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  describe.skipIf(!hasTar)('against archives written by GNU tar', () => {
    const longName = `${'n'.repeat(120)}/${'m'.repeat(110)}.bin`;
    const tree = join(scratch, 'tree');
    mkdirSync(join(tree, 'n'.repeat(120)), { recursive: true });
    writeFileSync(join(tree, longName), Buffer.alloc(1500, 9));
    writeFileSync(join(tree, 'small.txt'), 'small');

    for (const format of ['gnu', 'pax', 'ustar']) {
      it(`reads the ${format} format`, async () => {
        const out = join(scratch, `${format}.tar`);
        const names = format === 'ustar' ? ['small.txt'] : ['small.txt', longName];
        execFileSync('tar', [`--format=${format}`, '-cf', out, '-C', tree, ...names]);
        const index = await indexTar(out);
        expect(await text(index.stream(index.file('small.txt')!))).toBe('small');
        if (format !== 'ustar') {
          const entry = index.file(longName)!;
          expect(entry.size).toBe(1500);
          const bytes = Buffer.concat(await index.stream(entry).toArray());
          expect(bytes.equals(Buffer.alloc(1500, 9))).toBe(true);
        }
      });
    }
  });
});
