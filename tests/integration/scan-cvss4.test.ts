// `consign scan` rates findings from CVSS v4.0 vectors: OSV records written here carry CVSS_V4
// vectors (alone, next to a v3 one, with threat metrics, and invalid) about npm packages in an
// image built in the test engine. The score must come from the v4 vector where there is a valid
// one, else the v3 vector, else the source's own rating, in every output format.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import type { Log } from 'sarif';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonOf, workspaceCli } from '../support/consign-cli';
import { cycloneDxSchemaErrors } from '../support/cyclonedx-schema';
import { buildImage } from '../support/docker-build';
import { testEnv } from '../support/test-env';

const env = testEnv();

interface ScanJson {
  vulnerabilities: {
    id: string;
    package: string;
    installedVersion: string;
    severity: string;
    score?: number;
    vector?: string;
  }[];
  summary: { vulnerabilities: Record<string, number> };
}

// Scores published for these vectors (see electron/core/vulndb/cvss4.test.ts for the sources).
const V4_CRITICAL = 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N'; // 9.3
const V4_HIGH = 'CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N'; // 8.5
const V4_UNREPORTED = 'CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/E:U'; // 4.1 (CVSS-BT)
const V4_INVALID = 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SI:N';
const V3_CRITICAL = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H'; // 9.8

const PACKAGES: Record<string, string> = {
  'left-pad': '1.0.0',
  minimist: '1.2.5',
  qs: '6.5.2',
  ms: '2.0.0',
};

describe('consign scan with CVSS v4.0 vectors', () => {
  let work: string;
  const ref = 'consign-test/cvss4:1';
  const docker = new Docker({ socketPath: env.dockerSocket });
  const consign = workspaceCli(() => join(work, 'home'), { DOCKER_HOST: env.dockerHost }, 120_000);

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'consign-scan-cvss4-'));
    const files = Object.fromEntries(
      Object.entries(PACKAGES).map(([name, version]) => [
        `${name}.json`,
        JSON.stringify({ name, version }),
      ]),
    );
    await buildImage(
      docker,
      ref,
      [
        'FROM scratch',
        ...Object.keys(PACKAGES).map(
          (name) => `COPY ${name}.json /app/node_modules/${name}/package.json`,
        ),
      ].join('\n'),
      files,
    );

    const record = (id: string, name: string, extra: object) => ({
      id,
      modified: new Date().toISOString(),
      aliases: [`CVE-2099-${id.slice(-4)}`],
      affected: [
        {
          package: { ecosystem: 'npm', name },
          ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '99.0.0' }] }],
        },
      ],
      ...extra,
    });
    const folder = join(work, 'osv');
    mkdirSync(folder);
    const records = [
      record('CONSIGN-TEST-4001', 'left-pad', {
        severity: [{ type: 'CVSS_V4', score: V4_CRITICAL }],
      }),
      // Both versions published: the v4 score wins even though the v3 one is higher.
      record('CONSIGN-TEST-4002', 'minimist', {
        severity: [
          { type: 'CVSS_V3', score: V3_CRITICAL },
          { type: 'CVSS_V4', score: V4_HIGH },
        ],
      }),
      record('CONSIGN-TEST-4003', 'qs', {
        severity: [{ type: 'CVSS_V4', score: V4_UNREPORTED }],
      }),
      // An invalid vector is passed over for the source's own rating.
      record('CONSIGN-TEST-4004', 'ms', {
        severity: [{ type: 'CVSS_V4', score: V4_INVALID }],
        database_specific: { severity: 'MODERATE' },
      }),
    ];
    for (const r of records) writeFileSync(join(folder, `${r.id}.json`), JSON.stringify(r));
    jsonOf(await consign(['vulndb', 'import', folder, '--json']));
  }, 180_000);

  afterAll(async () => {
    rmSync(work, { recursive: true, force: true });
    await docker
      .getImage(ref)
      .remove()
      .catch(() => undefined);
  });

  it('scores findings from the CVSS v4.0 vector in scan --json', async () => {
    const result = jsonOf<ScanJson>(await consign(['scan', `docker-daemon:${ref}`, '--json']));
    const found = Object.fromEntries(
      result.vulnerabilities.map((v) => [
        v.id,
        { package: v.package, severity: v.severity, score: v.score, vector: v.vector },
      ]),
    );
    expect(found).toEqual({
      'CVE-2099-4001': {
        package: 'left-pad',
        severity: 'CRITICAL',
        score: 9.3,
        vector: V4_CRITICAL,
      },
      'CVE-2099-4002': { package: 'minimist', severity: 'HIGH', score: 8.5, vector: V4_HIGH },
      'CVE-2099-4003': { package: 'qs', severity: 'MEDIUM', score: 4.1, vector: V4_UNREPORTED },
      'CVE-2099-4004': {
        package: 'ms',
        severity: 'MEDIUM',
        score: undefined,
        vector: undefined,
      },
    });
    expect(result.summary.vulnerabilities).toMatchObject({
      CRITICAL: 1,
      HIGH: 1,
      MEDIUM: 2,
      total: 4,
    });
    // --fail-on follows the v4 ratings: a critical finding blocks.
    expect((await consign(['scan', `docker-daemon:${ref}`, '--fail-on', 'critical'])).code).toBe(1);
  });

  it('carries the v4 score and method into CycloneDX and SARIF', async () => {
    const bom = jsonOf<{
      vulnerabilities: {
        id: string;
        ratings: { score?: number; method?: string; vector?: string }[];
      }[];
    }>(await consign(['scan', `docker-daemon:${ref}`, '--format', 'cyclonedx']));
    expect(cycloneDxSchemaErrors(bom)).toEqual([]);
    const ratings = Object.fromEntries(bom.vulnerabilities.map((v) => [v.id, v.ratings]));
    expect(ratings['CVE-2099-4002']).toEqual([
      expect.objectContaining({ score: 8.5, method: 'CVSSv4', vector: V4_HIGH }),
    ]);

    const sarif = jsonOf<Log>(await consign(['scan', `docker-daemon:${ref}`, '--format', 'sarif']));
    const rules = sarif.runs[0]!.tool.driver.rules ?? [];
    const rule = rules.find((r) => r.id === 'CVE-2099-4003');
    expect(rule?.properties?.['security-severity']).toBe('4.1');
  });
});
