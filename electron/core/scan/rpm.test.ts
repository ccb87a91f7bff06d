import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSqlite } from '../db';
import { FileView, type FileMeta } from './layers';
import {
  parseRpmHeader,
  parseSourceRpm,
  readRpmDatabase,
  rpmPackage,
  RpmDatabases,
  type RpmHeader,
} from './rpm';

const work = mkdtempSync(join(tmpdir(), 'consign-rpm-unit-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

type Value = { string: string } | { int32: number } | { strings: string[] } | { bin: Buffer };

/** An rpm header blob as rpmdb stores it: index entries, then the data store. */
function headerBlob(tags: [number, Value][]): Buffer {
  const index: Buffer[] = [];
  const store: Buffer[] = [];
  let length = 0;
  const entry = (tag: number, type: number, offset: number, count: number) => {
    const e = Buffer.alloc(16);
    e.writeInt32BE(tag, 0);
    e.writeUInt32BE(type, 4);
    e.writeInt32BE(offset, 8);
    e.writeUInt32BE(count, 12);
    index.push(e);
  };
  for (const [tag, value] of tags) {
    if ('int32' in value) {
      const pad = (4 - (length % 4)) % 4;
      store.push(Buffer.alloc(pad));
      length += pad;
      const b = Buffer.alloc(4);
      b.writeUInt32BE(value.int32);
      entry(tag, 4, length, 1);
      store.push(b);
      length += 4;
    } else if ('string' in value) {
      entry(tag, 6, length, 1);
      const b = Buffer.from(`${value.string}\0`);
      store.push(b);
      length += b.length;
    } else if ('strings' in value) {
      entry(tag, 8, length, value.strings.length);
      const b = Buffer.from(value.strings.map((s) => `${s}\0`).join(''));
      store.push(b);
      length += b.length;
    } else {
      entry(tag, 7, length, value.bin.length);
      store.push(value.bin);
      length += value.bin.length;
    }
  }
  const head = Buffer.alloc(8);
  head.writeUInt32BE(index.length, 0);
  head.writeUInt32BE(length, 4);
  return Buffer.concat([head, ...index, ...store]);
}

function packageHeader(name: string, extra: [number, Value][] = []): Buffer {
  return headerBlob([
    [63, { bin: Buffer.alloc(16) }],
    [1000, { string: name }],
    [1001, { string: '1.2.3' }],
    [1002, { string: '4.el9' }],
    [1014, { string: 'MIT' }],
    [1022, { string: 'x86_64' }],
    [1044, { string: `${name}-src-1.2.3-4.el9.src.rpm` }],
    ...extra,
  ]);
}

function sqliteDb(path: string, blobs: Buffer[]): void {
  const db = new (loadSqlite().DatabaseSync)(path);
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)');
  const insert = db.prepare('INSERT INTO Packages (blob) VALUES (?)');
  for (const blob of blobs) insert.run(blob);
  db.close();
}

function meta(path: string, layer = 0): FileMeta {
  return { path, type: 'file', size: 0, mode: 0o644, uid: 0, gid: 0, layer };
}

describe('rpm headers', () => {
  it('reads name, epoch, version, release, arch, license and source rpm', () => {
    const header = parseRpmHeader(packageHeader('bash', [[1003, { int32: 2 }]]));
    expect(header).toEqual<RpmHeader>({
      name: 'bash',
      version: '1.2.3',
      release: '4.el9',
      epoch: 2,
      arch: 'x86_64',
      license: 'MIT',
      sourceRpm: 'bash-src-1.2.3-4.el9.src.rpm',
    });
  });

  it('says why a damaged header cannot be read', () => {
    const blob = packageHeader('bash');
    expect(parseRpmHeader(blob.subarray(0, 40))).toBe('it is shorter than its index says');
    expect(parseRpmHeader(Buffer.alloc(4))).toBe('the header is shorter than its preamble');
    const noName = headerBlob([[1001, { string: '1' }]]);
    expect(parseRpmHeader(noName)).toBe('it has no name, version or release');
    const outside = Buffer.from(blob);
    outside.writeInt32BE(1_000_000, 8 + 16 + 8); // the name's offset
    expect(parseRpmHeader(outside)).toBe('tag 1000 points outside the data');
  });

  it('splits source rpm file names at their last two hyphens', () => {
    expect(parseSourceRpm('glibc-langpack-2.34-100.el9.src.rpm')).toEqual({
      name: 'glibc-langpack',
      version: '2.34',
      release: '100.el9',
    });
    expect(parseSourceRpm('nonsense')).toBeUndefined();
  });

  it('writes the package URL with the epoch in the version and the distro', () => {
    const header = parseRpmHeader(packageHeader('openssl-libs', [[1003, { int32: 1 }]]));
    if (typeof header === 'string') throw new Error(header);
    const pkg = rpmPackage(header, { id: 'rocky', versionId: '9.3' }, 'var/lib/rpm/rpmdb.sqlite');
    expect(pkg).toEqual({
      type: 'rpm',
      name: 'openssl-libs',
      version: '1:1.2.3-4.el9',
      purl: 'pkg:rpm/rocky/openssl-libs@1%3A1.2.3-4.el9?arch=x86_64&distro=rocky-9.3',
      source: { name: 'openssl-libs-src', version: '1:1.2.3-4.el9' },
      path: '/var/lib/rpm/rpmdb.sqlite',
    });
  });
});

describe('rpm databases', () => {
  it('lists the packages of a WAL-mode rpmdb.sqlite and notes damaged headers', () => {
    const file = join(work, 'wal.sqlite');
    sqliteDb(file, [packageHeader('a'), Buffer.from('junk'), packageHeader('b')]);
    const read = readRpmDatabase(file);
    if (typeof read === 'string') throw new Error(read);
    expect(read.headers.map((h) => h.name)).toEqual(['a', 'b']);
    expect(read.damaged).toBe(1);
    expect(read.firstError).toBe('the header is shorter than its preamble');
  });

  it('refuses a file that is not SQLite, or not an rpm database', () => {
    const junk = join(work, 'junk.sqlite');
    writeFileSync(junk, Buffer.alloc(4096, 7));
    expect(readRpmDatabase(junk)).toBe('it is not an SQLite database');
    const other = join(work, 'other.sqlite');
    const db = new (loadSqlite().DatabaseSync)(other);
    db.exec('CREATE TABLE t (x)');
    db.close();
    expect(readRpmDatabase(other)).toMatch(/no such table: Packages/);
  });

  it('keeps only the final layer’s copy, follows the var/lib/rpm link and cleans up', async () => {
    const source = join(work, 'layer.sqlite');
    sqliteDb(source, [packageHeader('kept'), packageHeader('gpg-pubkey')]);
    const { readFileSync } = await import('node:fs');
    const bytes = readFileSync(source);
    const dbs = new RpmDatabases();
    const view = new FileView();
    const real = 'usr/lib/sysimage/rpm/rpmdb.sqlite';
    for (const layer of [0, 1]) {
      const sink = dbs.sink(meta(real, layer))!;
      // The lower layer's copy is a different (damaged) file; the upper one replaces it.
      sink.write(layer === 0 ? Buffer.alloc(100) : bytes.subarray(0, 1000));
      if (layer === 1) sink.write(bytes.subarray(1000));
      await sink.end();
      view.files.set(real, meta(real, layer));
    }
    view.files.set('var/lib/rpm', {
      ...meta('var/lib/rpm'),
      type: 'symlink',
      linkname: '../../usr/lib/sysimage/rpm',
    });
    expect(dbs.sink(meta('etc/passwd'))).toBeUndefined();
    const found = dbs.packages(view, { id: 'fedora', versionId: '40' });
    expect(found.skipped).toEqual([]);
    expect(found.packages.map((p) => [p.name, p.path])).toEqual([['kept', `/${real}`]]);
    dbs.dispose();
  });

  it('stops copying past the size bound and says so', async () => {
    const dbs = new RpmDatabases(1024);
    const view = new FileView();
    const path = 'var/lib/rpm/rpmdb.sqlite';
    const sink = dbs.sink(meta(path))!;
    sink.write(Buffer.alloc(600));
    sink.write(Buffer.alloc(600));
    await sink.end();
    view.files.set(path, meta(path));
    expect(dbs.packages(view, undefined).skipped).toEqual([
      {
        path: '/var/lib/rpm/rpmdb.sqlite',
        reason: 'the rpm database is larger than 1024 bytes; its rpm packages are not listed',
      },
    ]);
    dbs.dispose();
  });

  it('names BerkeleyDB and ndb databases it does not read', () => {
    const view = new FileView();
    view.files.set('var/lib/rpm/Packages', meta('var/lib/rpm/Packages'));
    view.files.set('usr/lib/sysimage/rpm/Packages.db', meta('usr/lib/sysimage/rpm/Packages.db'));
    const dbs = new RpmDatabases();
    expect(dbs.packages(view, undefined)).toEqual({
      packages: [],
      skipped: [
        {
          path: '/var/lib/rpm/Packages',
          reason:
            "this image's rpm database is in BerkeleyDB format, which Consign does not read; its rpm packages are not listed",
        },
        {
          path: '/usr/lib/sysimage/rpm/Packages.db',
          reason:
            "this image's rpm database is in ndb format, which Consign does not read; its rpm packages are not listed",
        },
      ],
    });
  });
});
