/**
 * A scan as a CycloneDX 1.6 JSON SBOM (with its vulnerabilities, as a VDR): the image is the
 * BOM's subject (a `container` component), its operating system a component that the OS
 * packages belong to, and every package a `library` with its package URL. Built with the
 * CycloneDX library's models and serializer so the output follows the specification's rules.
 */
import { randomUUID } from 'node:crypto';
import { Enums, Models, Serialize, Spec } from '@cyclonedx/cyclonedx-library';
import { APP_VERSION } from '../../version';
import type { ScanResult, Vulnerability } from '../scan';
import type { Package, PackageType } from '../types';
import { imageIdentity } from './image-identity';
import { vulnerabilitySource } from './sources';

const V = Models.Vulnerability;

/** Package types the operating system's package manager installs. */
const OS_PACKAGE_TYPES: ReadonlySet<PackageType> = new Set(['deb', 'apk', 'rpm']);

/** Names of the properties Consign adds (namespaced, as CycloneDX's property taxonomy asks). */
export const CDX_PROPERTY = {
  packageType: 'consign:package:type',
  sourceName: 'consign:package:source_name',
  sourceVersion: 'consign:package:source_version',
  path: 'consign:package:path',
  manifest: 'consign:image:manifest_digest',
} as const;

const SEVERITY: Record<Vulnerability['severity'], Enums.Vulnerability.Severity> = {
  CRITICAL: Enums.Vulnerability.Severity.Critical,
  HIGH: Enums.Vulnerability.Severity.High,
  MEDIUM: Enums.Vulnerability.Severity.Medium,
  LOW: Enums.Vulnerability.Severity.Low,
  NONE: Enums.Vulnerability.Severity.None,
  UNKNOWN: Enums.Vulnerability.Severity.Unknown,
};

/** The rating method a CVSS vector's prefix names. */
function ratingMethod(vector: string | undefined): Enums.Vulnerability.RatingMethod {
  if (vector?.startsWith('CVSS:3.1/')) return Enums.Vulnerability.RatingMethod.CVSSv31;
  if (vector?.startsWith('CVSS:3.0/')) return Enums.Vulnerability.RatingMethod.CVSSv3;
  if (vector?.startsWith('CVSS:4.0/')) return Enums.Vulnerability.RatingMethod.CVSSv4;
  return Enums.Vulnerability.RatingMethod.Other;
}

function packageComponent(pkg: Package, bomRef: string): Models.Component {
  const properties = new Models.PropertyRepository([
    new Models.Property(CDX_PROPERTY.packageType, pkg.type),
  ]);
  if (pkg.source) {
    properties.add(new Models.Property(CDX_PROPERTY.sourceName, pkg.source.name));
    properties.add(new Models.Property(CDX_PROPERTY.sourceVersion, pkg.source.version));
  }
  if (pkg.path) properties.add(new Models.Property(CDX_PROPERTY.path, pkg.path));
  return new Models.Component(Enums.ComponentType.Library, pkg.name, {
    bomRef,
    version: pkg.version,
    purl: pkg.purl,
    properties,
  });
}

/** bom-refs are the package URL; the same package found twice gets a numbered second ref. */
function uniqueRefs(packages: Package[]): string[] {
  const seen = new Map<string, number>();
  return packages.map((pkg) => {
    const count = seen.get(pkg.purl) ?? 0;
    seen.set(pkg.purl, count + 1);
    return count === 0 ? pkg.purl : `${pkg.purl}#${count + 1}`;
  });
}

/** Installed versions per package, and the fix each needs, said in words. */
function recommendation(hits: Vulnerability[]): string | undefined {
  const byFix = new Map<string, string[]>();
  for (const hit of hits) {
    if (!hit.fixedVersion) continue;
    const names = byFix.get(hit.fixedVersion) ?? [];
    if (!names.includes(hit.package)) names.push(hit.package);
    byFix.set(hit.fixedVersion, names);
  }
  if (!byFix.size) return undefined;
  return [...byFix]
    .map(([fix, names]) => `Upgrade ${names.join(', ')} to ${fix} or later.`)
    .join(' ');
}

export interface CycloneDxOptions {
  /** The BOM's timestamp (default: now). */
  now?: Date;
  /** `urn:uuid:…` (default: a random one, as every BOM is a new document). */
  serialNumber?: string;
}

/** The scan as a CycloneDX model (for callers that attach it elsewhere, e.g. an attestation). */
export function cycloneDxBom(result: ScanResult, options: CycloneDxOptions = {}): Models.Bom {
  const identity = imageIdentity(result.image);
  const image = new Models.Component(Enums.ComponentType.Container, identity.name, {
    bomRef: identity.purl,
    version: identity.tag ?? result.image.digest,
    purl: identity.purl,
    hashes: new Models.HashDictionary([
      [Enums.HashAlgorithm['SHA-256'], result.image.digest.replace(/^sha256:/, '')],
    ]),
    properties: new Models.PropertyRepository([
      // Not the reference itself: a local one names a folder or file on this machine.
      new Models.Property(CDX_PROPERTY.manifest, result.image.manifest),
    ]),
  });
  const tool = new Models.Component(Enums.ComponentType.Application, 'Consign', {
    version: APP_VERSION,
  });
  const bom = new Models.Bom({
    serialNumber: options.serialNumber ?? `urn:uuid:${randomUUID()}`,
    metadata: new Models.Metadata({
      timestamp: options.now ?? new Date(),
      tools: new Models.Tools({ components: new Models.ComponentRepository([tool]) }),
      component: image,
    }),
  });

  const os = result.image.os;
  const osComponent = os
    ? new Models.Component(Enums.ComponentType.OperatingSystem, os.id, {
        bomRef: `os:${os.id}${os.versionId ? `@${os.versionId}` : ''}`,
        ...(os.versionId ? { version: os.versionId } : {}),
        ...(os.prettyName ? { description: os.prettyName } : {}),
      })
    : undefined;
  if (osComponent) {
    bom.components.add(osComponent);
    image.dependencies.add(osComponent.bomRef);
  }

  const refs = uniqueRefs(result.packages);
  const byPurl = new Map<string, Models.Component[]>();
  result.packages.forEach((pkg, i) => {
    const component = packageComponent(pkg, refs[i]!);
    bom.components.add(component);
    const same = byPurl.get(pkg.purl);
    if (same) same.push(component);
    else byPurl.set(pkg.purl, [component]);
    // Minimal dependencies: OS packages belong to the OS, everything else to the image.
    const owner = osComponent && OS_PACKAGE_TYPES.has(pkg.type) ? osComponent : image;
    owner.dependencies.add(component.bomRef);
  });

  // One entry per vulnerability, affecting every package it was found in.
  const byId = new Map<string, Vulnerability[]>();
  for (const v of result.vulnerabilities) {
    const hits = byId.get(v.id);
    if (hits) hits.push(v);
    else byId.set(v.id, [v]);
  }
  for (const [id, hits] of byId) {
    const first = hits[0]!;
    const source = vulnerabilitySource(id);
    const worst = hits.reduce((a, b) => ((b.score ?? -1) > (a.score ?? -1) ? b : a), first);
    const affects = new V.AffectRepository();
    for (const hit of hits) {
      for (const component of byPurl.get(hit.purl) ?? []) {
        affects.add(
          new V.Affect(component.bomRef, {
            versions: new V.AffectedVersionRepository([
              new V.AffectedSingleVersion(hit.installedVersion, {
                status: Enums.Vulnerability.AffectStatus.Affected,
              }),
            ]),
          }),
        );
      }
    }
    const advice = recommendation(hits);
    bom.vulnerabilities.add(
      new V.Vulnerability({
        bomRef: `vulnerability:${id}`,
        id,
        source: new V.Source(source),
        references: new V.ReferenceRepository(
          first.aliases
            .filter((alias) => alias !== id)
            .map((alias) => new V.Reference(alias, new V.Source(vulnerabilitySource(alias)))),
        ),
        ratings: new V.RatingRepository([
          new V.Rating({
            severity: SEVERITY[worst.severity],
            ...(worst.score !== undefined ? { score: worst.score } : {}),
            ...(worst.vector ? { vector: worst.vector } : {}),
            method: ratingMethod(worst.vector),
          }),
        ]),
        ...(first.summary ? { description: first.summary } : {}),
        ...(advice ? { recommendation: advice } : {}),
        affects,
      }),
    );
  }
  return bom;
}

/** The scan as CycloneDX 1.6 JSON text. */
export function toCycloneDxJson(result: ScanResult, options: CycloneDxOptions = {}): string {
  const serializer = new Serialize.JsonSerializer(
    new Serialize.JSON.Normalize.Factory(Spec.Spec1dot6),
  );
  // Sorted lists make two scans of one image differ only in timestamp and serial number.
  return serializer.serialize(cycloneDxBom(result, options), { sortLists: true, space: 2 });
}
