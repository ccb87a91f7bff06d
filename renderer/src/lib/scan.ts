import type { ScannedPackage, ScannedVulnerability, Severity } from '../../../shared/contract';

/** Most severe first: the order of the summary, the filter and the default sort. */
export const severities: readonly Severity[] = [
  'CRITICAL',
  'HIGH',
  'MEDIUM',
  'LOW',
  'NONE',
  'UNKNOWN',
];

export const severityColor: Record<Severity, string> = {
  CRITICAL: 'red.9',
  HIGH: 'red.6',
  MEDIUM: 'orange.6',
  LOW: 'yellow.6',
  NONE: 'gray.5',
  UNKNOWN: 'gray.6',
};

/** 0 for CRITICAL … 5 for UNKNOWN. */
export function severityRank(severity: Severity): number {
  return severities.indexOf(severity);
}

export type SortDirection = 'ascending' | 'descending';
export interface Sort<C extends string> {
  column: C;
  direction: SortDirection;
}

export type VulnerabilityColumn = 'severity' | 'id' | 'package' | 'installed' | 'fixed';
export type PackageColumn = 'type' | 'name' | 'version' | 'source';

/** Choosing the current column again reverses the order; a new column starts ascending. */
export function nextSort<C extends string>(sort: Sort<C>, column: C): Sort<C> {
  if (sort.column !== column) return { column, direction: 'ascending' };
  return { column, direction: sort.direction === 'ascending' ? 'descending' : 'ascending' };
}

const text = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });

/**
 * The vulnerability rows to show: those of the chosen severities (all when none is chosen)
 * whose id, alias, package, versions or summary contain the filter text, sorted. Ascending
 * severity means most severe first, as people read a scan report.
 */
export function visibleVulnerabilities(
  items: readonly ScannedVulnerability[],
  filter: string,
  chosen: readonly Severity[],
  sort: Sort<VulnerabilityColumn>,
): ScannedVulnerability[] {
  const needle = filter.trim().toLowerCase();
  const rows = items.filter(
    (v) =>
      (chosen.length === 0 || chosen.includes(v.severity)) &&
      (!needle ||
        [v.id, v.package, v.installedVersion, v.fixedVersion ?? '', v.summary ?? '', ...v.aliases]
          .join('\n')
          .toLowerCase()
          .includes(needle)),
  );
  const sign = sort.direction === 'ascending' ? 1 : -1;
  const compare = (a: ScannedVulnerability, b: ScannedVulnerability): number => {
    switch (sort.column) {
      case 'severity':
        return (
          severityRank(a.severity) - severityRank(b.severity) || (b.score ?? 0) - (a.score ?? 0)
        );
      case 'id':
        return text(a.id, b.id);
      case 'package':
        return text(a.package, b.package);
      case 'installed':
        return text(a.installedVersion, b.installedVersion);
      case 'fixed':
        // Rows without a fix sort after those with one, whichever the direction.
        if (!a.fixedVersion || !b.fixedVersion) {
          return sign * (Number(!a.fixedVersion) - Number(!b.fixedVersion));
        }
        return text(a.fixedVersion, b.fixedVersion);
    }
  };
  return rows.sort(
    (a, b) => sign * compare(a, b) || text(a.id, b.id) || text(a.package, b.package),
  );
}

/** The package rows to show: filtered on name, version, source, type or purl, and sorted. */
export function visiblePackages(
  items: readonly ScannedPackage[],
  filter: string,
  sort: Sort<PackageColumn>,
): ScannedPackage[] {
  const needle = filter.trim().toLowerCase();
  const rows = needle
    ? items.filter((p) =>
        [p.name, p.version, p.type, p.purl, p.source?.name ?? '', p.source?.version ?? '']
          .join('\n')
          .toLowerCase()
          .includes(needle),
      )
    : [...items];
  const sign = sort.direction === 'ascending' ? 1 : -1;
  const compare = (a: ScannedPackage, b: ScannedPackage): number => {
    switch (sort.column) {
      case 'type':
        return text(a.type, b.type);
      case 'name':
        return text(a.name, b.name);
      case 'version':
        return text(a.version, b.version);
      case 'source':
        return text(a.source?.name ?? a.name, b.source?.name ?? b.name);
    }
  };
  return rows.sort((a, b) => sign * compare(a, b) || text(a.name, b.name) || text(a.purl, b.purl));
}
