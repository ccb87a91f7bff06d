// `consign scan` of an application image: npm (installed tree and a lockfile-only project),
// Python, a Go binary compiled here and a Spring Boot style jar built with the JDK's jar tool,
// all in an image built FROM the test base. Packages must come out with their purls and paths,
// and OSV records written here must match them with each ecosystem's version ordering.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonOf, workspaceCli } from '../support/consign-cli';
import { buildImage } from '../support/docker-build';
import {
  buildGoProgram,
  goUnavailable,
  goVersion,
  type GoProgram,
} from '../support/scan-fixtures/go-binary';
import { buildJar, jarUnavailable, pomProperties } from '../support/scan-fixtures/java-archive';
import { testEnv } from '../support/test-env';

const env = testEnv();
const missing = goUnavailable() ?? jarUnavailable();

interface ScanJson {
  packages: { type: string; name: string; version: string; purl: string; path?: string }[];
  vulnerabilities: {
    id: string;
    aliases: string[];
    package: string;
    purl: string;
    installedVersion: string;
    fixedVersion?: string;
    severity: string;
  }[];
  skipped?: { path: string; reason: string }[];
}

describe.skipIf(missing)(
  `consign scan of an application image${missing ? ` (skipped: ${missing})` : ''}`,
  () => {
    let work: string;
    let go: GoProgram;
    let toolchain: string;
    const ref = 'consign-test/apps:1';

    const consign = workspaceCli(
      () => join(work, 'home'),
      { DOCKER_HOST: env.dockerHost },
      120_000,
    );
    const json = jsonOf;

    beforeAll(async () => {
      work = mkdtempSync(join(tmpdir(), 'consign-scan-apps-'));
      go = buildGoProgram(join(work, 'go'));
      toolchain = goVersion();
      mkdirSync(join(work, 'jars'));
      const databind = buildJar(join(work, 'jars', 'jackson-databind-2.13.0.jar'), {
        'META-INF/maven/com.fasterxml.jackson.core/jackson-databind/pom.properties': pomProperties(
          'com.fasterxml.jackson.core',
          'jackson-databind',
          '2.13.0',
        ),
        'com/fasterxml/jackson/databind/ObjectMapper.class': Buffer.alloc(4096, 0xca),
      });
      const app = buildJar(
        join(work, 'jars', 'app.jar'),
        {
          'META-INF/maven/com.example/demo/pom.properties': pomProperties(
            'com.example',
            'demo',
            '1.4.2',
          ),
          'BOOT-INF/classes/com/example/Demo.class': Buffer.alloc(512, 0xca),
          'BOOT-INF/lib/jackson-databind-2.13.0.jar': readFileSync(databind),
        },
        { stored: true, manifest: 'Main-Class: org.springframework.boot.loader.JarLauncher\n' },
      );
      const docker = new Docker({ socketPath: env.dockerSocket });
      await buildImage(
        docker,
        ref,
        [
          `FROM ${env.baseImage}`,
          'COPY app-lock.json /app/package-lock.json',
          'COPY lodash.json /app/node_modules/lodash/package.json',
          'COPY traverse.json /app/node_modules/@babel/traverse/package.json',
          'COPY legacy-lock.json /srv/legacy/package-lock.json',
          'COPY METADATA /usr/lib/python3.11/site-packages/Jinja2-3.1.2.dist-info/METADATA',
          'COPY hello /usr/local/bin/hello',
          'COPY app.jar /app/app.jar',
          // Named like an archive but damaged: skipped with a reason, the scan goes on.
          'COPY broken.jar /opt/broken.jar',
        ].join('\n'),
        {
          'app-lock.json': JSON.stringify({
            name: 'web',
            version: '1.0.0',
            lockfileVersion: 3,
            requires: true,
            packages: {
              '': { name: 'web', version: '1.0.0' },
              'node_modules/lodash': { version: '4.17.20' },
              'node_modules/@babel/traverse': { version: '7.23.2' },
              // A dev dependency the production install left out.
              'node_modules/jest': { version: '29.7.0', dev: true },
            },
          }),
          'lodash.json': JSON.stringify({ name: 'lodash', version: '4.17.20', main: 'lodash.js' }),
          'traverse.json': JSON.stringify({ name: '@babel/traverse', version: '7.23.2' }),
          'legacy-lock.json': JSON.stringify({
            name: 'legacy',
            version: '0.1.0',
            lockfileVersion: 1,
            dependencies: { express: { version: '4.17.1' } },
          }),
          METADATA: 'Metadata-Version: 2.1\nName: Jinja2\nVersion: 3.1.2\n\nJinja\n=====\n',
          hello: readFileSync(go.binary),
          'app.jar': readFileSync(app),
          'broken.jar': 'PK\u0003\u0004 this is not really a zip',
        },
      );
    }, 180_000);

    afterAll(() => rmSync(work, { recursive: true, force: true }));

    it('lists npm, Python, Go and Maven packages with purls and where they are', async () => {
      const result = json<ScanJson>(await consign(['scan', `docker-daemon:${ref}`, '--json']));
      const apps = result.packages
        .filter((p) => ['npm', 'pypi', 'go', 'maven'].includes(p.type))
        .map((p) => `${p.type} ${p.purl} ${p.path}`)
        .sort();
      expect(apps).toEqual(
        [
          'npm pkg:npm/lodash@4.17.20 app/node_modules/lodash/package.json',
          'npm pkg:npm/%40babel/traverse@7.23.2 app/node_modules/@babel/traverse/package.json',
          'npm pkg:npm/express@4.17.1 srv/legacy/package-lock.json',
          'pypi pkg:pypi/jinja2@3.1.2 usr/lib/python3.11/site-packages/Jinja2-3.1.2.dist-info/METADATA',
          `go pkg:golang/${go.module}@(devel) usr/local/bin/hello`,
          `go pkg:golang/${go.dependency.path}@${go.dependency.version} usr/local/bin/hello`,
          `go pkg:golang/stdlib@${toolchain} usr/local/bin/hello`,
          'maven pkg:maven/com.example/demo@1.4.2 app/app.jar',
          'maven pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.13.0 app/app.jar!/BOOT-INF/lib/jackson-databind-2.13.0.jar',
        ].sort(),
      );
      expect(result.skipped).toEqual([
        { path: 'opt/broken.jar', reason: expect.stringMatching(/^not a readable zip/) as string },
      ]);
    });

    it('matches OSV records about them, with fixed versions', async () => {
      const [, minor, patch = '0'] = toolchain.replace(/^go/, '').split('.');
      const stdlibFix = `1.${minor}.${Number(patch) + 1}`;
      const record = (id: string, ecosystem: string, name: string, fixed: string) => ({
        id,
        modified: new Date().toISOString(),
        aliases: [`CVE-2099-${id.slice(-4)}`],
        affected: [
          {
            package: { ecosystem, name },
            ranges: [
              {
                type: ecosystem === 'Maven' || ecosystem === 'PyPI' ? 'ECOSYSTEM' : 'SEMVER',
                events: [{ introduced: '0' }, { fixed }],
              },
            ],
          },
        ],
        severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }],
      });
      const folder = join(work, 'osv');
      mkdirSync(folder);
      const records = [
        record('CONSIGN-TEST-1001', 'npm', 'lodash', '4.17.21'),
        // Fixed in the installed version: not affected.
        record('CONSIGN-TEST-1002', 'npm', '@babel/traverse', '7.23.2'),
        record('CONSIGN-TEST-1003', 'npm', 'express', '4.17.3'),
        // OSV files PyPI projects under the PEP 503 name.
        record('CONSIGN-TEST-1004', 'PyPI', 'jinja2', '3.1.3'),
        record('CONSIGN-TEST-1005', 'Go', go.dependency.path, '1.2.4'),
        record('CONSIGN-TEST-1006', 'Go', 'stdlib', stdlibFix),
        record(
          'CONSIGN-TEST-1007',
          'Maven',
          'com.fasterxml.jackson.core:jackson-databind',
          '2.13.4.1',
        ),
        // The dev dependency is not in the image: its advisory must not show.
        record('CONSIGN-TEST-1008', 'npm', 'jest', '30.0.0'),
      ];
      for (const r of records) writeFileSync(join(folder, `${r.id}.json`), JSON.stringify(r));
      json(await consign(['vulndb', 'import', folder, '--json']));

      const result = json<ScanJson>(await consign(['scan', `docker-daemon:${ref}`, '--json']));
      const found = result.vulnerabilities
        .map((v) => `${v.id} ${v.purl} ${v.installedVersion} -> ${v.fixedVersion} ${v.severity}`)
        .sort();
      expect(found).toEqual(
        [
          'CVE-2099-1001 pkg:npm/lodash@4.17.20 4.17.20 -> 4.17.21 CRITICAL',
          'CVE-2099-1003 pkg:npm/express@4.17.1 4.17.1 -> 4.17.3 CRITICAL',
          'CVE-2099-1004 pkg:pypi/jinja2@3.1.2 3.1.2 -> 3.1.3 CRITICAL',
          `CVE-2099-1005 pkg:golang/${go.dependency.path}@${go.dependency.version} ${go.dependency.version} -> 1.2.4 CRITICAL`,
          `CVE-2099-1006 pkg:golang/stdlib@${toolchain} ${toolchain} -> ${stdlibFix} CRITICAL`,
          'CVE-2099-1007 pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.13.0 2.13.0 -> 2.13.4.1 CRITICAL',
        ].sort(),
      );
      // --fail-on sees application findings like any other.
      expect(
        (await consign(['scan', `docker-daemon:${ref}`, '--fail-on', 'critical', '--json'])).code,
      ).toBe(1);
    });
  },
);
