/**
 * A scan's findings attached to the registry image as signed attestations, in one step: the
 * CycloneDX SBOM and a vulnerability report in cosign's format, each an in-toto Statement signed
 * by a workspace key and stored as a Sigstore bundle referrer (through signing's `attestImage`,
 * which also records each new attestation in the audit log). The scanner uses signing here;
 * signing never knows about scans.
 *
 * Both predicates are derived from the scan alone (its times are when the layers were read, the
 * SBOM's serial number comes from its content), so attesting an unchanged image again finds the
 * equal attestations already there and adds nothing. New vulnerability data, or a fresh read of
 * the layers, makes a new report, which is attested next to the earlier one.
 */
import { createHash } from 'node:crypto';
import type { Engine } from '../engine';
import { ConsignError } from '../errors';
import {
  formatImageReference,
  parseImageReference,
  type Digest,
  type ImageReference,
} from '../oci';
import { attestImage } from '../signing';
import { APP_VERSION } from '../version';
import { toCycloneDxJson } from './formats';
import { scanImage, type ScanResult } from './scan';

export const SBOM_PREDICATE_TYPE = 'https://cyclonedx.org/bom';
export const VULN_PREDICATE_TYPE = 'https://cosign.sigstore.dev/attestation/vuln/v1';

/** Where the vulnerability records come from (imported offline with `vulndb import`). */
const VULN_DB_URI = 'https://osv.dev';

export interface ScanAttestation {
  predicateType: string;
  /** The referrer manifest holding the signed bundle. */
  ref: string;
  /** False when an equal attestation by the same key was already there. */
  created: boolean;
}

export interface ScanAttestations {
  /** The attested digest: the one the reference names (an index, for a multi-platform image). */
  digest: Digest;
  attestations: ScanAttestation[];
}

/**
 * Checks, before any scan, that the image can carry attestations and that the key may sign: only
 * registry images hold referrers, and a revoked key never signs (CHECK_FAILED).
 */
export function checkAttestable(
  engine: Engine,
  ref: string,
  keyId: string,
): Extract<ImageReference, { transport: 'docker' }> {
  const parsed = parseImageReference(ref);
  if (parsed.transport !== 'docker') {
    throw new ConsignError(
      'BAD_INPUT',
      `${formatImageReference(parsed)} is not in a registry: attestations are stored next to a registry image (docker://…).`,
      {
        remedy:
          'Copy the image to a registry first (`consign copy` or Copy in the app), then scan and attest it there.',
      },
    );
  }
  const key = engine.requireStore().keys.get(keyId);
  if (key.state === 'revoked') {
    throw new ConsignError(
      'CHECK_FAILED',
      `The key ${key.id} ("${key.name}") is revoked and cannot be used to sign.`,
      { remedy: 'Use an active key instead (see the Keys page or `consign keys list`).' },
    );
  }
  return parsed;
}

/** A name-based (version 5) UUID, so equal content always gets the same serial number. */
function contentUuid(text: string): string {
  const hex = createHash('sha1').update('consign:cyclonedx:').update(text).digest('hex');
  const variant = ((parseInt(hex.slice(16, 18), 16) & 0x3f) | 0x80).toString(16);
  return [
    hex.slice(0, 8),
    hex.slice(8, 12),
    `5${hex.slice(13, 16)}`,
    `${variant}${hex.slice(18, 20)}`,
    hex.slice(20, 32),
  ].join('-');
}

/** The scan as a CycloneDX 1.6 BOM object, stamped with the scan's time and a content serial. */
export async function sbomPredicate(result: ScanResult): Promise<Record<string, unknown>> {
  const now = new Date(result.scannedAt ?? Date.now());
  const placeholder = 'urn:uuid:00000000-0000-5000-8000-000000000000';
  const text = await toCycloneDxJson(result, { now, serialNumber: placeholder });
  const bom = JSON.parse(text) as Record<string, unknown>;
  bom.serialNumber = `urn:uuid:${contentUuid(text)}`;
  return bom;
}

/** Sorted the same way every time, so an unchanged report is recognised as equal. */
function sortedVulnerabilities(result: ScanResult): ScanResult['vulnerabilities'] {
  const key = (v: ScanResult['vulnerabilities'][number]) => `${v.id}\u0000${v.purl}`;
  return [...result.vulnerabilities].sort((a, b) =>
    key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0,
  );
}

/**
 * The scan's vulnerabilities as cosign's vulnerability scan record
 * (`https://cosign.sigstore.dev/attestation/vuln/v1`): invocation, scanner with its database and
 * result, and when the scan ran.
 */
export function vulnPredicate(result: ScanResult): Record<string, unknown> {
  const { image, summary, database } = result;
  const at = result.scannedAt ?? new Date().toISOString();
  return {
    invocation: {
      parameters: image.platform ? { platform: image.platform } : null,
      uri: '',
      event_id: '',
      'builder.id': '',
    },
    scanner: {
      uri: `pkg:generic/consign@${APP_VERSION}`,
      version: APP_VERSION,
      db: { uri: VULN_DB_URI, version: database.dataAsOf ?? '' },
      result: {
        image: {
          digest: image.digest,
          manifest: image.manifest,
          ...(image.platform ? { platform: image.platform } : {}),
          ...(image.os?.ecosystem ? { ecosystem: image.os.ecosystem } : {}),
        },
        database: { records: database.records, stale: database.stale },
        summary: { ...summary.vulnerabilities },
        vulnerabilities: sortedVulnerabilities(result),
      },
    },
    // The cache keeps one time: when the layers were read. It stands for both ends of the scan.
    metadata: { scanStartedOn: at, scanFinishedOn: at },
  };
}

/**
 * The SBOM and the vulnerability report of a scan, as predicates for the image at `digest`. An
 * image from the Docker engine is scanned as the engine holds it and pushed with compressed
 * layers, so its manifest digest changes on the way while its config and the layers' contents do
 * not: the documents then name the digest they are attached to, the one a reader can look up.
 */
export async function scanPredicates(
  result: ScanResult,
  digest: Digest = result.image.digest,
): Promise<[string, Record<string, unknown>][]> {
  const scan =
    result.image.digest === digest
      ? result
      : { ...result, image: { ...result.image, digest, manifest: digest } };
  return [
    [SBOM_PREDICATE_TYPE, await sbomPredicate(scan)],
    [VULN_PREDICATE_TYPE, vulnPredicate(scan)],
  ];
}

/**
 * Attaches a finished scan of a registry image: the SBOM, then the vulnerability report. The
 * attestations are made on the digest that was scanned (not on whatever the tag names by now).
 */
export async function attestScanResult(
  engine: Engine,
  ref: string,
  keyId: string,
  result: ScanResult,
): Promise<ScanAttestations> {
  const parsed = checkAttestable(engine, ref, keyId);
  const pinned = formatImageReference({ ...parsed, digest: result.image.digest });
  const attestations: ScanAttestation[] = [];
  for (const [predicateType, predicate] of await scanPredicates(result)) {
    const written = await attestImage(engine, pinned, keyId, { predicateType, predicate });
    attestations.push({ predicateType, ref: written.ref, created: written.created });
  }
  return { digest: result.image.digest, attestations };
}

/**
 * Scans a registry image (from the cache when it is unchanged) and attaches its SBOM and
 * vulnerability report as attestations signed with `keyId`.
 */
export async function attestScan(
  engine: Engine,
  ref: string,
  keyId: string,
  options: { platform?: string } = {},
): Promise<ScanAttestations> {
  checkAttestable(engine, ref, keyId);
  const result = await scanImage(
    engine,
    ref,
    options.platform ? { platform: options.platform } : {},
  );
  return attestScanResult(engine, ref, keyId, result);
}
