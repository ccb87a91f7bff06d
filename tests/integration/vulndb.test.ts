// `consign vulndb import` and `status` on real OSV-shaped data: an all.zip as osv.dev publishes
// it, a damaged one, and what the workspace records about it.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../electron/core/db';
import { workspaceCli } from '../support/consign-cli';

/** DSA-5347-1 as osv.dev serves it for Debian:12 (abridged to the fields matching uses). */
const dsa = {
  id: 'DSA-5347-1',
  modified: new Date(Date.now() - 2 * 86_400_000).toISOString(),
  published: '2023-02-08T00:00:00Z',
  aliases: ['CVE-2022-37434'],
  summary: 'zlib - security update',
  affected: [
    {
      package: { ecosystem: 'Debian:12', name: 'zlib', purl: 'pkg:deb/debian/zlib?arch=source' },
      ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1:1.2.13.dfsg-1' }] }],
    },
  ],
};

const ghsa = {
  id: 'GHSA-p6mc-m468-83gw',
  modified: new Date(Date.now() - 86_400_000).toISOString(),
  aliases: ['CVE-2020-8203'],
  severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:H/A:H' }],
  affected: [
    {
      package: { ecosystem: 'npm', name: 'lodash' },
      ranges: [{ type: 'SEMVER', events: [{ introduced: '3.7.0' }, { fixed: '4.17.19' }] }],
    },
  ],
};

describe('consign vulndb', () => {
  let work: string;
  let home: string;

  const consign = workspaceCli(() => home);

  function zip(name: string, files: Record<string, unknown>): string {
    const path = join(work, name);
    const script =
      'import json,sys,zipfile\n' +
      "with zipfile.ZipFile(sys.argv[1],'w',zipfile.ZIP_DEFLATED) as z:\n" +
      '  [z.writestr(n, json.dumps(v)) for n, v in json.load(sys.stdin).items()]\n';
    const run = spawnSync('python3', ['-c', script, path], { input: JSON.stringify(files) });
    expect(run.status, run.stderr.toString()).toBe(0);
    return path;
  }

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'consign-vulndb-'));
    home = join(work, 'home');
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('says when no data is loaded', async () => {
    const status = await consign(['vulndb', 'status', '--json']);
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ records: 0, ecosystems: [], stale: true });
    const human = await consign(['vulndb', 'status']);
    expect(human.stdout).toMatch(/No vulnerability data is loaded/);
  });

  it('imports an all.zip, reports it, and records it in the audit log', async () => {
    const all = zip('all.zip', { 'DSA-5347-1.json': dsa, 'GHSA-p6mc-m468-83gw.json': ghsa });
    const imported = await consign(['vulndb', 'import', all, '--json']);
    expect(imported.code, imported.stderr).toBe(0);
    expect(JSON.parse(imported.stdout)).toMatchObject({
      imported: 2,
      ecosystems: ['Debian:12', 'npm'],
      kind: 'zip',
    });
    const status = JSON.parse((await consign(['vulndb', 'status', '--json'])).stdout) as {
      records: number;
      ecosystems: { name: string; records: number }[];
      builtAt: string;
      ageDays: number;
      stale: boolean;
    };
    expect(status).toMatchObject({ records: 2, ageDays: 1, stale: false });
    expect(status.ecosystems).toEqual([
      { name: 'Debian:12', records: 1 },
      { name: 'npm', records: 1 },
    ]);

    // Importing the same data again changes nothing.
    const again = JSON.parse((await consign(['vulndb', 'import', all, '--json'])).stdout) as {
      imported: number;
      unchanged: number;
    };
    expect(again).toMatchObject({ imported: 0, unchanged: 2 });

    const db = openDatabase(join(home, 'consign.db'));
    const events = db
      .prepare("SELECT subject, details FROM audit_events WHERE action = 'vulndb.imported'")
      .all() as { subject: string; details: string }[];
    db.close();
    expect(events).toHaveLength(2);
    expect(events[0]!.subject).toBe(all);
    expect(JSON.parse(events[0]!.details)).toMatchObject({ imported: 2, kind: 'zip' });
  });

  it('refuses a damaged zip and bad usage with exit 2, keeping the data it had', async () => {
    const broken = zip('broken.zip', { 'a.json': dsa, 'b.json': ghsa });
    const bytes = readFileSync(broken);
    writeFileSync(broken, bytes.subarray(0, bytes.length - 40));
    const damaged = await consign(['vulndb', 'import', broken]);
    expect(damaged.code).toBe(2);
    expect(damaged.stderr).toMatch(/nothing was imported/);

    const notOsv = join(work, 'not-osv.json');
    writeFileSync(notOsv, '{"hello":"world"}');
    const refused = await consign(['vulndb', 'import', notOsv]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/holds no OSV records/);

    expect((await consign(['vulndb', 'import'])).code).toBe(2);
    expect((await consign(['vulndb', 'frobnicate'])).code).toBe(2);
    const status = JSON.parse((await consign(['vulndb', 'status', '--json'])).stdout) as {
      records: number;
    };
    expect(status.records).toBe(2);
  });
});
