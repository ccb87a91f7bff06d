import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../db';
import {
  parsePackageUrl,
  parseTraceQuery,
  traceInDatabase,
  TRACE_SQL,
  type TraceResult,
} from './trace';

const X = `sha256:${'a'.repeat(64)}`;
const Y = `sha256:${'b'.repeat(64)}`;
const X2 = `sha256:${'c'.repeat(64)}`;
const UNKNOWN = `sha256:${'d'.repeat(64)}`;
const OPENSSL_OLD = 'pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64&distro=debian-12';
const OPENSSL_NEW = 'pkg:deb/debian/openssl@3.0.15-1~deb12u1?arch=amd64&distro=debian-12';
const LIBSSL = 'pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12';
const OPENSSL_DEV = 'pkg:deb/debian/openssl-dev@3.0.11-1~deb12u2?arch=amd64&distro=debian-12';

interface TargetRow {
  customer: string;
  position: number;
  digest: string | null;
  status: string;
  at: string;
}

/** Rows as the delivery engine writes them (migration 9), inserted directly. */
function addDelivery(
  db: Database,
  delivery: {
    id: string;
    release: string;
    key: string;
    images: { digest: string; purls?: string[]; vulns?: [string, string][] }[];
    targets: TargetRow[];
  },
) {
  const [product, version] = delivery.release.split('@') as [string, string];
  db.prepare(
    `INSERT INTO deliveries (id, product, version, origin, status, key_fingerprint, public_key,
       policy, created_at, updated_at) VALUES (?, ?, ?, 'deliver', 'delivered', ?, 'PEM', '{}', ?, ?)`,
  ).run(delivery.id, product, version, delivery.key, '2026-11-01T00:00:00.000Z', '2026-11-01');
  delivery.images.forEach((image, position) => {
    db.prepare(
      `INSERT INTO delivery_images (delivery_id, position, source, name, tag, digest)
       VALUES (?, ?, ?, ?, ?, ?)`,
    ).run(
      delivery.id,
      position,
      `docker://src/app${position}:1`,
      `app${position}`,
      '1',
      image.digest,
    );
    for (const purl of image.purls ?? []) {
      db.prepare(
        'INSERT INTO delivery_packages (delivery_id, position, purl) VALUES (?, ?, ?)',
      ).run(delivery.id, position, purl);
    }
    for (const [id, purl] of image.vulns ?? []) {
      db.prepare(
        'INSERT INTO delivery_vulnerabilities (delivery_id, position, vuln_id, purl) VALUES (?, ?, ?, ?)',
      ).run(delivery.id, position, id, purl);
    }
  });
  const customers = [...new Set(delivery.targets.map((t) => t.customer))];
  customers.forEach((name, position) => {
    db.prepare(
      `INSERT INTO delivery_customers (delivery_id, customer_id, customer_name, position, status)
       VALUES (?, ?, ?, ?, 'delivered')`,
    ).run(delivery.id, `id-${name}`, name, position);
  });
  for (const target of delivery.targets) {
    db.prepare(
      `INSERT INTO delivery_targets (delivery_id, customer_id, position, ref, digest, status, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      delivery.id,
      `id-${target.customer}`,
      target.position,
      `docker://registry.${target.customer}.example/ns/app${target.position}:1`,
      target.digest,
      target.status,
      target.at,
    );
  }
}

const lines = (result: TraceResult) =>
  result.deliveries.map((hit) => `${hit.release} ${hit.customer} ${hit.ref.split('/').at(-1)}`);

describe('parseTraceQuery', () => {
  it('tells digests, package URLs and vulnerability ids apart by shape', () => {
    expect(parseTraceQuery(` ${X} `)).toEqual({ kind: 'digest', value: X });
    expect(parseTraceQuery('A'.repeat(64))).toEqual({ kind: 'digest', value: X });
    expect(parseTraceQuery(`docker://127.0.0.1:5000/ns/app@${X.toUpperCase()}`)).toEqual({
      kind: 'digest',
      value: X,
    });
    expect(parseTraceQuery('cve-2024-3094')).toEqual({
      kind: 'vulnerability',
      value: 'cve-2024-3094',
    });
    expect(parseTraceQuery('GHSA-jfh8-c2jp-5v3q').kind).toBe('vulnerability');
    expect(parseTraceQuery('DEBIAN-CVE-2023-4911').kind).toBe('vulnerability');
    expect(parseTraceQuery('PKG:deb/debian/openssl')).toMatchObject({
      kind: 'package',
      value: 'pkg:deb/debian/openssl',
    });
  });

  it('refuses what is none of them with an example of each', () => {
    for (const bad of [
      '',
      'sha256:abc',
      'hello world',
      'openssl',
      'pkg:',
      'pkg:deb',
      'pkg:npm/lodash@',
      'pkg:deb/debian//x',
      'pkg:deb/debian/%zz',
    ]) {
      expect(() => parseTraceQuery(bad), bad).toThrow(
        expect.objectContaining({
          code: 'BAD_REQUEST',
          remedy: expect.stringMatching(/sha256:.*CVE-.*pkg:deb\/debian\/openssl/),
        }),
      );
    }
  });
  it('repeats a long query cut short in its error', () => {
    expect(() => parseTraceQuery(`not ${'x'.repeat(1900)}`)).toThrow(
      expect.objectContaining({ message: expect.stringMatching(/^not x{113}\.\.\. is not/) }),
    );
  });
});

describe('parsePackageUrl', () => {
  it('keeps an unencoded npm scope in the namespace and the version after the last @', () => {
    expect(parsePackageUrl('pkg:npm/@Types/Node@20.1.0')).toEqual({
      type: 'npm',
      path: ['%40types', 'node'],
      version: '20.1.0',
      qualifiers: {},
    });
    expect(parsePackageUrl('pkg:npm/%40types/node')).toEqual({
      type: 'npm',
      path: ['%40types', 'node'],
      qualifiers: {},
    });
  });

  it('encodes parts as the scanner writes them, reads qualifiers and ignores the subpath', () => {
    expect(parsePackageUrl('pkg:DEB/debian/g++@4:12.2.0-3?Arch=amd64&empty=#usr/bin')).toEqual({
      type: 'deb',
      path: ['debian', 'g%2B%2B'],
      version: '4%3A12.2.0-3',
      qualifiers: { arch: 'amd64' },
    });
    expect(parsePackageUrl('pkg:pypi/Django_REST.framework@3.0').path).toEqual([
      'django-rest-framework',
    ]);
    // Maven and Go names are case-sensitive.
    expect(parsePackageUrl('pkg:maven/org.Example/Lib@1').path).toEqual(['org.Example', 'Lib']);
  });
});

describe('traceInDatabase', () => {
  let db: Database;

  beforeEach(() => {
    db = openDatabase(':memory:');
    addDelivery(db, {
      id: 'd1',
      release: 'demo@1.0.0',
      key: 'fp-one',
      images: [
        {
          digest: X,
          purls: [OPENSSL_OLD, LIBSSL],
          vulns: [
            ['CVE-2024-0001', OPENSSL_OLD],
            ['DEBIAN-CVE-2024-0001', OPENSSL_OLD],
            ['CVE-2024-0001', LIBSSL],
            ['DEBIAN-CVE-2024-0001', LIBSSL],
          ],
        },
        { digest: Y, purls: [OPENSSL_DEV] },
      ],
      targets: [
        {
          customer: 'acme',
          position: 0,
          digest: X,
          status: 'delivered',
          at: '2026-11-01T10:00:00Z',
        },
        {
          customer: 'acme',
          position: 1,
          digest: Y,
          status: 'delivered',
          at: '2026-11-01T10:01:00Z',
        },
        {
          customer: 'bolt',
          position: 0,
          digest: X,
          status: 'delivered',
          at: '2026-11-01T10:02:00Z',
        },
        { customer: 'bolt', position: 1, digest: Y, status: 'failed', at: '2026-11-01T10:03:00Z' },
      ],
    });
    addDelivery(db, {
      id: 'd2',
      release: 'demo@1.1.0',
      key: 'fp-two',
      images: [{ digest: X2, purls: [OPENSSL_NEW] }],
      targets: [
        {
          customer: 'acme',
          position: 0,
          digest: X2,
          status: 'delivered',
          at: '2026-11-10T09:00:00Z',
        },
        // Not received: still on its way.
        {
          customer: 'crux',
          position: 0,
          digest: X2,
          status: 'copying',
          at: '2026-11-10T09:01:00Z',
        },
        // Delivered before the target's own digest was recorded: the image's digest answers.
        {
          customer: 'dune',
          position: 0,
          digest: null,
          status: 'delivered',
          at: '2026-11-09T09:00:00Z',
        },
      ],
    });
    // A blocked delivery of the same image reached nobody.
    addDelivery(db, {
      id: 'd3',
      release: 'other@2.0',
      key: 'fp-one',
      images: [{ digest: X, purls: [OPENSSL_OLD], vulns: [['CVE-2024-0001', OPENSSL_OLD]] }],
      targets: [{ customer: 'eden', position: 0, digest: X, status: 'pending', at: '2026-11-20' }],
    });
  });
  afterEach(() => db.close());

  it('names every customer that received a digest, newest first, with release, key and time', () => {
    const result = traceInDatabase(db, X);
    expect(result).toMatchObject({ query: X, kind: 'digest' });
    expect(result.deliveries).toEqual([
      {
        deliveryId: 'd1',
        release: 'demo@1.0.0',
        customer: 'bolt',
        ref: 'docker://registry.bolt.example/ns/app0:1',
        digest: X,
        at: '2026-11-01T10:02:00Z',
        keyFingerprint: 'fp-one',
        match: { kind: 'digest', value: X },
      },
      expect.objectContaining({ customer: 'acme', at: '2026-11-01T10:00:00Z' }),
    ]);
    // A failed target is not a receipt; a target without its own digest answers by the image's.
    expect(lines(traceInDatabase(db, Y))).toEqual(['demo@1.0.0 acme app1:1']);
    expect(lines(traceInDatabase(db, X2))).toEqual([
      'demo@1.1.0 acme app0:1',
      'demo@1.1.0 dune app0:1',
    ]);
    expect(traceInDatabase(db, 'c'.repeat(64)).deliveries).toHaveLength(2);
  });

  it('answers an unknown digest, package or vulnerability with no deliveries', () => {
    expect(traceInDatabase(db, UNKNOWN)).toEqual({
      query: UNKNOWN,
      kind: 'digest',
      deliveries: [],
    });
    expect(traceInDatabase(db, 'CVE-1999-0001').deliveries).toEqual([]);
    expect(traceInDatabase(db, 'pkg:deb/debian/zlib1g').deliveries).toEqual([]);
  });

  it('finds a vulnerability by its id or an alias, without case, one line per image', () => {
    for (const id of ['CVE-2024-0001', 'cve-2024-0001', 'debian-cve-2024-0001']) {
      const result = traceInDatabase(db, id);
      expect(lines(result), id).toEqual(['demo@1.0.0 bolt app0:1', 'demo@1.0.0 acme app0:1']);
      expect(result.deliveries[0]!.match.kind).toBe('vulnerability');
      expect(result.deliveries[0]!.match.value.toUpperCase()).toBe(id.toUpperCase());
    }
  });

  it('matches a package URL without a version against every version, and no other package', () => {
    const any = traceInDatabase(db, 'pkg:deb/debian/openssl');
    expect(lines(any)).toEqual([
      'demo@1.1.0 acme app0:1',
      'demo@1.1.0 dune app0:1',
      'demo@1.0.0 bolt app0:1',
      'demo@1.0.0 acme app0:1',
    ]);
    expect(any.deliveries.map((hit) => hit.match.value)).toEqual([
      OPENSSL_NEW,
      OPENSSL_NEW,
      OPENSSL_OLD,
      OPENSSL_OLD,
    ]);
    expect(lines(traceInDatabase(db, 'pkg:deb/debian/openssl@3.0.15-1~deb12u1'))).toEqual([
      'demo@1.1.0 acme app0:1',
      'demo@1.1.0 dune app0:1',
    ]);
    // A version is compared whole: 3.0.1 is not a prefix match of 3.0.15.
    expect(traceInDatabase(db, 'pkg:deb/debian/openssl@3.0.1').deliveries).toEqual([]);
    // Qualifiers given must be present with the same value.
    expect(traceInDatabase(db, 'pkg:deb/debian/openssl?arch=arm64').deliveries).toEqual([]);
    expect(lines(traceInDatabase(db, 'pkg:deb/debian/openssl-dev?arch=amd64'))).toEqual([
      'demo@1.0.0 acme app1:1',
    ]);
  });

  it('starts every statement from an index, not a scan of the tables that grow', () => {
    const plan = (sql: string) =>
      (
        db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(
          ...sql
            .split('?')
            .slice(1)
            .map(() => 'x'),
        ) as { detail: string }[]
      )
        .map((row) => row.detail)
        .join('\n');
    expect(plan(TRACE_SQL.digest[0])).toMatch(/SEARCH t USING INDEX delivery_targets_digest/);
    expect(plan(TRACE_SQL.packageRange)).toMatch(
      /SEARCH p USING (COVERING )?INDEX delivery_packages_purl/,
    );
    expect(plan(TRACE_SQL.packageExact)).toMatch(
      /SEARCH p USING (COVERING )?INDEX delivery_packages_purl/,
    );
    expect(plan(TRACE_SQL.vulnerability)).toMatch(
      /SEARCH v USING (COVERING )?INDEX delivery_vulnerabilities_id/,
    );
    for (const sql of [...TRACE_SQL.digest, TRACE_SQL.packageRange, TRACE_SQL.vulnerability]) {
      expect(plan(sql)).not.toMatch(/SCAN (t|p|v|d|c)\b/);
    }
  });
});
