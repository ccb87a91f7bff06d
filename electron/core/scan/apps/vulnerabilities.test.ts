import { describe, expect, it } from 'vitest';
import type { StoredAffected } from '../../vulndb';
import type { Package } from '../types';
import { goPackages, parseModinfo } from './golang';
import { mavenPackage } from './java';
import { npmPackage } from './npm';
import { pythonPackage } from './python';
import { appFindings } from './vulnerabilities';

function affected(id: string, ecosystem: string, name: string, fixed: string): StoredAffected {
  return {
    recordId: id,
    ecosystem,
    name,
    ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed }] }],
    versions: [],
    record: { aliases: [], severity: [] },
  };
}

/** The database's lookup: exact ecosystem and name, as the SQL index does it. */
function db(entries: StoredAffected[]) {
  const asked: string[] = [];
  return {
    asked,
    affecting(ecosystem: string, name: string) {
      asked.push(`${ecosystem}/${name}`);
      return entries.filter((e) => e.ecosystem === ecosystem && e.name === name);
    },
  };
}

describe('appFindings', () => {
  it('asks each ecosystem under the name OSV uses and orders versions its own way', () => {
    const go = goPackages(
      parseModinfo(
        'go1.19.8',
        'mod\texample.com/app\t(devel)\t\ndep\tgolang.org/x/net\tv0.7.0\t\n',
      ),
      'bin/app',
    );
    const packages: Package[] = [
      npmPackage('lodash', '4.17.20', 'a'),
      npmPackage('@babel/traverse', '7.23.2', 'a'),
      pythonPackage('Jinja2', '3.1.2', 'b'),
      pythonPackage('PyYAML', '5.3.1', 'b'),
      mavenPackage('com.fasterxml.jackson.core', 'jackson-databind', '2.13.0', 'c'),
      mavenPackage(undefined, 'no-group', '1.0', 'c'),
      ...go,
    ];
    const data = db([
      affected('GHSA-npm-1', 'npm', 'lodash', '4.17.21'),
      // Fixed in exactly the installed version: not affected.
      affected('GHSA-npm-2', 'npm', '@babel/traverse', '7.23.2'),
      // PEP 503 normalized, and PEP 440 ordering (3.1.10 is after 3.1.2).
      affected('PYSEC-1', 'PyPI', 'jinja2', '3.1.10'),
      affected('PYSEC-2', 'PyPI', 'PyYAML', '5.4'),
      // Maven ordering: 2.13.0 < 2.13.4.1.
      affected('GHSA-mvn-1', 'Maven', 'com.fasterxml.jackson.core:jackson-databind', '2.13.4.1'),
      affected('GO-1', 'Go', 'golang.org/x/net', '0.17.0'),
      affected('GO-2', 'Go', 'stdlib', '1.19.9'),
      affected('GO-3', 'Go', 'stdlib', '1.19.8'),
    ]);
    const found = appFindings(data, packages);
    expect(
      found.map(({ pkg, finding }) => `${finding.id} ${pkg.purl} ${finding.fixedVersion}`),
    ).toEqual([
      'GHSA-npm-1 pkg:npm/lodash@4.17.20 4.17.21',
      'PYSEC-1 pkg:pypi/jinja2@3.1.2 3.1.10',
      'PYSEC-2 pkg:pypi/pyyaml@5.3.1 5.4',
      'GHSA-mvn-1 pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.13.0 2.13.4.1',
      'GO-1 pkg:golang/golang.org/x/net@v0.7.0 0.17.0',
      'GO-2 pkg:golang/stdlib@go1.19.8 1.19.9',
    ]);
    // A Maven artifact without a group is not looked up under a guessed name.
    expect(data.asked).not.toContain('Maven/no-group');
    expect(data.asked).toContain('PyPI/pyyaml');
  });
});
