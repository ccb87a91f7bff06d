// Real Debian 12 advisories (tests/support/scan-fixtures/debian-advisories, made from the
// bookworm-security changelogs of the test image's packages) against the real image: the findings
// must be exactly those dpkg's own version comparison gives, no more and no fewer.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonOf, workspaceCli } from '../support/consign-cli';
import { installedDebs } from '../support/dpkg-oracle';
import { testEnv } from '../support/test-env';

const env = testEnv();
const FIXTURE = resolve('tests/support/scan-fixtures/debian-advisories');

interface Record {
  id: string;
  aliases: string[];
  affected: {
    package: { ecosystem: string; name: string };
    ranges: { events: { introduced?: string; fixed?: string }[] }[];
  }[];
}

interface ScanJson {
  vulnerabilities: { id: string; aliases: string[]; package: string; fixedVersion?: string }[];
}

/** dpkg's ordering, from dpkg itself. */
function dpkgLessThan(a: string, b: string): boolean {
  const result = spawnSync('dpkg', ['--compare-versions', a, 'lt', b]);
  if (result.status !== 0 && result.status !== 1) throw new Error(`dpkg: ${result.stderr}`);
  return result.status === 0;
}

describe.skipIf(!env.debianImage)('real Debian 12 advisories on the Debian test image', () => {
  let work: string;
  let home: string;
  let installed: { binary: string; source: string; sourceVersion: string }[];
  const consign = workspaceCli(() => home, { DOCKER_HOST: env.dockerHost }, 180_000);
  const records: Record[] = readdirSync(FIXTURE)
    .filter((name) => name.endsWith('.json'))
    .map((name) => JSON.parse(readFileSync(join(FIXTURE, name), 'utf8')) as Record);

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'consign-debian-advisories-'));
    home = join(work, 'home');
    installed = installedDebs(env.debianImage!, env.dockerHost).map((p) => ({
      binary: p.name,
      source: p.sourceName,
      sourceVersion: p.sourceVersion,
    }));
  }, 120_000);

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('the fixture is real Debian OSV data about the image', () => {
    expect(records.length).toBeGreaterThan(10);
    for (const record of records) {
      const cve = record.aliases.find((alias) => alias.startsWith('CVE-'));
      expect(record.id).toBe(`DEBIAN-${cve}`);
      for (const affected of record.affected) {
        expect(affected.package.ecosystem).toBe('Debian:12');
        expect(installed.some((p) => p.source === affected.package.name)).toBe(true);
      }
    }
  });

  it('reports exactly the advisories dpkg says affect the installed source versions', async () => {
    // The oracle: each installed binary whose source an advisory names is affected when its
    // source version is lower than the fixed one, by dpkg --compare-versions.
    const expected = new Set<string>();
    const unaffected = new Set<string>();
    for (const record of records) {
      const cve = record.aliases.find((alias) => alias.startsWith('CVE-'))!;
      for (const affected of record.affected) {
        const fixed = affected.ranges[0]!.events.find((event) => event.fixed)!.fixed!;
        for (const p of installed.filter((i) => i.source === affected.package.name)) {
          const line = `${cve} ${p.binary} ${fixed}`;
          if (dpkgLessThan(p.sourceVersion, fixed)) expected.add(line);
          else unaffected.add(line);
        }
      }
    }
    expect(
      expected.size,
      'No advisory of the fixture affects the image any more: it was probably rebuilt from a ' +
        'newer Debian point release. Regenerate the fixture with ' +
        'scripts/fixtures/debian-advisories.ts (see its README).',
    ).toBeGreaterThan(0);
    expect(unaffected.size, 'the fixture also has advisories fixed in the image').toBeGreaterThan(
      0,
    );

    jsonOf(await consign(['vulndb', 'import', FIXTURE, '--json']));
    const result = jsonOf<ScanJson>(
      await consign(['scan', `docker-daemon:${env.debianImage}`, '--json']),
    );
    const found = new Set(
      result.vulnerabilities.map((v) => `${v.id} ${v.package} ${v.fixedVersion}`),
    );
    expect([...found].sort()).toEqual([...expected].sort());
    // Each finding also names the Debian record it came from.
    for (const v of result.vulnerabilities) expect(v.aliases).toContain(`DEBIAN-${v.id}`);
    console.log(
      `debian advisories: ${records.length} records, ${expected.size} findings, ` +
        `${unaffected.size} fixed in the image`,
    );
  });
});
