import type { Result } from 'sarif';
import { describe, expect, it } from 'vitest';
import { APP_VERSION } from '../../version';
import { sampleScan } from './sample-scan.testdata';
import { FINGERPRINT, IMAGE_ROOT, toSarif } from './sarif';

const now = new Date('2026-11-28T12:00:00Z');

describe('SARIF report of a scan', () => {
  it('is one SARIF 2.1.0 run by Consign, and survives a JSON round trip', () => {
    const log = JSON.parse(JSON.stringify(toSarif(sampleScan(), { now }))) as ReturnType<
      typeof toSarif
    >;
    expect(log.version).toBe('2.1.0');
    expect(log.$schema).toBe('https://json.schemastore.org/sarif-2.1.0.json');
    expect(log.runs).toHaveLength(1);
    const run = log.runs[0]!;
    expect(run.tool.driver).toMatchObject({ name: 'Consign', version: APP_VERSION });
    expect(run.invocations).toEqual([
      { executionSuccessful: true, endTimeUtc: '2026-11-28T12:00:00.000Z' },
    ]);
    expect(run.originalUriBaseIds?.[IMAGE_ROOT]?.uri).toBe('file:///');
    expect(run.automationDetails?.id).toBe('consign/image/team/app/');
    expect(run.properties?.image).toMatchObject({ digest: sampleScan().image.digest });
  });

  it('has one rule per vulnerability, check, secret rule and malware rule, each with help', () => {
    const rules = toSarif(sampleScan(), { now }).runs[0]!.tool.driver.rules!;
    expect(rules.map((r) => r.id)).toEqual([
      'CVE-2099-0001',
      'DEBIAN-CVE-2099-0003',
      'GHSA-xvch-5gv4-984h',
      'OSV-2099-0005',
      'CONSIGN-BASE-001',
      'CONSIGN-BASE-002',
      'CONSIGN-BASE-005',
      'secret/aws-access-key-id',
      'secret/private-key',
      'malware/eicar-test-file',
    ]);
    for (const rule of rules) {
      expect(rule.shortDescription?.text, rule.id).toBeTruthy();
      expect(rule.help?.text, rule.id).toBeTruthy();
      expect(rule.properties?.tags, rule.id).toContain('security');
    }
    const byId = new Map(rules.map((r) => [r.id, r]));
    // security-severity: the CVSS score, else the middle of the severity's band; none if unknown.
    expect(byId.get('CVE-2099-0001')!.properties!['security-severity']).toBe('7.8');
    expect(byId.get('DEBIAN-CVE-2099-0003')!.properties!['security-severity']).toBe('2.0');
    expect(byId.get('OSV-2099-0005')!.properties).not.toHaveProperty('security-severity');
    expect(byId.get('CONSIGN-BASE-002')!.properties!['security-severity']).toBe('8.0');
    expect(byId.get('malware/eicar-test-file')!.properties!['security-severity']).toBe('9.5');
    for (const rule of rules) {
      const value = rule.properties?.['security-severity'] as string | undefined;
      if (value !== undefined) {
        expect(Number(value)).toBeGreaterThanOrEqual(0);
        expect(Number(value)).toBeLessThanOrEqual(10);
      }
    }
    expect(byId.get('CVE-2099-0001')!.helpUri).toBe(
      'https://nvd.nist.gov/vuln/detail/CVE-2099-0001',
    );
    expect(byId.get('CVE-2099-0001')!.help!.text).toContain('Fixed in: 2.36-9+deb12u9');
    expect(byId.get('CONSIGN-BASE-005')!.help!.text).toContain('CIS Docker Benchmark 4.8');
    expect(byId.get('CVE-2099-0001')!.defaultConfiguration?.level).toBe('error');
  });

  it('has a result per finding, pointing at its rule and at the file in the image', () => {
    const run = toSarif(sampleScan(), { now }).runs[0]!;
    const rules = run.tool.driver.rules!;
    const results = run.results!;
    // One per vulnerable package (both copies of minimist in one result, at two locations).
    expect(results).toHaveLength(5 + 3 + 2 + 1);
    for (const r of results) {
      expect(rules[r.ruleIndex!]!.id).toBe(r.ruleId);
      expect(r.message.text).toBeTruthy();
      expect(r.locations?.length).toBeGreaterThan(0);
    }
    const find = (ruleId: string, test: (r: Result) => boolean = () => true) =>
      results.filter((r) => r.ruleId === ruleId && test(r));
    const uris = (r: Result) => r.locations!.map((l) => l.physicalLocation?.artifactLocation?.uri);

    const libc = find('CVE-2099-0001', (r) => r.properties?.package === 'libc6')[0]!;
    expect(libc.level).toBe('error');
    expect(uris(libc)).toEqual(['var/lib/dpkg/status']);
    expect(libc.locations![0]!.physicalLocation!.artifactLocation!.uriBaseId).toBe(IMAGE_ROOT);
    expect(libc.message.text).toContain('libc6 2.36-9+deb12u4 is affected by CVE-2099-0001');
    expect(libc.message.text).toContain('fixed in 2.36-9+deb12u9');
    expect(find('DEBIAN-CVE-2099-0003')[0]!.level).toBe('note');
    expect(find('OSV-2099-0005')[0]!.level).toBe('warning');
    expect(uris(find('GHSA-xvch-5gv4-984h')[0]!)).toEqual([
      'app/node_modules/minimist/package.json',
      'app/node_modules/mkdirp/node_modules/minimist/package.json',
    ]);

    const secret = find('secret/private-key')[0]!;
    expect(secret.level).toBe('error');
    expect(secret.locations![0]!.physicalLocation).toEqual({
      artifactLocation: { uri: 'root/.ssh/id_ed25519', uriBaseId: IMAGE_ROOT },
      region: { startLine: 1 },
    });
    expect(uris(find('malware/eicar-test-file')[0]!)).toEqual(['tmp/eicar.com']);
    expect(uris(find('CONSIGN-BASE-005')[0]!)).toEqual(['usr/bin/mount', 'usr/bin/su']);
    // A finding about the configuration is located at the image itself.
    const root = find('CONSIGN-BASE-001')[0]!;
    expect(uris(root)).toEqual(['team/app:1.2']);
    expect(root.locations![0]!.logicalLocations![0]!.fullyQualifiedName).toBe(
      `team/app@${sampleScan().image.digest}`,
    );
    expect(root.level).toBe('warning');
    expect(find('CONSIGN-BASE-002')[0]!.message.text).toBe(
      'Secrets in the image environment (ENV): ENV DB_PASSWORD.',
    );
  });

  it('fingerprints findings stably: the same across scans, different between findings', () => {
    const fingerprints = (scan = sampleScan()) =>
      toSarif(scan, { now }).runs[0]!.results!.map((r) => r.partialFingerprints![FINGERPRINT]!);
    const first = fingerprints();
    expect(first.every((f) => /^[0-9a-f]{64}$/.test(f))).toBe(true);
    // A rebuilt image (new digest, later time) with the same problems keeps its alerts.
    const rebuilt = sampleScan();
    rebuilt.image.digest = `sha256:${'c'.repeat(64)}` as typeof rebuilt.image.digest;
    expect(
      toSarif(rebuilt, { now: new Date() }).runs[0]!.results!.map(
        (r) => r.partialFingerprints![FINGERPRINT],
      ),
    ).toEqual(first);
    expect(new Set(first).size).toBe(first.length);
    // Upgrading a still-vulnerable package keeps its alert.
    const upgraded = sampleScan();
    upgraded.vulnerabilities[0]!.installedVersion = '2.36-9+deb12u5';
    upgraded.vulnerabilities[0]!.purl = upgraded.vulnerabilities[0]!.purl.replace('u4', 'u5');
    expect(fingerprints(upgraded)[0]).toBe(first[0]);
  });

  it('is a valid run with no findings', () => {
    const scan = sampleScan();
    scan.vulnerabilities = [];
    scan.baseline = [];
    scan.secrets = [];
    scan.malware = [];
    const run = toSarif(scan, { now }).runs[0]!;
    expect(run.results).toEqual([]);
    expect(run.tool.driver.rules).toEqual([]);
  });
});
