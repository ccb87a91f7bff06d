import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../audit';
import type { Digest } from '../oci';
import {
  sbomPredicate,
  SBOM_PREDICATE_TYPE,
  scanPredicates,
  vulnPredicate,
  VULN_PREDICATE_TYPE,
} from './attest';
import { sampleScan } from './formats/sample-scan.testdata';

const scannedAt = '2026-11-20T08:30:00.000Z';

describe('scan attestation predicates', () => {
  it('makes the same SBOM from the same scan, stamped with when the layers were read', async () => {
    const scan = { ...sampleScan(), cached: true, scannedAt };
    const a = await sbomPredicate(scan);
    const b = await sbomPredicate({ ...scan, vulnerabilities: [...scan.vulnerabilities] });
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect((a.metadata as { timestamp: string }).timestamp).toBe(scannedAt);
    expect(a.serialNumber).toMatch(
      /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    // Other findings make another document, with another serial number.
    const fewer = await sbomPredicate({ ...scan, vulnerabilities: scan.vulnerabilities.slice(1) });
    expect(fewer.serialNumber).not.toBe(a.serialNumber);
  });

  it('writes cosign’s vulnerability scan record, independent of the findings’ order', () => {
    const scan = { ...sampleScan(), scannedAt };
    const report = vulnPredicate(scan);
    expect(Object.keys(report).sort()).toEqual(['invocation', 'metadata', 'scanner']);
    expect(report.invocation).toEqual({
      parameters: { platform: { os: 'linux', architecture: 'amd64' } },
      uri: '',
      event_id: '',
      'builder.id': '',
    });
    expect(report.metadata).toEqual({ scanStartedOn: scannedAt, scanFinishedOn: scannedAt });
    const scanner = report.scanner as {
      uri: string;
      db: { uri: string; version: string };
      result: { vulnerabilities: { id: string }[]; summary: { total: number } };
    };
    expect(scanner.uri).toMatch(/^pkg:generic\/consign@/);
    expect(scanner.db.uri).toBe('https://osv.dev');
    expect(scanner.result.vulnerabilities).toHaveLength(scan.vulnerabilities.length);
    expect(scanner.result.summary.total).toBe(scan.summary.vulnerabilities.total);

    const reversed = vulnPredicate({
      ...scan,
      vulnerabilities: [...scan.vulnerabilities].reverse(),
    });
    expect(canonicalJson(reversed)).toBe(canonicalJson(report));
  });

  it('names the digest the documents are attached to when the image was pushed under another', async () => {
    const scan = { ...sampleScan(), scannedAt };
    const component = (sbom: Record<string, unknown>) =>
      (sbom.metadata as { component: { hashes: { content: string }[]; purl: string } }).component;
    const image = (report: Record<string, unknown>) =>
      (report.scanner as { result: { image: { digest: string; manifest: string } } }).result.image;

    // As scanned: a multi-platform image keeps its index and the scanned platform's manifest.
    const documents = await scanPredicates(scan);
    expect(documents.map(([type]) => type)).toEqual([SBOM_PREDICATE_TYPE, VULN_PREDICATE_TYPE]);
    const [sbom, vuln] = documents.map(([, predicate]) => predicate);
    expect(component(sbom!).hashes[0]!.content).toBe(scan.image.digest.slice('sha256:'.length));
    expect(image(vuln!)).toMatchObject({
      digest: scan.image.digest,
      manifest: scan.image.manifest,
    });
    const same = await scanPredicates(scan, scan.image.digest);
    expect(canonicalJson(same)).toBe(canonicalJson(documents));

    // Pushed with compressed layers: another manifest, the same contents.
    const pushed = `sha256:${'c'.repeat(64)}` as Digest;
    const [pushedSbom, pushedVuln] = (await scanPredicates(scan, pushed)).map(([, p]) => p);
    expect(component(pushedSbom!).hashes[0]!.content).toBe('c'.repeat(64));
    expect(component(pushedSbom!).purl).toContain(encodeURIComponent(pushed));
    expect(JSON.stringify(pushedSbom)).not.toContain(scan.image.digest);
    expect(image(pushedVuln!)).toMatchObject({ digest: pushed, manifest: pushed });
    expect(JSON.stringify(pushedVuln)).not.toContain(scan.image.manifest);
  });
});
