// Language packages that an OS package installed (a python3-* dist-info, a Go tool shipped in a
// deb) are reported once, as the OS package: an image with dpkg's database and file lists owning
// them, next to the same distribution installed by pip, which stays an application package.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonOf, workspaceCli } from '../support/consign-cli';
import { buildImage } from '../support/docker-build';
import { buildGoProgram, goUnavailable, type GoProgram } from '../support/scan-fixtures/go-binary';
import { testEnv } from '../support/test-env';

const env = testEnv();
const missing = goUnavailable();

interface ScanJson {
  packages: { type: string; name: string; version: string; path?: string }[];
  vulnerabilities: { id: string; package: string; purl: string }[];
}

const DEB_SITE = 'usr/lib/python3/dist-packages/six-1.16.0.dist-info';
const PIP_SITE = 'usr/local/lib/python3.11/site-packages/six-1.16.0.dist-info';

describe.skipIf(missing)(
  `OS-owned language packages${missing ? ` (skipped: ${missing})` : ''}`,
  () => {
    let work: string;
    let go: GoProgram;
    const ref = 'consign-test/os-owned:1';
    const consign = workspaceCli(
      () => join(work, 'home'),
      { DOCKER_HOST: env.dockerHost },
      120_000,
    );

    beforeAll(async () => {
      work = mkdtempSync(join(tmpdir(), 'consign-os-owned-'));
      go = buildGoProgram(work);
      const status = [
        'Package: python3-six',
        'Status: install ok installed',
        'Architecture: all',
        'Source: six',
        'Version: 1.16.0-4',
        '',
        'Package: hello-tool',
        'Status: install ok installed',
        'Architecture: amd64',
        'Version: 1.0-1',
        '',
      ].join('\n');
      const docker = new Docker({ socketPath: env.dockerSocket });
      await buildImage(
        docker,
        ref,
        [
          `FROM ${env.baseImage}`,
          'COPY status /var/lib/dpkg/status',
          'COPY six.list /var/lib/dpkg/info/python3-six.list',
          'COPY tool.list /var/lib/dpkg/info/hello-tool.list',
          `COPY METADATA /${DEB_SITE}/METADATA`,
          `COPY METADATA /${PIP_SITE}/METADATA`,
          'COPY hello /usr/bin/hello',
          'COPY hello /app/hello',
        ].join('\n'),
        {
          status,
          'six.list': `/.\n/usr\n/${DEB_SITE}\n/${DEB_SITE}/METADATA\n`,
          'tool.list': '/.\n/usr/bin\n/usr/bin/hello\n',
          METADATA: 'Metadata-Version: 2.1\nName: six\nVersion: 1.16.0\n\nPython 2 and 3.\n',
          hello: readFileSync(go.binary),
        },
      );
      // An advisory about each language package: only the copies no OS package owns match.
      const osv = (id: string, ecosystem: string, name: string, fixed: string) => ({
        id,
        modified: new Date().toISOString(),
        summary: 'test record',
        affected: [
          {
            package: { ecosystem, name },
            ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed }] }],
          },
        ],
      });
      const records = join(work, 'records.json');
      writeFileSync(
        records,
        JSON.stringify([
          osv('PYSEC-TEST-0001', 'PyPI', 'six', '1.16.1'),
          osv('GO-TEST-0001', 'Go', go.dependency.path, 'v1.2.4'),
        ]),
      );
      jsonOf(await consign(['vulndb', 'import', records, '--json']));
    }, 300_000);

    afterAll(async () => {
      await new Docker({ socketPath: env.dockerSocket })
        .getImage(ref)
        .remove({ force: true })
        .catch(() => undefined);
      rmSync(work, { recursive: true, force: true });
    });

    it('lists them once, as the OS package, and matches only the unowned copies', async () => {
      const result = jsonOf<ScanJson>(await consign(['scan', `docker-daemon:${ref}`, '--json']));
      const byPath = (prefix: string) =>
        result.packages.filter((p) => p.path?.startsWith(prefix)).map((p) => p.type);
      expect(result.packages.filter((p) => p.type === 'deb').map((p) => p.name)).toEqual([
        'python3-six',
        'hello-tool',
      ]);
      expect(byPath(DEB_SITE)).toEqual([]);
      expect(byPath('usr/bin/hello')).toEqual([]);
      expect(byPath(PIP_SITE)).toEqual(['pypi']);
      expect(byPath('app/hello').length).toBeGreaterThan(0);
      expect(byPath('app/hello').every((type) => type === 'go')).toBe(true);
      const findings = result.vulnerabilities.map((v) => `${v.id} ${v.package}`).sort();
      expect(findings).toEqual([`GO-TEST-0001 ${go.dependency.path}`, 'PYSEC-TEST-0001 six']);
    });
  },
);
