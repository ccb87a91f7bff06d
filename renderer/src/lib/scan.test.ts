import { describe, expect, it } from 'vitest';
import type { ScannedPackage, ScannedVulnerability } from '../../../shared/contract';
import { nextSort, visiblePackages, visibleVulnerabilities } from './scan';

const v = (
  id: string,
  severity: ScannedVulnerability['severity'],
  pkg: string,
  extra: Partial<ScannedVulnerability> = {},
): ScannedVulnerability => ({
  id,
  aliases: [],
  package: pkg,
  purl: `pkg:deb/debian/${pkg}@1.0`,
  installedVersion: '1.0',
  severity,
  ...extra,
});

const findings = [
  v('CVE-2099-0010', 'LOW', 'perl', { aliases: ['DSA-9-1'] }),
  v('CVE-2099-0002', 'CRITICAL', 'openssl', { fixedVersion: '3.0.2', score: 9.8 }),
  v('CVE-2099-0003', 'HIGH', 'libc6', { fixedVersion: '2.36-9+deb12u99', score: 7.8 }),
  v('CVE-2099-0004', 'CRITICAL', 'zlib1g', { fixedVersion: '1.2.13', score: 9.1 }),
  v('CVE-2099-0005', 'UNKNOWN', 'bash'),
];

const ids = (rows: { id: string }[]) => rows.map((row) => row.id);

describe('visibleVulnerabilities', () => {
  it('puts the most severe first, higher scores first within a severity', () => {
    const rows = visibleVulnerabilities(findings, '', [], {
      column: 'severity',
      direction: 'ascending',
    });
    expect(ids(rows)).toEqual([
      'CVE-2099-0002',
      'CVE-2099-0004',
      'CVE-2099-0003',
      'CVE-2099-0010',
      'CVE-2099-0005',
    ]);
    const reversed = visibleVulnerabilities(findings, '', [], {
      column: 'severity',
      direction: 'descending',
    });
    expect(ids(reversed)).toEqual(ids(rows).reverse());
  });

  it('filters by severity and by text in id, alias, package or version', () => {
    const sort = { column: 'id', direction: 'ascending' } as const;
    expect(ids(visibleVulnerabilities(findings, '', ['CRITICAL'], sort))).toEqual([
      'CVE-2099-0002',
      'CVE-2099-0004',
    ]);
    expect(ids(visibleVulnerabilities(findings, ' dsa-9 ', [], sort))).toEqual(['CVE-2099-0010']);
    expect(ids(visibleVulnerabilities(findings, 'LIBC', [], sort))).toEqual(['CVE-2099-0003']);
    expect(ids(visibleVulnerabilities(findings, 'deb12u99', [], sort))).toEqual(['CVE-2099-0003']);
    expect(visibleVulnerabilities(findings, 'perl', ['HIGH'], sort)).toEqual([]);
  });

  it('sorts ids numerically and keeps findings without a fix last in either direction', () => {
    const byId = visibleVulnerabilities(findings, '', [], { column: 'id', direction: 'ascending' });
    expect(ids(byId)).toEqual([
      'CVE-2099-0002',
      'CVE-2099-0003',
      'CVE-2099-0004',
      'CVE-2099-0005',
      'CVE-2099-0010',
    ]);
    for (const direction of ['ascending', 'descending'] as const) {
      const rows = visibleVulnerabilities(findings, '', [], { column: 'fixed', direction });
      expect(rows.slice(3).every((row) => row.fixedVersion === undefined)).toBe(true);
    }
    const fixed = visibleVulnerabilities(findings, '', [], {
      column: 'fixed',
      direction: 'ascending',
    });
    expect(fixed.slice(0, 3).map((row) => row.fixedVersion)).toEqual([
      '1.2.13',
      '2.36-9+deb12u99',
      '3.0.2',
    ]);
  });

  it('does not reorder the list it was given', () => {
    const before = ids(findings);
    visibleVulnerabilities(findings, '', [], { column: 'package', direction: 'descending' });
    expect(ids(findings)).toEqual(before);
  });
});

describe('visiblePackages', () => {
  const p = (name: string, version: string, source?: string): ScannedPackage => ({
    type: 'deb',
    name,
    version,
    purl: `pkg:deb/debian/${name}@${version}`,
    ...(source ? { source: { name: source, version } } : {}),
  });
  const packages = [
    p('zlib1g', '1:1.2.13', 'zlib'),
    p('libc6', '2.36-9', 'glibc'),
    p('bash', '5.2'),
  ];

  it('filters by name, source or purl and sorts by the chosen column', () => {
    const byName = { column: 'name', direction: 'ascending' } as const;
    expect(visiblePackages(packages, '', byName).map((x) => x.name)).toEqual([
      'bash',
      'libc6',
      'zlib1g',
    ]);
    expect(visiblePackages(packages, 'GLIBC', byName).map((x) => x.name)).toEqual(['libc6']);
    expect(visiblePackages(packages, 'pkg:deb/debian/bash', byName).map((x) => x.name)).toEqual([
      'bash',
    ]);
    const bySource = visiblePackages(packages, '', { column: 'source', direction: 'descending' });
    expect(bySource.map((x) => x.source?.name ?? x.name)).toEqual(['zlib', 'glibc', 'bash']);
  });
});

describe('nextSort', () => {
  it('reverses the current column and starts a new one ascending', () => {
    expect(nextSort({ column: 'id', direction: 'ascending' }, 'id')).toEqual({
      column: 'id',
      direction: 'descending',
    });
    expect(nextSort({ column: 'id', direction: 'descending' }, 'package')).toEqual({
      column: 'package',
      direction: 'ascending',
    });
  });
});
