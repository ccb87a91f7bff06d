/**
 * Application packages against OSV data: each type's OSV ecosystem and the name OSV files it
 * under (npm as published, PyPI normalized per PEP 503, Go module paths and `stdlib`, Maven
 * `group:artifact`), matched with that ecosystem's own version ordering.
 */
import {
  findVulnerabilities,
  versionOrdering,
  type Finding,
  type StoredAffected,
  type VulnDatabase,
} from '../../vulndb';
import type { Package, PackageType } from '../types';
import { stdlibVersion } from './golang';
import { normalizePythonName } from './python';

const ECOSYSTEMS: Partial<Record<PackageType, string>> = {
  npm: 'npm',
  pypi: 'PyPI',
  go: 'Go',
  maven: 'Maven',
};

/** The names OSV may file a package under, and the version to match. */
function lookup(pkg: Package): { names: string[]; version: string } | undefined {
  switch (pkg.type) {
    case 'npm':
      return { names: [pkg.name], version: pkg.version };
    case 'pypi': {
      // OSV's PyPI data mostly uses the normalized name, some records the project's spelling.
      const normalized = normalizePythonName(pkg.name);
      return { names: [...new Set([normalized, pkg.name])], version: pkg.version };
    }
    case 'go':
      return pkg.name === 'stdlib'
        ? { names: ['stdlib'], version: stdlibVersion(pkg.version) }
        : { names: [pkg.name], version: pkg.version };
    case 'maven':
      // Without a group (coordinates from a manifest only) OSV cannot be asked reliably.
      return pkg.name.includes(':') ? { names: [pkg.name], version: pkg.version } : undefined;
    default:
      return undefined;
  }
}

export function appFindings(
  db: Pick<VulnDatabase, 'affecting'>,
  packages: Package[],
): { pkg: Package; finding: Finding }[] {
  const found: { pkg: Package; finding: Finding }[] = [];
  const cache = new Map<string, Finding[]>();
  for (const pkg of packages) {
    const ecosystem = ECOSYSTEMS[pkg.type];
    const wanted = ecosystem ? lookup(pkg) : undefined;
    if (!ecosystem || !wanted) continue;
    const key = `${ecosystem}\0${wanted.names.join('\0')}\0${wanted.version}`;
    let findings = cache.get(key);
    if (!findings) {
      const entries = new Map<string, StoredAffected[]>();
      for (const name of wanted.names) {
        for (const entry of db.affecting(ecosystem, name)) {
          entries.set(entry.recordId, [...(entries.get(entry.recordId) ?? []), entry]);
        }
      }
      findings = findVulnerabilities(
        [...entries.values()].flat(),
        wanted.version,
        versionOrdering(ecosystem),
      );
      cache.set(key, findings);
    }
    for (const finding of findings) found.push({ pkg, finding });
  }
  return found;
}
