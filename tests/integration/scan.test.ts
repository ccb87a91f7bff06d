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
import { buildImage } from '../support/docker-build';
import { runConsign, type CliResult } from '../support/consign-cli';
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

describe.skipIf(!env.debianImage)('consign scan of a Debian 12 image', () => {
  let work: string;
  let home: string;
  let installed: { name: string; version: string; sourceName: string; sourceVersion: string }[];

  const consign = (args: string[]) =>
    runConsign([...args, '--home', home], {
      env: {
        CONSIGN_KEYCHAIN_SERVICE: env.keychainService,
        DBUS_SESSION_BUS_ADDRESS: env.dbusSessionBusAddress,
        DOCKER_HOST: env.dockerHost,
      },
      timeoutMs: 180_000,
    });

  const json = <T>(result: CliResult, code = 0): T => {
    expect(result.code, result.stderr).toBe(code);
    return JSON.parse(result.stdout) as T;
  };

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'consign-scan-'));
    home = join(work, 'home');
    // The oracle: dpkg itself, inside a container of the image.
    const query = spawnSync(
      'docker',
      [
        'run',
        '--rm',
        '--network=none',
        env.debianImage!,
        'dpkg-query',
        '-W',
        '-f',
        '${Package}\\t${Version}\\t${source:Package}\\t${source:Version}\\n',
      ],
      { env: { ...process.env, DOCKER_HOST: env.dockerHost }, encoding: 'utf8' },
    );
    expect(query.status, query.stderr).toBe(0);
    installed = query.stdout
      .trim()
      .split('\n')
      .map((line) => {
        const [name, version, sourceName, sourceVersion] = line.split('\t') as [
          string,
          string,
          string,
          string,
        ];
        return { name, version, sourceName, sourceVersion };
      });
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

  const consign = (args: string[]) =>
    runConsign([...args, '--home', join(work, 'home')], {
      env: {
        CONSIGN_KEYCHAIN_SERVICE: env.keychainService,
        DBUS_SESSION_BUS_ADDRESS: env.dbusSessionBusAddress,
        DOCKER_HOST: env.dockerHost,
      },
      timeoutMs: 120_000,
    });

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
});
