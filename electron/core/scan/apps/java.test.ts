import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  buildJar,
  jarUnavailable,
  pomProperties,
} from '../../../../tests/support/scan-fixtures/java-archive';
import { JAVA_LIMITS, javaPackages, parseManifest, parseProperties } from './java';

describe('Java metadata files', () => {
  it('reads manifests with wrapped lines and properties with comments', () => {
    const manifest = parseManifest(
      'Manifest-Version: 1.0\r\nBundle-SymbolicName: org.example.very.long.symbolic.name.that.w\r\n raps;singleton:=true\r\nBundle-Version: 2.1.0\r\n\r\nName: other\r\nBundle-Version: 9\r\n',
    );
    expect(manifest.get('Bundle-SymbolicName')).toBe(
      'org.example.very.long.symbolic.name.that.wraps;singleton:=true',
    );
    expect(manifest.get('Bundle-Version')).toBe('2.1.0');
    const props = parseProperties(pomProperties('g.h', 'a', '1.0'));
    expect([props.get('groupId'), props.get('artifactId'), props.get('version')]).toEqual([
      'g.h',
      'a',
      '1.0',
    ]);
  });

  it('skips what is not a zip with a reason', async () => {
    const result = await javaPackages(Buffer.from('not a zip at all'), 'app/broken.jar');
    expect(result.packages).toEqual([]);
    expect(result.skipped).toEqual([
      { path: 'app/broken.jar', reason: expect.stringMatching(/not a readable zip/) },
    ]);
  });
});

const noJar = jarUnavailable();

describe.skipIf(noJar)(
  `archives the JDK's jar tool built${noJar ? ` (skipped: ${noJar})` : ''}`,
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'consign-jar-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('lists a Spring Boot style jar, its nested jars, and a shaded jar', async () => {
      const dep = buildJar(join(dir, 'jackson-databind-2.13.0.jar'), {
        'META-INF/maven/com.fasterxml.jackson.core/jackson-databind/pom.properties': pomProperties(
          'com.fasterxml.jackson.core',
          'jackson-databind',
          '2.13.0',
        ),
        'com/fasterxml/jackson/databind/ObjectMapper.class': Buffer.alloc(2048, 0xca),
      });
      const bundle = buildJar(
        join(dir, 'bundle.jar'),
        { 'org/example/Thing.class': 'x' },
        {
          manifest:
            'Bundle-SymbolicName: org.example.bundle;singleton:=true\nBundle-Version: 3.0.1\nImplementation-Vendor-Id: org.example\n',
        },
      );
      const shaded = buildJar(join(dir, 'shaded.jar'), {
        'META-INF/maven/org.example/shaded/pom.properties': pomProperties(
          'org.example',
          'shaded',
          '1.0',
        ),
        'META-INF/maven/com.google.guava/guava/pom.properties': pomProperties(
          'com.google.guava',
          'guava',
          '31.1-jre',
        ),
      });
      const app = buildJar(
        join(dir, 'app.jar'),
        {
          'META-INF/maven/com.example/demo/pom.properties': pomProperties(
            'com.example',
            'demo',
            '0.0.1-SNAPSHOT',
          ),
          'BOOT-INF/classes/com/example/Demo.class': 'x',
          'BOOT-INF/lib/jackson-databind-2.13.0.jar': readFileSync(dep),
          'BOOT-INF/lib/bundle.jar': readFileSync(bundle),
          'BOOT-INF/lib/shaded.jar': readFileSync(shaded),
        },
        { stored: true, manifest: 'Main-Class: org.springframework.boot.loader.JarLauncher\n' },
      );
      const result = await javaPackages(readFileSync(app), 'app/app.jar');
      expect(result.skipped).toEqual([]);
      expect(result.packages.map((p) => [p.name, p.version, p.purl, p.path]).sort()).toEqual(
        [
          [
            'com.example:demo',
            '0.0.1-SNAPSHOT',
            'pkg:maven/com.example/demo@0.0.1-SNAPSHOT',
            'app/app.jar',
          ],
          [
            'com.fasterxml.jackson.core:jackson-databind',
            '2.13.0',
            'pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.13.0',
            'app/app.jar!/BOOT-INF/lib/jackson-databind-2.13.0.jar',
          ],
          [
            'org.example:org.example.bundle',
            '3.0.1',
            'pkg:maven/org.example/org.example.bundle@3.0.1',
            'app/app.jar!/BOOT-INF/lib/bundle.jar',
          ],
          [
            'org.example:shaded',
            '1.0',
            'pkg:maven/org.example/shaded@1.0',
            'app/app.jar!/BOOT-INF/lib/shaded.jar',
          ],
          [
            'com.google.guava:guava',
            '31.1-jre',
            'pkg:maven/com.google.guava/guava@31.1-jre',
            'app/app.jar!/BOOT-INF/lib/shaded.jar',
          ],
        ].sort(),
      );
      expect(result.packages.every((p) => p.type === 'maven')).toBe(true);

      // The same archive under tight bounds: nesting and inflated totals are skipped with reasons.
      const shallow = await javaPackages(readFileSync(app), 'app/app.jar', {
        ...JAVA_LIMITS,
        maxDepth: 0,
      });
      expect(shallow.packages.map((p) => p.name)).toEqual(['com.example:demo']);
      expect(shallow.skipped.map((s) => s.reason)).toEqual(Array(3).fill('nested deeper than 0'));
      const few = await javaPackages(readFileSync(app), 'app/app.jar', {
        ...JAVA_LIMITS,
        maxEntries: 3,
      });
      expect(few.skipped[0]!.reason).toMatch(/entries, more than 3/);
    });

    it('stops a zip bomb: a small archive that inflates far past the bounds', async () => {
      const bomb = join(dir, 'bomb.jar');
      // 8 MiB of zeros deflates to about 8 KiB; the metadata bound is 1 MiB.
      const made = spawnSync('python3', [
        '-c',
        [
          'import sys, zipfile',
          'z = zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED)',
          'z.writestr("META-INF/maven/evil/bomb/pom.properties", b"\\0" * (8 << 20))',
          'z.writestr("lib/inner.jar", b"\\0" * (8 << 20))',
          'z.close()',
          'z = zipfile.ZipFile(sys.argv[2], "w", zipfile.ZIP_DEFLATED)',
          'z.writestr("META-INF/maven/ok/app/pom.properties", "groupId=ok\\nartifactId=app\\nversion=1\\n")',
          'z.writestr("lib/inner.jar", b"\\0" * (8 << 20))',
          'z.close()',
        ].join('\n'),
        bomb,
        `${bomb}.2`,
      ]);
      expect(made.status, made.stderr?.toString()).toBe(0);
      const data = readFileSync(bomb);
      expect(data.length).toBeLessThan(1024 * 1024);
      const result = await javaPackages(data, 'opt/bomb.jar', {
        ...JAVA_LIMITS,
        maxArchiveBytes: 4 * 1024 * 1024,
      });
      expect(result.packages).toEqual([]);
      expect(result.skipped).toEqual([
        {
          path: 'opt/bomb.jar',
          reason: expect.stringMatching(/pom\.properties inflates to 8388608 bytes/),
        },
      ]);
      // A nested archive past the bound is skipped alone; its parent is still read.
      const nested = await javaPackages(readFileSync(`${bomb}.2`), 'opt/app.jar', {
        ...JAVA_LIMITS,
        maxArchiveBytes: 4 * 1024 * 1024,
      });
      expect(nested.packages.map((p) => p.purl)).toEqual(['pkg:maven/ok/app@1']);
      expect(nested.skipped).toEqual([
        { path: 'opt/app.jar!/lib/inner.jar', reason: 'it is 8388608 bytes, more than 4194304' },
      ]);
    });
  },
);
