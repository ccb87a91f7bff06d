import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VulnDatabase } from './database';

const root = mkdtempSync(join(tmpdir(), 'consign-vulndb-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A Debian advisory shaped as osv.dev publishes them (source package, ECOSYSTEM range). */
function debianRecord(id: string, modified: string, fixed = '1.2.3-1+deb12u1') {
  return {
    schema_version: '1.6.0',
    id,
    modified,
    published: '2024-01-01T00:00:00Z',
    aliases: [`CVE-${id.slice(-4)}-0001`],
    summary: `${id} in zlib`,
    affected: [
      {
        package: { ecosystem: 'Debian:12', name: 'zlib', purl: 'pkg:deb/debian/zlib?arch=source' },
        ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed }] }],
        versions: ['1.2.13.dfsg-1'],
        database_specific: { urgency: 'high' },
      },
    ],
  };
}

const npmRecord = {
  id: 'GHSA-aaaa-bbbb-cccc',
  modified: '2026-11-20T10:00:00Z',
  aliases: ['CVE-2026-1111'],
  severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }],
  affected: [
    {
      package: { ecosystem: 'npm', name: 'left-pad' },
      ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '1.3.1' }] }],
    },
  ],
  database_specific: { severity: 'CRITICAL' },
};

/** Writes a zip with Python's zipfile (deflated), from name → text. */
function writeZip(path: string, files: Record<string, string>) {
  const script = `
import json, sys, zipfile
files = json.load(sys.stdin)
with zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED) as z:
    for name, text in files.items():
        z.writestr(name, text)
`;
  const run = spawnSync('python3', ['-c', script, path], { input: JSON.stringify(files) });
  expect(run.status, run.stderr.toString()).toBe(0);
}

describe('VulnDatabase import', () => {
  let dir: string;
  let db: VulnDatabase;

  beforeEach(() => {
    dir = mkdtempSync(join(root, 'ws-'));
    db = VulnDatabase.open(dir);
  });
  afterEach(() => db.close());

  it('imports an all.zip, indexes packages and aliases, and reports status and age', async () => {
    const zip = join(dir, 'all.zip');
    writeZip(zip, {
      'DSA-5001-1.json': JSON.stringify(debianRecord('DSA-5001-1', '2026-11-25T00:00:00Z')),
      'GHSA-aaaa-bbbb-cccc.json': JSON.stringify(npmRecord),
      'README.txt': 'not a record',
    });
    const progress: number[] = [];
    const result = await db.import(zip, { onProgress: (p) => progress.push(p.done) });
    expect(result).toMatchObject({ kind: 'zip', imported: 2, updated: 0, skipped: 0 });
    expect(result.ecosystems).toEqual(['Debian:12', 'npm']);
    expect(progress.at(-1)).toBe(3);

    const [affected] = db.affecting('Debian:12', 'zlib');
    expect(affected).toMatchObject({
      recordId: 'DSA-5001-1',
      purl: 'pkg:deb/debian/zlib?arch=source',
      ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1.2.3-1+deb12u1' }] }],
      versions: ['1.2.13.dfsg-1'],
      severity: [{ type: 'RATING', score: 'HIGH' }],
    });
    expect(db.affecting('npm', 'left-pad')[0]?.recordId).toBe('GHSA-aaaa-bbbb-cccc');
    expect(db.affecting('npm', 'right-pad')).toEqual([]);
    // The stored record is the imported JSON, reachable by its id or an alias.
    expect(db.record('CVE-2026-1111')).toEqual(npmRecord);

    const status = db.status(new Date('2026-11-28T00:00:00Z'));
    expect(status).toMatchObject({
      records: 2,
      ecosystems: [
        { name: 'Debian:12', records: 1 },
        { name: 'npm', records: 1 },
      ],
      dataAsOf: '2026-11-25T00:00:00Z',
      ageDays: 3,
      stale: false,
    });
    expect(status.builtAt).toEqual(expect.any(String));
    expect(db.status(new Date('2027-01-28T00:00:00Z'))).toMatchObject({ stale: true, ageDays: 64 });
    expect(db.status(new Date('2027-01-28T00:00:00Z')).warning).toMatch(/64 days old/);
  });

  it('keeps the newer version of a record and replaces its affected packages', async () => {
    const folder = join(dir, 'osv');
    mkdirSync(join(folder, 'nested'), { recursive: true });
    writeFileSync(
      join(folder, 'DSA-5002-1.json'),
      JSON.stringify(debianRecord('DSA-5002-1', '2026-10-01T00:00:00Z', '1.0-1')),
    );
    expect(await db.import(folder)).toMatchObject({ kind: 'folder', imported: 1 });

    writeFileSync(
      join(folder, 'nested', 'newer.json'),
      JSON.stringify(debianRecord('DSA-5002-1', '2026-11-01T00:00:00Z', '2.0-1')),
    );
    // The folder now holds the old and the new version: the new one wins whatever the order.
    const again = await db.import(folder);
    expect(again).toMatchObject({ updated: 1, unchanged: 1 });
    const ranges = db.affecting('Debian:12', 'zlib');
    expect(ranges).toHaveLength(1);
    expect(ranges[0]!.ranges[0]!.events).toContainEqual({ fixed: '2.0-1' });

    const file = join(dir, 'single.json');
    writeFileSync(
      file,
      JSON.stringify([npmRecord, debianRecord('DSA-5003-1', '2026-11-02T00:00:00Z')]),
    );
    expect(await db.import(file)).toMatchObject({ kind: 'file', imported: 2 });
    expect(db.status().records).toBe(3);
  });

  it('skips malformed entries with reasons and imports the rest', async () => {
    const zip = join(dir, 'mixed.zip');
    writeZip(zip, {
      'good.json': JSON.stringify(npmRecord),
      'not-json.json': '{"id": "X",',
      'no-modified.json': JSON.stringify({ id: 'OSV-1' }),
      'bad-event.json': JSON.stringify({
        ...npmRecord,
        id: 'GHSA-bad',
        affected: [
          {
            package: { ecosystem: 'npm', name: 'x' },
            ranges: [{ type: 'SEMVER', events: [{ fixed: '1', introduced: '0' }] }],
          },
        ],
      }),
    });
    const result = await db.import(zip);
    expect(result.imported).toBe(1);
    expect(result.skipped).toBe(3);
    expect(result.skippedReasons).toEqual(
      expect.arrayContaining([
        { entry: 'not-json.json', reason: 'it is not JSON' },
        { entry: 'no-modified.json', reason: 'OSV-1 has no valid "modified" time' },
        expect.objectContaining({
          entry: 'bad-event.json',
          reason: expect.stringMatching(/event 0/),
        }),
      ]),
    );
    expect(db.affecting('npm', 'x')).toEqual([]);
  });

  it('refuses a source with no records, a damaged zip and a missing path, and keeps what it had', async () => {
    await db.import(join(writeJson('keep.json', npmRecord)));
    const before = db.status().records;

    await expect(db.import(writeJson('empty.json', { hello: 'world' }))).rejects.toThrow(
      /holds no OSV records \(.*it has no id\); nothing was imported/,
    );
    const damaged = join(dir, 'damaged.zip');
    writeZip(damaged, {
      'a.json': JSON.stringify(debianRecord('DSA-6001-1', '2026-11-01T00:00:00Z')),
      'b.json': JSON.stringify(debianRecord('DSA-6002-1', '2026-11-01T00:00:00Z')),
    });
    const bytes = readFileSync(damaged);
    writeFileSync(damaged, bytes.subarray(0, bytes.length - 30));
    await expect(db.import(damaged)).rejects.toMatchObject({
      code: 'BAD_INPUT',
      message: expect.stringMatching(/nothing was imported/),
    });
    await expect(db.import(join(dir, 'missing.zip'))).rejects.toThrow(/cannot be read/);
    expect(db.status().records).toBe(before);
    expect(db.affecting('Debian:12', 'zlib')).toEqual([]);
  });

  it('stops a zip whose entry inflates beyond what it declares, and leaves the database as it was', async () => {
    const bomb = join(dir, 'bomb.zip');
    // 64 MiB of zeros deflate to a few KiB; then the declared sizes are rewritten to 1 KiB.
    const script = `
import sys, zipfile, struct
with zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED) as z:
    z.writestr('first.json', ${JSON.stringify(JSON.stringify(npmRecord))})
    z.writestr('bomb.json', b'0' * (64 * 1024 * 1024))
data = bytearray(open(sys.argv[1], 'rb').read())
for sig, off in ((b'PK\\x03\\x04', 22), (b'PK\\x01\\x02', 24)):
    i = data.find(sig)
    while i >= 0:
        name_len_off = 26 if sig == b'PK\\x03\\x04' else 28
        name_start = i + (30 if sig == b'PK\\x03\\x04' else 46)
        n = struct.unpack_from('<H', data, i + name_len_off)[0]
        if bytes(data[name_start:name_start + n]) == b'bomb.json':
            struct.pack_into('<I', data, i + off, 1024)
        i = data.find(sig, i + 4)
open(sys.argv[1], 'wb').write(data)
`;
    const run = spawnSync('python3', ['-c', script, bomb]);
    expect(run.status, run.stderr.toString()).toBe(0);
    await expect(db.import(bomb)).rejects.toThrow(/is damaged at bomb\.json/);
    expect(db.status().records).toBe(0);
  });

  it('skips an entry that declares more than any record could be', async () => {
    const big = join(dir, 'big.zip');
    writeZip(big, {
      'ok.json': JSON.stringify(npmRecord),
      'huge.json': ' '.repeat(9 * 1024 * 1024),
    });
    const result = await db.import(big);
    expect(result.imported).toBe(1);
    expect(result.skippedReasons[0]).toEqual({
      entry: 'huge.json',
      reason: expect.stringMatching(/inflates to 9437184 bytes/),
    });
  });

  function writeJson(name: string, value: unknown): string {
    const file = join(dir, name);
    writeFileSync(file, JSON.stringify(value));
    return file;
  }
});

describe('VulnDatabase blocklists and sub-ecosystems', () => {
  let dir: string;
  let db: VulnDatabase;

  beforeEach(() => {
    dir = mkdtempSync(join(root, 'bl-'));
    db = VulnDatabase.open(dir);
  });
  afterEach(() => db.close());

  const hash = (c: string) => c.repeat(64);

  it('imports a blocklist by its content, counts it in status and finds its hashes', async () => {
    const list = join(dir, 'hashes.txt');
    writeFileSync(list, `# feed\n${hash('e')} Evil one\n${hash('1')}\n${hash('A')},Upper\n`);
    expect(db.blocklistChangedAt()).toBeUndefined();
    const result = await db.import(list);
    expect(result).toMatchObject({ kind: 'blocklist', imported: 3, updated: 0, unchanged: 0 });
    expect(db.status().blocklist).toBe(3);
    expect(db.blocklistChangedAt()).toBeDefined();
    const lookup = db.blocklistLookup();
    expect(lookup.size).toBe(3);
    expect(lookup.find(hash('e'))).toEqual({ name: 'Evil one' });
    expect(lookup.find(hash('1'))).toEqual({});
    expect(lookup.find(hash('a'))).toEqual({ name: 'Upper' });
    expect(lookup.find(hash('b'))).toBeUndefined();
    expect(lookup.find(hash('0'))).toBeUndefined();
    expect(lookup.find(hash('f'))).toBeUndefined();
    // Again, with one name changed: nothing new, one updated.
    writeFileSync(list, `${hash('e')} Evil one\n${hash('1')} Named now\n`);
    expect(await db.import(list)).toMatchObject({ imported: 0, updated: 1, unchanged: 1 });
    expect(db.status().blocklist).toBe(3);
  });

  it('refuses a blocklist with a malformed line and stores nothing of it', async () => {
    const list = join(dir, 'bad.txt');
    writeFileSync(list, `${hash('e')} fine\n${hash('f')} fine too\nzz${hash('1')}\n`);
    await expect(db.import(list)).rejects.toMatchObject({
      code: 'BAD_INPUT',
      message: expect.stringMatching(/bad\.txt line 3 .*nothing was imported/) as unknown,
    });
    expect(db.status().blocklist).toBe(0);
    expect(db.blocklistLookup().size).toBe(0);
    const empty = join(dir, 'empty.txt');
    writeFileSync(empty, '# only a comment\n');
    await expect(db.import(empty)).rejects.toThrow(/lists no SHA-256 hashes/);
  });

  it('matches an OS ecosystem against its sub-ecosystems, not its neighbours', async () => {
    const record = (id: string, ecosystem: string) => ({
      id,
      modified: '2026-11-20T00:00:00Z',
      affected: [
        {
          package: { ecosystem, name: 'openssl' },
          ranges: [
            { type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1:3.0.7-1.el9' }] },
          ],
        },
      ],
    });
    const file = join(dir, 'rh.json');
    writeFileSync(
      file,
      JSON.stringify([
        record('RHSA-1', 'Red Hat:enterprise_linux:9::appstream'),
        record('RHSA-2', 'Red Hat:enterprise_linux:9::baseos'),
        record('RHSA-3', 'Red Hat:enterprise_linux:90::baseos'),
        record('RHSA-4', 'Red Hat:enterprise_linux:8::baseos'),
        record('ALSA-1', 'AlmaLinux:9'),
      ]),
    );
    await db.import(file);
    const ids = (ecosystem: string) =>
      db
        .affecting(ecosystem, 'openssl')
        .map((a) => a.recordId)
        .sort();
    expect(ids('Red Hat:enterprise_linux:9')).toEqual(['RHSA-1', 'RHSA-2']);
    expect(ids('AlmaLinux:9')).toEqual(['ALSA-1']);
    expect(ids('AlmaLinux:8')).toEqual([]);
  });
});
