// `consign scan --attest`: a real Debian 12 image in a real registry, scanned with OSV records that
// hit it, its SBOM and vulnerability report signed with a keychain key and attached; cosign 2.5
// (offline) must accept both attestations, the SBOM it reads back must be valid CycloneDX 1.6, and
// attesting again must add nothing.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeyInfo } from '../../shared/contract';
import { MediaType, type Digest } from '../../electron/core/oci';
import { referrersTag } from '../../electron/core/registry';
import { jsonOf, workspaceCli } from '../support/consign-cli';
import { COSIGN_REGISTRY_FLAGS, runCosign, writeMinimalTrustedRoot } from '../support/cosign';
import { cycloneDxSchemaErrors } from '../support/cyclonedx-schema';
import { uniqueRepository } from '../support/registry-fixtures';
import { testEnv } from '../support/test-env';

const SBOM = 'https://cyclonedx.org/bom';
const VULN = 'https://cosign.sigstore.dev/attestation/vuln/v1';

const env = testEnv();

interface Attestation {
  predicateType: string;
  ref: string;
  created: boolean;
}

interface ScanJson {
  image: { digest: Digest };
  vulnerabilities: { id: string; purl: string }[];
  cached: boolean;
  scannedAt: string;
  attestations?: Attestation[];
}

interface Statement {
  subject: { name: string; digest: { sha256: string } }[];
  predicateType: string;
  predicate: Record<string, unknown>;
}

interface VulnPredicate {
  invocation: Record<string, unknown>;
  scanner: {
    uri: string;
    version: string;
    db: { uri: string; version: string };
    result: { vulnerabilities: { id: string; purl: string }[] };
  };
  metadata: { scanStartedOn: string; scanFinishedOn: string };
}

describe.skipIf(!env.cosign || !env.debianImage)('consign scan --attest', () => {
  let work: string;
  let home: string;
  let trustedRoot: string;
  let key: KeyInfo;
  let keyPub: string;
  let repository: string;
  let ref: string;
  let digest: Digest;
  let first: ScanJson;

  const consign = workspaceCli(() => home, { DOCKER_HOST: env.dockerHost }, 180_000);
  const json = jsonOf;
  const cosign = (args: string[]) => runCosign(env.cosign!, args, { cwd: work });

  /** cosign's verify-attestation on our bundles, printing each verified DSSE envelope. */
  const verifyAttestation = (type: string, pub = keyPub) =>
    cosign([
      'verify-attestation',
      '--new-bundle-format',
      '--trusted-root',
      trustedRoot,
      '--key',
      pub,
      '--insecure-ignore-tlog=true',
      '--type',
      type,
      ...COSIGN_REGISTRY_FLAGS,
      `${env.registryPlain}/${repository}@${digest}`,
    ]);

  /** The Statements cosign printed (one JSON envelope a line, payload in base64). */
  const statementsOf = (stdout: string): Statement[] =>
    stdout
      .split('\n')
      .filter((line) => line.trim().startsWith('{'))
      .map((line) => JSON.parse(line) as { payload: string })
      .map(
        (envelope) => JSON.parse(Buffer.from(envelope.payload, 'base64').toString()) as Statement,
      );

  /** The referrers listed in the fallback index (distribution 2.8 has no referrers API). */
  const referrerCount = async () => {
    const res = await fetch(
      `http://${env.registryPlain}/v2/${repository}/manifests/${referrersTag(digest)}`,
      { headers: { accept: MediaType.ociIndex } },
    );
    expect(res.status).toBe(200);
    return ((await res.json()) as { manifests: unknown[] }).manifests.length;
  };

  const attestedEvents = async () => {
    const listed = json<unknown>(
      await consign(['audit', 'list', '--action', 'image.attested', '--json']),
    );
    return Array.isArray(listed) ? listed : (listed as { events: unknown[] }).events;
  };

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'consign-scan-attest-'));
    home = join(work, 'home');
    trustedRoot = writeMinimalTrustedRoot(work);
    key = json<KeyInfo>(await consign(['keys', 'generate', '--name', 'scan-attest', '--json']));
    keyPub = join(work, 'key.pub');
    json(await consign(['keys', 'export-public', key.id, '--out', keyPub, '--json']));

    // Advisories that hit every Debian 12 image: glibc and zlib at any version, rated high.
    const osv = join(work, 'osv');
    mkdirSync(osv);
    for (const [id, name] of [
      ['CONSIGN-ATTEST-0001', 'glibc'],
      ['CONSIGN-ATTEST-0002', 'zlib'],
    ] as const) {
      writeFileSync(
        join(osv, `${id}.json`),
        JSON.stringify({
          schema_version: '1.6.0',
          id,
          modified: '2026-01-01T00:00:00Z',
          aliases: [`CVE-2099-${id.slice(-4)}`],
          severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H' }],
          affected: [
            {
              package: { ecosystem: 'Debian:12', name },
              ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }] }],
            },
          ],
        }),
      );
    }
    json(await consign(['vulndb', 'import', osv, '--json']));

    repository = uniqueRepository('scan-attest');
    ref = `docker://${env.registryPlain}/${repository}:1`;
    digest = json<{ digest: Digest }>(
      await consign(['copy', `docker-daemon:${env.debianImage}`, ref, '--json']),
    ).digest;
  }, 300_000);

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('scans, then attaches the SBOM and the vulnerability report signed with the key', async () => {
    first = json<ScanJson>(await consign(['scan', ref, '--attest', '--key', key.id, '--json']));
    expect(first.image.digest).toBe(digest);
    expect(first.cached).toBe(false);
    expect(first.vulnerabilities.length).toBeGreaterThan(0);
    expect(first.attestations?.map((a) => [a.predicateType, a.created])).toEqual([
      [SBOM, true],
      [VULN, true],
    ]);
    for (const a of first.attestations!) {
      expect(a.ref).toMatch(new RegExp(`^docker://${env.registryPlain}/${repository}@sha256:`));
    }
    expect(await attestedEvents()).toHaveLength(2);
  }, 300_000);

  it('is accepted by cosign verify-attestation, with a valid CycloneDX 1.6 SBOM', async () => {
    const sbom = await verifyAttestation(SBOM);
    expect(sbom.code, sbom.stderr).toBe(0);
    const [statement] = statementsOf(sbom.stdout);
    expect(statement?.predicateType).toBe(SBOM);
    expect(statement?.subject[0]?.digest.sha256).toBe(digest.slice('sha256:'.length));
    const bom = statement!.predicate;
    expect(cycloneDxSchemaErrors(bom)).toEqual([]);
    expect(bom).toMatchObject({ bomFormat: 'CycloneDX', specVersion: '1.6' });
    expect((bom.metadata as { timestamp: string }).timestamp).toBe(first.scannedAt);
    expect((bom.vulnerabilities as unknown[]).length).toBeGreaterThan(0);

    const vuln = await verifyAttestation(VULN);
    expect(vuln.code, vuln.stderr).toBe(0);
    const [report] = statementsOf(vuln.stdout);
    expect(report?.predicateType).toBe(VULN);
    const predicate = report!.predicate as unknown as VulnPredicate;
    expect(Object.keys(predicate.invocation).sort()).toEqual(
      ['builder.id', 'event_id', 'parameters', 'uri'].sort(),
    );
    expect(predicate.scanner.version).toBeTruthy();
    expect(predicate.scanner.db.uri).toBe('https://osv.dev');
    expect(predicate.metadata).toEqual({
      scanStartedOn: first.scannedAt,
      scanFinishedOn: first.scannedAt,
    });
    const ids = (list: { id: string; purl: string }[]) =>
      list.map((v) => `${v.id} ${v.purl}`).sort();
    expect(ids(predicate.scanner.result.vulnerabilities)).toEqual(ids(first.vulnerabilities));
    expect(predicate.scanner.result.vulnerabilities.map((v) => v.id)).toContain('CVE-2099-0001');

    // Another key's public half must not verify them.
    const other = json<KeyInfo>(await consign(['keys', 'generate', '--name', 'other', '--json']));
    const otherPub = join(work, 'other.pub');
    json(await consign(['keys', 'export-public', other.id, '--out', otherPub, '--json']));
    expect((await verifyAttestation(SBOM, otherPub)).code).not.toBe(0);
  }, 180_000);

  it('adds nothing when the unchanged image is attested again, and --fail-on still applies', async () => {
    const before = await referrerCount();
    const again = await consign([
      'scan',
      ref,
      '--attest',
      '--key',
      key.id,
      '--fail-on',
      'high',
      '--json',
    ]);
    // Attested first, then the findings set the exit code.
    const second = json<ScanJson>(again, 1);
    expect(second.cached).toBe(true);
    expect(second.scannedAt).toBe(first.scannedAt);
    expect(second.attestations).toEqual(first.attestations!.map((a) => ({ ...a, created: false })));
    expect(await referrerCount()).toBe(before);
    expect(await attestedEvents()).toHaveLength(2);

    const table = await consign(['scan', ref, '--attest', '--key', key.id]);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toContain('already attested by this key');
    expect(table.stdout).toContain(VULN);
  }, 180_000);

  it('refuses a revoked key, a local image and a missing key with the contract’s exit codes', async () => {
    const revoked = json<KeyInfo>(await consign(['keys', 'generate', '--name', 'old', '--json']));
    json(await consign(['keys', 'revoke', revoked.id, '--reason', 'rotated', '--json']));
    const refused = await consign(['scan', ref, '--attest', '--key', revoked.id, '--json']);
    const error = json<{ error: { code: string; message: string; remedy?: string } }>(refused, 1);
    expect(error.error.code).toBe('CHECK_FAILED');
    expect(error.error.message).toContain('revoked');

    const local = await consign([
      'scan',
      `docker-daemon:${env.debianImage}`,
      '--attest',
      '--key',
      key.id,
      '--json',
    ]);
    const notRegistry = json<{ error: { code: string; message: string; remedy?: string } }>(
      local,
      2,
    );
    expect(notRegistry.error.code).toBe('BAD_INPUT');
    expect(notRegistry.error.remedy).toMatch(/copy/i);

    expect((await consign(['scan', ref, '--attest', '--json'])).code).toBe(2);
    expect((await consign(['scan', ref, '--key', key.id, '--json'])).code).toBe(2);
    // Nothing was written by any refused run.
    expect(await attestedEvents()).toHaveLength(2);
  }, 180_000);
});
