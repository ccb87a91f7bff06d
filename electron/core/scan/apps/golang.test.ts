import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  buildGoProgram,
  goBuildInfoBlob as blob,
  goUnavailable,
  goVersion,
} from '../../../../tests/support/scan-fixtures/go-binary';
import { GoBuildInfoFinder, goPackages, goPurl, parseModinfo, stdlibVersion } from './golang';

const MAGIC = Buffer.from('\xff Go buildinf:', 'latin1');
const ELF = Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]);

function feed(data: Buffer, chunk: number): GoBuildInfoFinder {
  const finder = new GoBuildInfoFinder();
  for (let i = 0; i < data.length; i += chunk) finder.write(data.subarray(i, i + chunk));
  return finder;
}

const MODINFO = [
  'path\texample.com/app/cmd/server',
  'mod\texample.com/app\tv1.4.0\th1:abc=',
  'dep\tgolang.org/x/text\tv0.3.7\th1:def=',
  'dep\tgithub.com/old/lib\tv1.0.0',
  '=>\tgithub.com/fork/lib\tv1.0.1\th1:ghi=',
  'dep\texample.com/local\tv0.0.0',
  '=>\t../local\t',
  'build\t-compiler=gc',
  '',
].join('\n');

describe('Go build information', () => {
  it('reads module lines, replacements and the toolchain', () => {
    const info = parseModinfo('go1.22.1', MODINFO);
    expect(info.path).toBe('example.com/app/cmd/server');
    expect(info.main).toEqual({ path: 'example.com/app', version: 'v1.4.0' });
    expect(goPackages(info, 'usr/bin/server').map((p) => p.purl)).toEqual([
      'pkg:golang/example.com/app@v1.4.0',
      'pkg:golang/golang.org/x/text@v0.3.7',
      // The fork with a version is what was built; a local folder keeps the original's version.
      'pkg:golang/github.com/fork/lib@v1.0.1',
      'pkg:golang/example.com/local@v0.0.0',
      'pkg:golang/stdlib@go1.22.1',
    ]);
    expect(goPurl('example.com/app', '(devel)')).toBe('pkg:golang/example.com/app@(devel)');
  });

  it('finds the blob in a stream split anywhere, past a false magic, in bounded state', () => {
    const fake = Buffer.concat([MAGIC, Buffer.from('this is rodata, not a header at all....')]);
    const data = Buffer.concat([
      ELF,
      Buffer.alloc(3000, 1),
      fake,
      Buffer.alloc(5000, 2),
      blob('go1.21.5', MODINFO),
      Buffer.alloc(4000, 3),
    ]);
    for (const chunk of [1, 2, 3, 7, 13, 14, 15, 27, 31, 32, 33, 4096, data.length]) {
      const finder = feed(data, chunk);
      expect(finder.result?.goVersion, `chunk ${chunk}`).toBe('go1.21.5');
      expect(finder.result?.deps.length, `chunk ${chunk}`).toBe(3);
    }
  });

  it('finds it under irregular chunking', () => {
    const data = Buffer.concat([ELF, Buffer.alloc(7000, 1), blob('go1.21.5', MODINFO)]);
    // A fixed pseudo-random sequence of chunk sizes, so a failure replays.
    let seed = 7;
    for (let round = 0; round < 50; round++) {
      const finder = new GoBuildInfoFinder();
      for (let i = 0; i < data.length;) {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        const size = 1 + (seed % 40);
        finder.write(data.subarray(i, i + size));
        i += size;
      }
      expect(finder.result?.goVersion, `round ${round}`).toBe('go1.21.5');
    }
  });

  it('ignores files that are not ELF and names binaries from before Go 1.18', () => {
    const notElf = Buffer.concat([Buffer.from('#!/bin/sh\n'), blob('go1.21.5', MODINFO)]);
    expect(feed(notElf, 64).result).toBeUndefined();
    const old = feed(Buffer.concat([ELF, blob('go1.17', MODINFO, 0)]), 64);
    expect(old.result).toBeUndefined();
    expect(old.problem).toMatch(/before 1\.18/);
    expect(feed(Buffer.concat([ELF, Buffer.alloc(100)]), 10).result).toBeUndefined();
  });

  it('spells the standard library version as OSV does', () => {
    expect(stdlibVersion('go1.19.8')).toBe('1.19.8');
    expect(stdlibVersion('go1.21')).toBe('1.21.0');
    expect(stdlibVersion('go1.21rc2')).toBe('1.21.0-rc.2');
  });
});

const noGo = goUnavailable();

describe.skipIf(noGo)(
  `a binary the real Go toolchain built${noGo ? ` (skipped: ${noGo})` : ''}`,
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'consign-go-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('reads what `go version -m` reads', () => {
      const program = buildGoProgram(dir);
      const data = readFileSync(program.binary);
      const finder = feed(data, 65536);
      expect(finder.result).toBeDefined();
      const info = finder.result!;
      // The oracle: the toolchain's own reading of the binary.
      const oracle = spawnSync('go', ['version', '-m', program.binary], { encoding: 'utf8' });
      expect(oracle.status, oracle.stderr).toBe(0);
      const lines = oracle.stdout.split('\n').map((l) => l.trim().split('\t'));
      expect(info.goVersion).toBe(goVersion());
      expect(lines[0]![0]).toContain(info.goVersion);
      const mod = lines.find((l) => l[0] === 'mod')!;
      expect(info.main).toEqual({ path: mod[1], version: mod[2] });
      expect(info.main).toEqual({ path: program.module, version: '(devel)' });
      const deps = lines.filter((l) => l[0] === 'dep').map((l) => ({ path: l[1], version: l[2] }));
      expect(info.deps).toEqual(deps);
      expect(info.deps).toEqual([program.dependency]);
      // The same binary behind an odd chunking still reads the same.
      expect(feed(data, 9973).result).toEqual(info);
    });
  },
);
