// `consign scan` of images holding real rpm databases: rpms built here with rpmbuild, installed
// with rpm into a SQLite rpmdb, copied into an image with an rpm distribution's os-release. The
// scan's rpm inventory must equal what `rpm -qa` says of the same database, and OSV records
// written here must match by source and binary name with rpm's version ordering. Databases in
// formats Consign does not read, and a damaged one, give a note instead of failing the scan.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonOf, workspaceCli } from '../support/consign-cli';
import { buildImage } from '../support/docker-build';
import { testEnv } from '../support/test-env';

const env = testEnv();

function rpmMissing(): string | undefined {
  for (const tool of ['rpm', 'rpmbuild']) {
    if (spawnSync(tool, ['--version']).status !== 0) return `${tool} is not installed`;
  }
  return undefined;
}
const missing = rpmMissing();

interface ScanJson {
  image: { os?: { id: string; ecosystem?: string } };
  packages: {
    type: string;
    name: string;
    version: string;
    purl: string;
    source?: { name: string; version: string };
    path?: string;
  }[];
  vulnerabilities: {
    id: string;
    package: string;
    installedVersion: string;
    fixedVersion?: string;
  }[];
  skipped?: { path: string; reason: string }[];
}

function run(command: string, args: string[]): string {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr}${result.stdout}`);
  }
  return result.stdout;
}

/** Spec files of tiny noarch packages: an epoch, a sub-package of another source, plain ones. */
const SPECS: Record<string, string> = {
  'demo.spec': `Name: consign-demo
Version: 1.0
Release: 1.el9
Summary: Demo
License: MIT
BuildArch: noarch
%description
Demo.
%package libs
Summary: Demo libraries
%description libs
Libraries.
%files
%files libs
`,
  'epoch.spec': `Name: consign-epoch
Epoch: 3
Version: 2.4.1
Release: 7.el9_3
Summary: Epoch
License: ASL 2.0 and BSD
BuildArch: noarch
%description
Epoch.
%files
`,
  'tilde.spec': `Name: consign-tilde
Version: 0.9~rc1
Release: 0.1.el9
Summary: Tilde
License: GPL-2.0-or-later
BuildArch: noarch
%description
Tilde.
%files
`,
};

const ROCKY =
  'NAME="Rocky Linux"\nVERSION="9.3 (Blue Onyx)"\nID="rocky"\nID_LIKE="rhel centos fedora"\nVERSION_ID="9.3"\nPRETTY_NAME="Rocky Linux 9.3 (Blue Onyx)"\n';

function osvRecord(id: string, name: string, fixed: string) {
  return {
    id,
    modified: new Date().toISOString(),
    summary: `${id} in ${name}`,
    affected: [
      {
        package: { ecosystem: 'Rocky Linux:9', name },
        ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed }] }],
      },
    ],
  };
}

describe.skipIf(missing)(
  `consign scan of rpm images${missing ? ` (skipped: ${missing})` : ''}`,
  () => {
    let work: string;
    let dbpath: string;
    const docker = new Docker({ socketPath: env.dockerSocket });
    const refs = {
      sqlite: 'consign-test/rpm-sqlite:1',
      legacy: 'consign-test/rpm-legacy:1',
      damaged: 'consign-test/rpm-damaged:1',
    };
    const consign = workspaceCli(
      () => join(work, 'home'),
      { DOCKER_HOST: env.dockerHost },
      120_000,
    );

    beforeAll(async () => {
      work = mkdtempSync(join(tmpdir(), 'consign-scan-rpm-'));
      const top = join(work, 'rpmbuild');
      mkdirSync(join(top, 'SPECS'), { recursive: true });
      for (const [name, text] of Object.entries(SPECS)) {
        writeFileSync(join(top, 'SPECS', name), text);
        run('rpmbuild', ['--quiet', '--define', `_topdir ${top}`, '-bb', join(top, 'SPECS', name)]);
      }
      const rpms = readdirRpms(join(top, 'RPMS', 'noarch'));
      expect(rpms.length).toBe(4);
      dbpath = join(work, 'root', 'var', 'lib', 'rpm');
      mkdirSync(dbpath, { recursive: true });
      run('rpm', [
        '-i',
        '--nodeps',
        '--justdb',
        '--dbpath',
        dbpath,
        '--define',
        '_db_backend sqlite',
        ...rpms,
      ]);
      await buildImage(
        docker,
        refs.sqlite,
        'FROM scratch\nCOPY rpmdb.sqlite /usr/lib/sysimage/rpm/rpmdb.sqlite\nCOPY os-release /etc/os-release\n',
        { 'rpmdb.sqlite': readFileSync(join(dbpath, 'rpmdb.sqlite')), 'os-release': ROCKY },
      );
      // rpm before 4.16 kept a BerkeleyDB hash file (its magic 0x00061561 at byte 12); its ndb
      // backend a Packages.db starting "RpmP". This rpm builds neither, so their headers are
      // written as the formats define them.
      const bdb = Buffer.alloc(8192);
      bdb.writeUInt32LE(0x00061561, 12);
      const ndb = Buffer.alloc(4096);
      ndb.write('RpmP', 0, 'latin1');
      await buildImage(
        docker,
        refs.legacy,
        'FROM scratch\nCOPY Packages /var/lib/rpm/Packages\nCOPY Packages.db /usr/lib/sysimage/rpm/Packages.db\nCOPY os-release /etc/os-release\n',
        { Packages: bdb, 'Packages.db': ndb, 'os-release': ROCKY },
      );
      const damaged = Buffer.concat([
        Buffer.from('SQLite format 3\0', 'latin1'),
        Buffer.alloc(16 * 1024, 0xa5),
      ]);
      await buildImage(
        docker,
        refs.damaged,
        'FROM scratch\nCOPY rpmdb.sqlite /var/lib/rpm/rpmdb.sqlite\nCOPY os-release /etc/os-release\n',
        { 'rpmdb.sqlite': damaged, 'os-release': ROCKY },
      );
    });

    afterAll(async () => {
      for (const ref of Object.values(refs)) {
        await docker
          .getImage(ref)
          .remove({ force: true })
          .catch(() => undefined);
      }
      if (work) rmSync(work, { recursive: true, force: true });
    });

    function readdirRpms(dir: string): string[] {
      return run('find', [dir, '-name', '*.rpm']).trim().split('\n').filter(Boolean).sort();
    }

    it('lists exactly the packages rpm -qa lists, with purls and source rpms', async () => {
      const expected = run('rpm', [
        '-qa',
        '--dbpath',
        dbpath,
        '--qf',
        '%{NAME} %{EPOCHNUM}:%{VERSION}-%{RELEASE} %{ARCH} %{SOURCERPM}\\n',
      ])
        .trim()
        .split('\n')
        .sort();
      expect(expected.length).toBe(4);
      const scan = jsonOf<ScanJson>(
        await consign(['scan', `docker-daemon:${refs.sqlite}`, '--json', '--no-cache']),
      );
      expect(scan.image.os).toMatchObject({ id: 'rocky', ecosystem: 'Rocky Linux:9' });
      const rpms = scan.packages.filter((p) => p.type === 'rpm');
      const arch = (purl: string) => /[?&]arch=([^&]+)/.exec(purl)?.[1];
      const got = rpms
        .map((p) => {
          // rpm prints a missing epoch as 0; source rpm file names carry none.
          const version = p.version.includes(':') ? p.version : `0:${p.version}`;
          const source = `${p.source!.name}-${p.source!.version.replace(/^\d+:/, '')}.src.rpm`;
          return `${p.name} ${version} ${arch(p.purl)} ${source}`;
        })
        .sort();
      expect(got).toEqual(expected);
      const epoch = rpms.find((p) => p.name === 'consign-epoch')!;
      expect(epoch).toEqual({
        type: 'rpm',
        name: 'consign-epoch',
        version: '3:2.4.1-7.el9_3',
        purl: 'pkg:rpm/rocky/consign-epoch@3%3A2.4.1-7.el9_3?arch=noarch&distro=rocky-9.3',
        source: { name: 'consign-epoch', version: '3:2.4.1-7.el9_3' },
        path: '/usr/lib/sysimage/rpm/rpmdb.sqlite',
      });
      expect(rpms.find((p) => p.name === 'consign-demo-libs')!.source).toEqual({
        name: 'consign-demo',
        version: '1.0-1.el9',
      });
      expect(scan.skipped ?? []).toEqual([]);
    });

    it('matches Rocky Linux advisories by source and binary name with rpm ordering', async () => {
      const records = join(work, 'osv');
      mkdirSync(records, { recursive: true });
      const write = (record: ReturnType<typeof osvRecord>) =>
        writeFileSync(join(records, `${record.id}.json`), JSON.stringify(record));
      // By source name: both binary packages of consign-demo are affected.
      write(osvRecord('RLSA-2026:0001', 'consign-demo', '1.0-2.el9'));
      // Fixed before what is installed (the epoch decides): not affected.
      write(osvRecord('RLSA-2026:0002', 'consign-epoch', '2:9.9-1.el9'));
      // Epoch 3 and a later release: affected.
      write(osvRecord('RLSA-2026:0003', 'consign-epoch', '3:2.4.1-8.el9'));
      // 0.9~rc1 sorts before 0.9, so a fix in 0.9 applies.
      write(osvRecord('RLSA-2026:0004', 'consign-tilde', '0.9-1.el9'));
      // By the binary package's own name: only that package.
      write(osvRecord('RLSA-2026:0005', 'consign-demo-libs', '1.0-3.el9'));
      jsonOf(await consign(['vulndb', 'import', records, '--json']));
      const scan = jsonOf<ScanJson>(
        await consign(['scan', `docker-daemon:${refs.sqlite}`, '--json']),
      );
      const found = scan.vulnerabilities
        .map((v) => `${v.id} ${v.package} ${v.installedVersion} ${v.fixedVersion}`)
        .sort();
      expect(found).toEqual([
        'RLSA-2026:0001 consign-demo 1.0-1.el9 1.0-2.el9',
        'RLSA-2026:0001 consign-demo-libs 1.0-1.el9 1.0-2.el9',
        'RLSA-2026:0003 consign-epoch 3:2.4.1-7.el9_3 3:2.4.1-8.el9',
        'RLSA-2026:0004 consign-tilde 0.9~rc1-0.1.el9 0.9-1.el9',
        'RLSA-2026:0005 consign-demo-libs 1.0-1.el9 1.0-3.el9',
      ]);
    });

    it('names BerkeleyDB and ndb databases it does not read, and still scans', async () => {
      const scan = jsonOf<ScanJson>(
        await consign(['scan', `docker-daemon:${refs.legacy}`, '--json', '--no-cache']),
      );
      expect(scan.packages.filter((p) => p.type === 'rpm')).toEqual([]);
      expect(scan.skipped).toEqual([
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
      ]);
      // The terminal table says so too, from the cache this time.
      const text = await consign(['scan', `docker-daemon:${refs.legacy}`, '--format', 'table']);
      expect(text.stdout).toMatch(/NOT READ\s+WHY/);
      expect(text.stdout).toMatch(
        /\/var\/lib\/rpm\/Packages\s+this image's rpm database is in BerkeleyDB/,
      );
    });

    it('gives a note, not a failure, for a damaged rpmdb.sqlite', async () => {
      const scan = jsonOf<ScanJson>(
        await consign(['scan', `docker-daemon:${refs.damaged}`, '--json', '--no-cache']),
      );
      expect(scan.packages.filter((p) => p.type === 'rpm')).toEqual([]);
      expect(scan.skipped).toHaveLength(1);
      expect(scan.skipped![0]!.path).toBe('/var/lib/rpm/rpmdb.sqlite');
      expect(scan.skipped![0]!.reason).toMatch(
        /^the rpm database cannot be read \(.+\); its rpm packages are not listed$/,
      );
    });
  },
);
