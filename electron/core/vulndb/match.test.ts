import { describe, expect, it } from 'vitest';
import type { StoredAffected } from './database';
import { findVulnerabilities, inRange, matchAffected, type Ordering } from './match';

/** Dotted numbers ("1.10.2"), enough to exercise range evaluation apart from any real scheme. */
const dotted: Ordering = {
  isValid: (v) => /^\d+(\.\d+)*$/.test(v),
  compare(a, b) {
    const x = a.split('.').map(Number);
    const y = b.split('.').map(Number);
    for (let i = 0; i < Math.max(x.length, y.length); i++) {
      const d = (x[i] ?? 0) - (y[i] ?? 0);
      if (d) return Math.sign(d);
    }
    return 0;
  },
};

function entry(
  id: string,
  ranges: StoredAffected['ranges'],
  record: Partial<StoredAffected['record']> = {},
  extra: Partial<StoredAffected> = {},
): StoredAffected {
  return {
    recordId: id,
    ecosystem: 'npm',
    name: 'pkg',
    ranges,
    versions: [],
    record: { aliases: [], severity: [], ...record },
    ...extra,
  };
}

describe('inRange', () => {
  const range = {
    type: 'ECOSYSTEM' as const,
    // Unordered on purpose: evaluation sorts by version.
    events: [{ fixed: '1.5' }, { introduced: '2.0' }, { introduced: '1.0' }, { fixed: '2.3' }],
  };

  it.each([
    ['0.9', false, undefined],
    ['1.0', true, '1.5'],
    ['1.4.9', true, '1.5'],
    ['1.5', false, undefined],
    ['1.9', false, undefined],
    ['2.0', true, '2.3'],
    ['2.3', false, undefined],
  ])('%s: affected %s, fixed in %s', (version, affected, fixed) => {
    expect(inRange(range, version, dotted)).toEqual(fixed ? { affected, fixed } : { affected });
  });

  it('handles introduced 0, last_affected and unfixed ranges', () => {
    const last = {
      type: 'SEMVER' as const,
      events: [{ introduced: '0' }, { last_affected: '3.1' }],
    };
    expect(inRange(last, '3.1', dotted)).toEqual({ affected: true });
    expect(inRange(last, '3.2', dotted)).toEqual({ affected: false });
    const open = { type: 'ECOSYSTEM' as const, events: [{ introduced: '4.0' }] };
    expect(inRange(open, '9.9', dotted)).toEqual({ affected: true });
    const git = { type: 'GIT' as const, events: [{ introduced: '0' }, { fixed: 'abc123' }] };
    expect(inRange(git, '1.0', dotted)).toEqual({ affected: false });
  });

  it('leaves out events whose version the scheme cannot read', () => {
    const range = {
      type: 'ECOSYSTEM' as const,
      events: [{ introduced: '0' }, { fixed: 'not-a-version' }, { fixed: '2.0' }],
    };
    expect(inRange(range, '1.0', dotted)).toEqual({ affected: true, fixed: '2.0' });
  });
});

describe('matchAffected', () => {
  it('matches the explicit versions list', () => {
    const e = entry('X', [], {}, { versions: ['1.2', '1.3'] });
    expect(matchAffected(e, '1.3', dotted)).toEqual({ affected: true });
    expect(matchAffected(e, '1.4', dotted)).toEqual({ affected: false });
  });
});

describe('findVulnerabilities', () => {
  const cve = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H';

  it('merges records about one vulnerability by alias, keeping the highest severity and the fix for all', () => {
    const ghsa = entry(
      'GHSA-1111',
      [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '1.2' }] }],
      { aliases: ['CVE-2026-0001'], rating: 'MODERATE', summary: 'from GHSA' },
    );
    const osv = entry(
      'OSV-2026-9',
      [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '1.3' }] }],
      { aliases: ['CVE-2026-0001'], severity: [{ type: 'CVSS_V3', score: cve }] },
    );
    const other = entry('GHSA-2222', [{ type: 'SEMVER', events: [{ introduced: '1.0' }] }], {
      rating: 'LOW',
    });
    const unrelated = entry('GHSA-3333', [{ type: 'SEMVER', events: [{ introduced: '5.0' }] }]);
    const found = findVulnerabilities([ghsa, osv, other, unrelated], '1.1', dotted);
    expect(found).toEqual([
      {
        id: 'CVE-2026-0001',
        aliases: ['GHSA-1111', 'OSV-2026-9'],
        summary: 'from GHSA',
        installedVersion: '1.1',
        fixedVersion: '1.3',
        severity: { rating: 'CRITICAL', score: 9.8, vector: cve },
        records: ['GHSA-1111', 'OSV-2026-9'],
      },
      {
        id: 'GHSA-2222',
        aliases: [],
        installedVersion: '1.1',
        severity: { rating: 'LOW' },
        records: ['GHSA-2222'],
      },
    ]);
  });

  it('prefers the package-level severity and scores a CVSS v4 vector', () => {
    const v4 = 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N';
    const a = entry('A-1', [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }] }], {
      severity: [{ type: 'CVSS_V4', score: v4 }],
    });
    const b = entry(
      'B-1',
      [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }] }],
      { rating: 'LOW' },
      { severity: [{ type: 'RATING', score: 'HIGH' }] },
    );
    const found = findVulnerabilities([a, b], '1.0', dotted);
    expect(found.map((f) => [f.id, f.severity])).toEqual([
      ['A-1', { rating: 'CRITICAL', score: 9.3, vector: v4 }],
      ['B-1', { rating: 'HIGH' }],
    ]);
  });

  it('prefers a CVSS v4 vector to a v3 one, and falls back past an invalid vector', () => {
    const v3 = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H';
    const v4 = 'CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N';
    const broken = 'CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SI:N';
    const range = [{ type: 'ECOSYSTEM' as const, events: [{ introduced: '0' }] }];
    const severities = (severity: StoredAffected['severity'], rating?: string) =>
      findVulnerabilities(
        [entry('A-1', range, rating ? { rating } : {}, { severity })],
        '1.0',
        dotted,
      )[0]?.severity;
    expect(
      severities([
        { type: 'CVSS_V3', score: v3 },
        { type: 'CVSS_V4', score: v4 },
      ]),
    ).toEqual({
      rating: 'HIGH',
      score: 8.5,
      vector: v4,
    });
    expect(
      severities([
        { type: 'CVSS_V4', score: broken },
        { type: 'CVSS_V3', score: v3 },
      ]),
    ).toEqual({ rating: 'CRITICAL', score: 9.8, vector: v3 });
    expect(severities([{ type: 'CVSS_V4', score: broken }], 'MODERATE')).toEqual({
      rating: 'MEDIUM',
    });
    expect(severities([{ type: 'CVSS_V4', score: broken }])).toEqual({ rating: 'UNKNOWN' });
  });

  it('reports no fixed version when one merged record has none', () => {
    const fixed = entry(
      'A-1',
      [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '2.0' }] }],
      { aliases: ['CVE-1'] },
    );
    const open = entry('B-1', [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }] }], {
      aliases: ['CVE-1'],
    });
    expect(findVulnerabilities([fixed, open], '1.0', dotted)[0]).not.toHaveProperty('fixedVersion');
  });

  it('matches nothing for a version the scheme cannot read', () => {
    const e = entry('A-1', [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }] }]);
    expect(findVulnerabilities([e], 'garbage!', dotted)).toEqual([]);
  });
});
