// `consign scan` on a real Debian 12 image (debootstrap minbase, imported into the test engine):
// its package inventory must equal what dpkg-query says inside the container, and OSV records
// about its source packages are matched with dpkg's ordering.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import Docker from 'dockerode';
import type { Log } from 'sarif';
import { buildImage } from '../support/docker-build';
import { jsonOf, workspaceCli } from '../support/consign-cli';
import { cycloneDxSchemaErrors } from '../support/cyclonedx-schema';
import { installedDebs, type InstalledDeb } from '../support/dpkg-oracle';
import { testEnv } from '../support/test-env';

const env = testEnv();

interface ScanJson {
  image: { digest: string; os?: { id: string; versionId?: string; ecosystem?: string } };
  packages: {
    type: string;
    name: string;
    version: string;
    purl: string;
    source?: { name: string; version: string };
  }[];
  vulnerabilities: {
    id: string;
    aliases: string[];
    package: string;
    installedVersion: string;
    fixedVersion?: string;
    severity: string;
  }[];
  baseline: { id: string; severity: string; title: string; details: string[] }[];
  secrets: { rule: string; path: string; line: number }[];
  malware: { rule: string; path: string; sha256: string }[];
  summary: { packages: number; vulnerabilities: Record<string, number> };
  database: { records: number; stale: boolean; warning?: string };
}

interface PolicyJson {
  verdict: 'pass' | 'block';
  reasons: { kind: string; id: string; package?: string; path?: string; why: string }[];
  warnings: { id: string }[];
  allowed: { id: string; justification: string; expires: string }[];
  expiredAllowances: { id: string; expires: string }[];
}

describe.skipIf(!env.debianImage)('consign scan of a Debian 12 image', () => {
  let work: string;
  let home: string;
  let installed: InstalledDeb[];

  const consign = workspaceCli(() => home, { DOCKER_HOST: env.dockerHost }, 180_000);

  const json = jsonOf;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'consign-scan-'));
    home = join(work, 'home');
    // The oracle: dpkg itself, inside a container of the image.
    installed = installedDebs(env.debianImage!, env.dockerHost);
    expect(installed.length).toBeGreaterThan(50);
  }, 120_000);

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('lists exactly the packages dpkg-query lists, with source packages and purls', async () => {
    const result = json<ScanJson>(
      await consign(['scan', `docker-daemon:${env.debianImage}`, '--json']),
    );
    expect(result.image.os).toMatchObject({
      id: 'debian',
      versionId: '12',
      ecosystem: 'Debian:12',
    });
    const ours = result.packages
      .map((p) => `${p.name} ${p.version} ${p.source?.name} ${p.source?.version}`)
      .sort();
    const theirs = installed
      .map((p) => `${p.name} ${p.version} ${p.sourceName} ${p.sourceVersion}`)
      .sort();
    expect(ours).toEqual(theirs);
    expect(result.packages.every((p) => p.type === 'deb')).toBe(true);
    const libc = result.packages.find((p) => p.name === 'libc6');
    expect(libc?.purl).toMatch(/^pkg:deb\/debian\/libc6@[^?]+\?arch=amd64&distro=debian-12$/);
    expect(result.database).toMatchObject({ records: 0, stale: true });
    // No false alarms on a plain Debian system.
    expect(result.secrets).toEqual([]);
    expect(result.malware).toEqual([]);
    // debootstrap's image: root, Debian's setuid tools (su, mount...), no healthcheck, no labels.
    const baseline = new Map(result.baseline.map((b) => [b.id, b]));
    expect([...baseline.keys()]).toEqual([
      'CONSIGN-BASE-001',
      'CONSIGN-BASE-005',
      'CONSIGN-BASE-008',
      'CONSIGN-BASE-009',
    ]);
    expect(baseline.get('CONSIGN-BASE-005')!.details).toEqual(
      expect.arrayContaining(['/usr/bin/su (setuid)', '/usr/bin/mount (setuid)']),
    );
    console.log(`scan: ${result.packages.length} packages, as dpkg-query lists them`);
  });

  it('flags the advisories that affect installed source versions, with their fixed versions', async () => {
    // OSV records in Debian's shape about three of the image's source packages, built from the
    // versions actually installed: one fixed after them (affected), one fixed in exactly them
    // (not affected), one never fixed (affected, no fix). Ids are marked as test data.
    const bySource = new Map(installed.map((p) => [p.sourceName, p]));
    const pick = (name: string) => {
      const p = bySource.get(name);
      expect(p, `${name} is in the image`).toBeDefined();
      return p!;
    };
    const glibc = pick('glibc');
    const zlib = pick('zlib');
    const perl = pick('perl');
    const laterFix = `${glibc.sourceVersion}+deb12u99`;
    const record = (id: string, name: string, events: object[], extra: object = {}) => ({
      id,
      modified: new Date().toISOString(),
      aliases: [`CVE-2099-${id.slice(-4)}`],
      affected: [
        {
          package: { ecosystem: 'Debian:12', name, purl: `pkg:deb/debian/${name}?arch=source` },
          ranges: [{ type: 'ECOSYSTEM', events }],
        },
      ],
      ...extra,
    });
    const folder = join(work, 'osv');
    spawnSync('mkdir', ['-p', folder]);
    const records = [
      record('CONSIGN-TEST-0001', 'glibc', [{ introduced: '0' }, { fixed: laterFix }], {
        severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H' }],
      }),
      record('CONSIGN-TEST-0002', 'zlib', [{ introduced: '0' }, { fixed: zlib.sourceVersion }]),
      record('CONSIGN-TEST-0003', 'perl', [{ introduced: '0' }], {
        database_specific: { urgency: 'low' },
      }),
    ];
    for (const r of records) writeFileSync(join(folder, `${r.id}.json`), JSON.stringify(r));
    json(await consign(['vulndb', 'import', folder, '--json']));

    const result = json<ScanJson>(
      await consign(['scan', `docker-daemon:${env.debianImage}`, '--json']),
    );
    const found = new Map<string, ScanJson['vulnerabilities']>();
    for (const v of result.vulnerabilities) found.set(v.id, [...(found.get(v.id) ?? []), v]);

    const glibcBinaries = installed.filter((p) => p.sourceName === 'glibc').map((p) => p.name);
    const glibcHits = found.get('CVE-2099-0001') ?? [];
    expect(glibcHits.map((v) => v.package).sort()).toEqual(glibcBinaries.sort());
    expect(glibcHits[0]).toMatchObject({
      aliases: ['CONSIGN-TEST-0001'],
      fixedVersion: laterFix,
      severity: 'HIGH',
    });
    expect(found.has('CVE-2099-0002')).toBe(false);
    const perlHits = found.get('CVE-2099-0003') ?? [];
    expect(perlHits.length).toBeGreaterThan(0);
    expect(perlHits[0]).not.toHaveProperty('fixedVersion');
    expect(perlHits[0]!.severity).toBe('LOW');
    expect(perl.sourceVersion).toBeTruthy();

    // --fail-on: high blocks (exit 1), critical does not.
    expect(
      (await consign(['scan', `docker-daemon:${env.debianImage}`, '--fail-on', 'high', '--json']))
        .code,
    ).toBe(1);
    expect(
      (
        await consign([
          'scan',
          `docker-daemon:${env.debianImage}`,
          '--fail-on',
          'critical',
          '--json',
        ])
      ).code,
    ).toBe(0);
    const table = await consign(['scan', `docker-daemon:${env.debianImage}`]);
    expect(table.stdout).toMatch(/CVE-2099-0001\s+libc6/);
  });

  it('writes a CycloneDX 1.6 SBOM of the same packages and vulnerabilities, valid against the schema', async () => {
    const [scan, sbom] = await Promise.all([
      consign(['scan', `docker-daemon:${env.debianImage}`, '--json']),
      consign(['scan', `docker-daemon:${env.debianImage}`, '--format', 'cyclonedx']),
    ]);
    const result = json<ScanJson>(scan);
    expect(sbom.code, sbom.stderr).toBe(0);
    const bom = JSON.parse(sbom.stdout) as {
      specVersion: string;
      metadata: { component: { type: string; purl: string; hashes: { content: string }[] } };
      components: {
        type: string;
        name: string;
        version: string;
        purl?: string;
        'bom-ref': string;
      }[];
      vulnerabilities?: {
        id: string;
        ratings: { severity: string; method: string }[];
        recommendation?: string;
        affects: { ref: string }[];
      }[];
    };
    expect(cycloneDxSchemaErrors(bom)).toEqual([]);
    expect(bom.specVersion).toBe('1.6');
    expect(bom.metadata.component.type).toBe('container');
    expect(bom.metadata.component.purl).toContain(`@${encodeURIComponent(result.image.digest)}`);
    expect(bom.metadata.component.hashes[0]!.content).toBe(result.image.digest.slice(7));
    const libraries = bom.components.filter((c) => c.type === 'library');
    expect(libraries.map((c) => `${c.name} ${c.version} ${c.purl}`).sort()).toEqual(
      result.packages.map((p) => `${p.name} ${p.version} ${p.purl}`).sort(),
    );
    expect(bom.components.find((c) => c.type === 'operating-system')).toMatchObject({
      name: 'debian',
      version: '12',
    });
    // The advisories imported above: one entry per vulnerability, affecting every binary package.
    const glibc = bom.vulnerabilities?.find((v) => v.id === 'CVE-2099-0001');
    const refOf = new Map(libraries.map((c) => [c['bom-ref'], c.name]));
    expect(glibc?.affects.map((a) => refOf.get(a.ref)).sort()).toEqual(
      installed
        .filter((p) => p.sourceName === 'glibc')
        .map((p) => p.name)
        .sort(),
    );
    expect(glibc?.ratings).toEqual([
      expect.objectContaining({ severity: 'high', method: 'CVSSv31' }),
    ]);
    expect(glibc?.recommendation).toMatch(/to \S+\+deb12u99 or later\.$/);
    console.log(
      `cyclonedx: ${libraries.length} components, ${bom.vulnerabilities?.length ?? 0} vulnerabilities, ${sbom.stdout.length} bytes`,
    );
  });

  it('refuses bad usage with exit 2', async () => {
    expect(
      (await consign(['scan', `docker-daemon:${env.debianImage}`, '--fail-on', 'severe'])).code,
    ).toBe(2);
    expect(
      (await consign(['scan', `docker-daemon:${env.debianImage}`, '--format', 'xml'])).code,
    ).toBe(2);
    expect((await consign(['scan', 'not a reference'])).code).toBe(2);
  });
});

describe('consign scan of an image with planted problems', () => {
  let work: string;
  const ref = 'consign-test/planted:1';
  const awsKey = `AKIA${randomBytes(8).toString('hex').toUpperCase()}`;
  const buildToken = `tok-${randomBytes(8).toString('hex')}`;
  const envPassword = `pw-${randomBytes(8).toString('hex')}`;

  const consign = workspaceCli(() => join(work, 'home'), { DOCKER_HOST: env.dockerHost }, 120_000);

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'consign-scan-planted-'));
    const docker = new Docker({ socketPath: env.dockerSocket });
    // Split so that this test file is not itself a test virus or a private key.
    const eicar = [
      'X5O!P%@AP[4\\PZX54(P^)7CC)7}$',
      'EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*',
    ].join('');
    const key = `-----BEGIN ${'OPENSSH PRIVATE'} KEY-----\n${randomBytes(120).toString('base64')}\n-----END OPENSSH PRIVATE KEY-----\n`;
    await buildImage(
      docker,
      ref,
      [
        `FROM ${env.baseImage}`,
        'ARG DEPLOY_TOKEN',
        `ENV DB_PASSWORD=${envPassword}`,
        'COPY eicar.com /tmp/eicar.com',
        'COPY id_ed25519 /root/.ssh/id_ed25519',
        'COPY settings.env /app/settings.env',
        'COPY miner.json /opt/miner.json',
        'COPY deleted.env /app/deleted.env',
        // DEPLOY_TOKEN is used here, so the history keeps it; the deleted file's secret goes.
        'RUN echo "$DEPLOY_TOKEN" > /dev/null && chmod 4755 /bin/busybox && mkdir -p /srv && mkdir -m 777 /srv/drop && rm /app/deleted.env',
        'EXPOSE 22/tcp 8080/tcp',
      ].join('\n'),
      {
        'eicar.com': eicar,
        id_ed25519: key,
        'settings.env': `REGION=eu\nAWS_ACCESS_KEY_ID=${awsKey}\n`,
        'miner.json': '{"pools":[{"url":"stratum+tcp://pool.example.org:3333"}]}',
        'deleted.env': `GITHUB=ghp_${randomBytes(18).toString('hex')}\n`,
      },
      { DEPLOY_TOKEN: buildToken },
    );
  }, 180_000);

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('reports the malware, secrets and baseline problems, and never the secrets themselves', async () => {
    const result = await consign(['scan', `docker-daemon:${ref}`, '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).not.toContain(awsKey);
    expect(result.stdout).not.toContain(buildToken);
    expect(result.stdout).not.toContain(envPassword);
    const scan = JSON.parse(result.stdout) as ScanJson;
    expect(scan.malware.map((m) => [m.rule, m.path]).sort()).toEqual([
      ['coin-miner', '/opt/miner.json'],
      ['eicar-test-file', '/tmp/eicar.com'],
    ]);
    expect(scan.secrets.map((s) => [s.rule, s.path, s.line]).sort()).toEqual([
      ['aws-access-key-id', '/app/settings.env', 2],
      ['private-key', '/root/.ssh/id_ed25519', 1],
    ]);
    const baseline = new Map(scan.baseline.map((b) => [b.id, b.details]));
    expect(baseline.get('CONSIGN-BASE-001')).toEqual(['no USER set']);
    expect(baseline.get('CONSIGN-BASE-002')).toEqual(['ENV DB_PASSWORD']);
    expect(baseline.get('CONSIGN-BASE-003')).toEqual(['ARG DEPLOY_TOKEN']);
    expect(baseline.get('CONSIGN-BASE-005')).toEqual(['/bin/busybox (setuid)']);
    expect(baseline.get('CONSIGN-BASE-006')).toEqual(['/srv/drop']);
    expect(baseline.get('CONSIGN-BASE-007')).toEqual(['22/tcp (SSH)']);
  });
  it('writes SARIF with a rule and a located result for each planted problem', async () => {
    const first = await consign(['scan', `docker-daemon:${ref}`, '--format', 'sarif']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).not.toContain(awsKey);
    expect(first.stdout).not.toContain(envPassword);
    const log = JSON.parse(first.stdout) as Log;
    expect(log.version).toBe('2.1.0');
    expect(log.runs).toHaveLength(1);
    const run = log.runs[0]!;
    expect(run.tool.driver.name).toBe('Consign');
    const rules = run.tool.driver.rules!;
    const results = run.results!;
    for (const r of results) {
      expect(rules[r.ruleIndex!]!.id).toBe(r.ruleId);
      expect(r.message.text).toBeTruthy();
    }
    const located = (ruleId: string) =>
      results
        .filter((r) => r.ruleId === ruleId)
        .map((r) => {
          const at = r.locations![0]!.physicalLocation!;
          return `${at.artifactLocation!.uri}${at.region ? `:${at.region.startLine}` : ''}`;
        });
    expect(located('secret/aws-access-key-id')).toEqual(['app/settings.env:2']);
    expect(located('secret/private-key')).toEqual(['root/.ssh/id_ed25519:1']);
    expect(located('malware/eicar-test-file')).toEqual(['tmp/eicar.com']);
    expect(located('malware/coin-miner')).toEqual(['opt/miner.json']);
    expect(located('CONSIGN-BASE-005')).toEqual(['bin/busybox']);
    expect(located('CONSIGN-BASE-002')).toEqual(['consign-test/planted:1']);
    const severity = new Map(rules.map((r) => [r.id, r.properties?.['security-severity']]));
    expect(severity.get('malware/eicar-test-file')).toBe('9.5');
    expect(severity.get('CONSIGN-BASE-002')).toBe('8.0');
    // A second scan gives the same fingerprints.
    const second = JSON.parse(
      (await consign(['scan', `docker-daemon:${ref}`, '--format', 'sarif'])).stdout,
    ) as Log;
    const prints = (l: Log) =>
      l.runs[0]!.results!.map((r) => JSON.stringify(r.partialFingerprints));
    expect(prints(second)).toEqual(prints(log));
  });

  it('gates on a policy: secrets block, an allowance lets them through until it expires', async () => {
    const day = (offset: number) =>
      new Date(Date.now() + offset * 24 * 3600 * 1000).toISOString().slice(0, 10);
    const write = (name: string, policy: object) => {
      const file = join(work, name);
      writeFileSync(file, JSON.stringify(policy));
      return file;
    };
    const run = async (file: string, code: number) => {
      const result = await consign(['scan', `docker-daemon:${ref}`, '--policy', file, '--json']);
      expect(result.code, result.stderr).toBe(code);
      return (JSON.parse(result.stdout) as ScanJson & { policy: PolicyJson }).policy;
    };
    // Malware only warns here, so the secrets decide.
    const strict = write('strict.json', { malware: 'warn' });
    const blocked = await run(strict, 1);
    expect(blocked.verdict).toBe('block');
    expect(blocked.reasons.map((r) => [r.id, r.path]).sort()).toEqual([
      ['secret/aws-access-key-id', '/app/settings.env'],
      ['secret/private-key', '/root/.ssh/id_ed25519'],
    ]);
    expect(blocked.warnings.map((w) => w.id).sort()).toEqual([
      'malware/coin-miner',
      'malware/eicar-test-file',
    ]);

    const allowances = (expires: string) => [
      { id: 'secret/aws-access-key-id', justification: 'Revoked test key', expires: day(30) },
      {
        id: 'secret/private-key',
        justification: 'Throwaway key of the test image',
        expires,
        path: '/root/.ssh/id_ed25519',
      },
    ];
    const allowed = await run(
      write('allowed.json', { malware: 'warn', allow: allowances(day(1)) }),
      0,
    );
    expect(allowed.verdict).toBe('pass');
    expect(allowed.allowed.map((a) => a.id).sort()).toEqual([
      'secret/aws-access-key-id',
      'secret/private-key',
    ]);

    const expired = write('expired.json', { malware: 'warn', allow: allowances(day(-1)) });
    const again = await run(expired, 1);
    expect(again.reasons.map((r) => r.id)).toEqual(['secret/private-key']);
    expect(again.reasons[0]!.why).toContain(`expired after ${day(-1)}`);
    expect(again.expiredAllowances.map((a) => a.id)).toEqual(['secret/private-key']);

    // The table says it too; the SBOM and SARIF keep stdout to themselves, the verdict on stderr.
    const table = await consign(['scan', `docker-daemon:${ref}`, '--policy', expired]);
    expect(table.code).toBe(1);
    expect(table.stdout).toMatch(/policy:\s+BLOCK \(1 finding\)/);
    expect(table.stdout).toMatch(/expired allowance: secret\/private-key/);
    const sarif = await consign([
      'scan',
      `docker-daemon:${ref}`,
      '--format',
      'sarif',
      '--policy',
      strict,
    ]);
    expect(sarif.code).toBe(1);
    expect((JSON.parse(sarif.stdout) as Log).version).toBe('2.1.0');
    expect(sarif.stderr).toMatch(/policy: BLOCK \(2\)/);
  });

  it('refuses a malformed or missing policy with exit 2, naming the field', async () => {
    const file = join(work, 'broken.json');
    writeFileSync(file, JSON.stringify({ block: { severity: 'severe' }, allow: [{ id: 'x' }] }));
    const result = await consign(['scan', `docker-daemon:${ref}`, '--policy', file, '--json']);
    expect(result.code).toBe(2);
    const { error } = JSON.parse(result.stdout) as {
      error: { code: string; message: string; remedy: string };
    };
    expect(error.code).toBe('BAD_INPUT');
    expect(error.message).toContain('block.severity must be one of critical, high, medium, low');
    expect(error.message).toContain('allow[0].justification');
    expect(error.remedy).toBeTruthy();
    const yaml = join(work, 'broken.yaml');
    writeFileSync(yaml, 'secrets: [block\n');
    expect((await consign(['scan', `docker-daemon:${ref}`, '--policy', yaml])).code).toBe(2);
    expect(
      (await consign(['scan', `docker-daemon:${ref}`, '--policy', join(work, 'none.json')])).code,
    ).toBe(2);
  });
});
