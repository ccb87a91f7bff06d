import { describe, expect, it } from 'vitest';
import { cycloneDxSchemaErrors } from '../../../../tests/support/cyclonedx-schema';
import { APP_VERSION } from '../../version';
import { CDX_PROPERTY, toCycloneDxJson } from './cyclonedx';
import { sampleScan } from './sample-scan.testdata';

interface Bom {
  specVersion: string;
  serialNumber: string;
  metadata: {
    timestamp: string;
    tools: { components: { name: string; version: string }[] };
    component: {
      type: string;
      name: string;
      version: string;
      purl: string;
      'bom-ref': string;
      hashes: { alg: string; content: string }[];
    };
  };
  components: {
    type: string;
    name: string;
    version?: string;
    purl?: string;
    'bom-ref': string;
    properties?: { name: string; value: string }[];
  }[];
  dependencies: { ref: string; dependsOn?: string[] }[];
  vulnerabilities: {
    id: string;
    source: { name: string; url: string };
    references?: { id: string; source: { name: string } }[];
    ratings: { severity: string; score?: number; vector?: string; method: string }[];
    description?: string;
    recommendation?: string;
    affects: { ref: string; versions: { version: string; status: string }[] }[];
  }[];
}

const now = new Date('2026-11-28T12:00:00Z');
const bomOf = (scan = sampleScan()) => JSON.parse(toCycloneDxJson(scan, { now })) as Bom;

describe('CycloneDX SBOM of a scan', () => {
  it('is valid against the official CycloneDX 1.6 JSON schema', () => {
    expect(cycloneDxSchemaErrors(bomOf())).toEqual([]);
  });

  it('the schema check can fail', () => {
    const bom = bomOf() as unknown as Record<string, unknown>;
    expect(cycloneDxSchemaErrors({ ...bom, components: [{ name: 'x' }] })).not.toEqual([]);
    expect(cycloneDxSchemaErrors({ ...bom, specVersion: 1.6 })).not.toEqual([]);
  });

  it('describes the image as a container with its digest, and Consign as the tool', () => {
    const bom = bomOf();
    expect(bom.specVersion).toBe('1.6');
    expect(bom.serialNumber).toMatch(/^urn:uuid:[0-9a-f-]{36}$/);
    expect(bom.metadata.timestamp).toBe('2026-11-28T12:00:00.000Z');
    expect(bom.metadata.tools.components).toEqual([
      expect.objectContaining({ name: 'Consign', version: APP_VERSION }),
    ]);
    expect(bom.metadata.component).toMatchObject({
      type: 'container',
      name: 'team/app',
      version: '1.2',
      purl: `pkg:oci/app@sha256%3A${'a'.repeat(64)}?arch=amd64&repository_url=registry.example.com:5000/team/app&tag=1.2`,
      hashes: [{ alg: 'SHA-256', content: 'a'.repeat(64) }],
    });
  });

  it('lists every package, the operating system, and who contains whom', () => {
    const bom = bomOf();
    const os = bom.components.find((c) => c.type === 'operating-system');
    expect(os).toMatchObject({ name: 'debian', version: '12', 'bom-ref': 'os:debian@12' });
    const libraries = bom.components.filter((c) => c.type === 'library');
    expect(libraries.map((c) => `${c.name}@${c.version} ${c.purl}`).sort()).toEqual(
      sampleScan()
        .packages.map((p) => `${p.name}@${p.version} ${p.purl}`)
        .sort(),
    );
    // bom-refs are unique even for a package found twice.
    const refs = bom.components.map((c) => c['bom-ref']);
    expect(new Set(refs).size).toBe(refs.length);
    const libc = libraries.find((c) => c.name === 'libc6')!;
    expect(libc.properties).toEqual(
      expect.arrayContaining([
        { name: CDX_PROPERTY.sourceName, value: 'glibc' },
        { name: CDX_PROPERTY.sourceVersion, value: '2.36-9+deb12u4' },
        { name: CDX_PROPERTY.path, value: 'var/lib/dpkg/status' },
        { name: CDX_PROPERTY.packageType, value: 'deb' },
      ]),
    );
    const deps = new Map(bom.dependencies.map((d) => [d.ref, d.dependsOn ?? []]));
    const imageRef = bom.metadata.component['bom-ref'];
    const npmRefs = libraries.filter((c) => c.name === 'minimist').map((c) => c['bom-ref']);
    expect(deps.get(imageRef)?.sort()).toEqual(['os:debian@12', ...npmRefs].sort());
    expect(deps.get('os:debian@12')).toHaveLength(3);
  });

  it('reports each vulnerability once, with its rating, the packages it affects and the fix', () => {
    const bom = bomOf();
    const byId = new Map(bom.vulnerabilities.map((v) => [v.id, v]));
    expect([...byId.keys()].sort()).toEqual([
      'CVE-2099-0001',
      'DEBIAN-CVE-2099-0003',
      'GHSA-xvch-5gv4-984h',
      'OSV-2099-0005',
    ]);
    const glibc = byId.get('CVE-2099-0001')!;
    expect(glibc.source).toEqual({
      name: 'NVD',
      url: 'https://nvd.nist.gov/vuln/detail/CVE-2099-0001',
    });
    expect(glibc.references).toEqual([
      {
        id: 'DSA-9999-1',
        source: { name: 'OSV', url: 'https://osv.dev/vulnerability/DSA-9999-1' },
      },
    ]);
    expect(glibc.ratings).toEqual([
      {
        severity: 'high',
        score: 7.8,
        vector: 'CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H',
        method: 'CVSSv31',
      },
    ]);
    expect(glibc.description).toBe('glibc: buffer overflow in a test function');
    expect(glibc.recommendation).toBe('Upgrade libc6, libc-bin to 2.36-9+deb12u9 or later.');
    const refOf = (name: string) => bomOf().components.find((c) => c.name === name)!['bom-ref'];
    expect(glibc.affects.map((a) => a.ref).sort()).toEqual([refOf('libc-bin'), refOf('libc6')]);
    expect(glibc.affects[0]!.versions).toEqual([{ version: '2.36-9+deb12u4', status: 'affected' }]);

    // Found in both copies of the package.
    expect(byId.get('GHSA-xvch-5gv4-984h')!.affects).toHaveLength(2);
    expect(byId.get('GHSA-xvch-5gv4-984h')!.source.name).toBe('GitHub');
    const perl = byId.get('DEBIAN-CVE-2099-0003')!;
    expect(perl.ratings).toEqual([{ severity: 'low', method: 'other' }]);
    expect(perl).not.toHaveProperty('recommendation');
    expect(byId.get('OSV-2099-0005')!.ratings[0]).toMatchObject({
      severity: 'unknown',
      method: 'CVSSv4',
    });
  });

  it('is valid for an image with no OS detected and nothing found', () => {
    const scan = sampleScan();
    delete scan.image.os;
    scan.image.ref = 'oci:/var/tmp/layouts/my-app:v1';
    scan.packages = scan.packages.filter((p) => p.type === 'npm');
    scan.vulnerabilities = [];
    const bom = bomOf(scan);
    expect(cycloneDxSchemaErrors(bom)).toEqual([]);
    expect(bom.metadata.component.name).toBe('my-app');
    expect(bom.metadata.component.purl).toMatch(/^pkg:oci\/my-app@sha256%3Aa+\?arch=amd64&tag=v1$/);
    expect(bom.components.every((c) => c.type === 'library')).toBe(true);
    expect(bom).not.toHaveProperty('vulnerabilities');
  });
});
