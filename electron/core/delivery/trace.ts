import type { ResponseOf } from '../../../shared/contract';
import type { Database } from '../db';
import type { Engine } from '../engine';
import { ConsignError } from '../errors';
import { normalizePythonName } from '../scan/apps/python';
import type { TraceHit } from './types';

export type TraceResult = ResponseOf<'trace.query'>;

/** A package URL split into the parts a trace compares; every part is kept percent-encoded. */
export interface PackageUrl {
  type: string;
  /** Namespace segments, then the name. */
  path: string[];
  version?: string;
  qualifiers: Record<string, string>;
}

/** What a trace looks for, told apart by its shape. */
export type TraceQuery =
  | { kind: 'digest'; value: string }
  | { kind: 'vulnerability'; value: string }
  | { kind: 'package'; value: string; purl: PackageUrl };

const EXAMPLES =
  'Give an image digest (sha256:…), a vulnerability id (CVE-2024-3094, GHSA-…) or a package URL ' +
  '(pkg:deb/debian/openssl, pkg:npm/lodash@4.17.20).';

const HEX_DIGEST = /^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;
/** An image reference by digest (`docker://host/repo@sha256:…`, `repo@sha256:…`) names its digest. */
const REFERENCE_DIGEST = /@(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;
/** OSV ids: a prefix, then dash-separated parts (CVE-2024-3094, GHSA-xxxx-xxxx-xxxx, DSA-5555-1). */
const VULNERABILITY_ID = /^[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9._:]+)+$/;
const PURL_TYPE = /^[a-z.+-][a-z0-9.+-]*$/;
const QUALIFIER_KEY = /^[a-z.\-_][a-z0-9.\-_]*$/;
/** Types whose names the purl specification (and Consign's scanner) writes in lower case. */
const LOWER_CASE_TYPES = new Set(['deb', 'apk', 'npm']);

function badQuery(message: string): ConsignError {
  return new ConsignError('BAD_REQUEST', message, { remedy: EXAMPLES });
}

/** The query as an error message repeats it: a long paste is cut, not echoed whole. */
function shown(text: string): string {
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/**
 * Decodes then re-encodes one part as the scanner writes it, so `g++` and `g%2B%2B` compare
 * equal; `normalize` applies to the decoded text (a type's own spelling rules).
 */
function canonicalPart(
  part: string,
  what: string,
  query: string,
  normalize: (decoded: string) => string = (decoded) => decoded,
): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(part);
  } catch {
    throw badQuery(`The ${what} of the package URL ${shown(query)} is not valid percent-encoding.`);
  }
  return encodeURIComponent(normalize(decoded));
}

/** How a type spells names, per the purl specification and Consign's scanner. */
function nameRule(type: string, last: boolean): ((decoded: string) => string) | undefined {
  if (LOWER_CASE_TYPES.has(type)) return (decoded) => decoded.toLowerCase();
  if (type === 'pypi' && last) return normalizePythonName;
  return undefined;
}

/**
 * Parses a package URL (`pkg:type/namespace/name@version?qualifiers#subpath`). The version is
 * what follows the last `@` after the last `/`, so an unencoded npm scope (`pkg:npm/@types/node`)
 * stays in the namespace. The subpath is ignored: Consign records whole packages.
 */
export function parsePackageUrl(text: string): PackageUrl {
  if (!/^pkg:/i.test(text)) throw badQuery(`${shown(text)} is not a package URL (pkg:…).`);
  let rest = text.slice(4).replace(/^\/+/, '');
  const hash = rest.indexOf('#');
  if (hash !== -1) rest = rest.slice(0, hash);
  const qualifiers: Record<string, string> = {};
  const question = rest.indexOf('?');
  if (question !== -1) {
    for (const pair of rest.slice(question + 1).split('&')) {
      if (!pair) continue;
      const equals = pair.indexOf('=');
      const key = (equals === -1 ? pair : pair.slice(0, equals)).toLowerCase();
      if (!QUALIFIER_KEY.test(key)) {
        throw badQuery(
          `The package URL ${shown(text)} has a malformed qualifier "${shown(pair)}".`,
        );
      }
      const value = equals === -1 ? '' : canonicalPart(pair.slice(equals + 1), 'qualifier', text);
      // The specification drops qualifiers without a value.
      if (value) qualifiers[key] = value;
    }
    rest = rest.slice(0, question);
  }
  rest = rest.replace(/\/+$/, '');
  const slash = rest.indexOf('/');
  const type = (slash === -1 ? rest : rest.slice(0, slash)).toLowerCase();
  if (!PURL_TYPE.test(type) || slash === -1) {
    throw badQuery(`The package URL ${shown(text)} has no type and name (pkg:TYPE/NAME).`);
  }
  let path = rest.slice(slash + 1);
  let version: string | undefined;
  const at = path.lastIndexOf('@');
  if (at > path.lastIndexOf('/')) {
    version = canonicalPart(path.slice(at + 1), 'version', text);
    if (!version) throw badQuery(`The package URL ${shown(text)} ends in "@" without a version.`);
    path = path.slice(0, at);
  }
  const segments = path.split('/');
  if (segments.some((segment) => !segment)) {
    throw badQuery(`The package URL ${shown(text)} has an empty namespace or name segment.`);
  }
  const parts = segments.map((segment, i) =>
    canonicalPart(segment, 'name', text, nameRule(type, i === segments.length - 1)),
  );
  return { type, path: parts, ...(version ? { version } : {}), qualifiers };
}

/** `pkg:type/namespace/name`: the part every version of a package shares. */
function packageBase(purl: PackageUrl): string {
  return `pkg:${purl.type}/${purl.path.join('/')}`;
}

export function formatPackageUrl(purl: PackageUrl): string {
  const qualifiers = Object.keys(purl.qualifiers)
    .sort()
    .map((key) => `${key}=${purl.qualifiers[key]}`);
  return (
    packageBase(purl) +
    (purl.version ? `@${purl.version}` : '') +
    (qualifiers.length ? `?${qualifiers.join('&')}` : '')
  );
}

/**
 * Whether a stored package matches the query: same type, namespace and name; the query's version,
 * when it has one, equal; each of its qualifiers present with the same value. So
 * `pkg:deb/debian/openssl` matches every version, `pkg:deb/debian/openssl?arch=arm64` every arm64 one.
 */
export function packageMatches(stored: string, query: PackageUrl): boolean {
  let candidate: PackageUrl;
  try {
    candidate = parsePackageUrl(stored);
  } catch {
    return false;
  }
  if (packageBase(candidate) !== packageBase(query)) return false;
  if (query.version !== undefined && candidate.version !== query.version) return false;
  return Object.entries(query.qualifiers).every(
    ([key, value]) => candidate.qualifiers[key] === value,
  );
}

/**
 * Tells what a trace query is by its shape: a digest (`sha256:<hex>`, a bare 64-hex SHA-256, or an
 * image reference by digest), a package URL (`pkg:`), else a vulnerability id.
 */
export function parseTraceQuery(input: string): TraceQuery {
  const text = input.trim();
  if (!text) throw badQuery('The trace query is empty.');
  const lower = text.toLowerCase();
  if (/^[a-f0-9]{64}$/.test(lower)) return { kind: 'digest', value: `sha256:${lower}` };
  if (HEX_DIGEST.test(lower)) return { kind: 'digest', value: lower };
  if (/^sha(256|512):/.test(lower)) {
    throw badQuery(`${shown(text)} is not a digest: sha256: takes 64 hex digits (sha512: 128).`);
  }
  const byDigest = REFERENCE_DIGEST.exec(lower);
  if (byDigest && !lower.startsWith('pkg:')) return { kind: 'digest', value: byDigest[1]! };
  if (lower.startsWith('pkg:')) {
    const purl = parsePackageUrl(text);
    return { kind: 'package', value: formatPackageUrl(purl), purl };
  }
  if (text.length <= 200 && VULNERABILITY_ID.test(text)) {
    return { kind: 'vulnerability', value: text };
  }
  throw badQuery(`${shown(text)} is not an image digest, a vulnerability id or a package URL.`);
}

interface HitRow {
  delivery_id: string;
  product: string;
  version: string;
  key_fingerprint: string;
  customer_name: string;
  position: number;
  ref: string;
  digest: string | null;
  at: string;
  matched: string;
}

/** A delivered target's delivery, customer and digest; each statement adds where it starts. */
function hitsSql(source: string, matched: string): string {
  return `
  SELECT t.delivery_id, d.product, d.version, d.key_fingerprint, c.customer_name, t.position,
         t.ref, coalesce(t.digest, i.digest) AS digest, t.updated_at AS at, ${matched} AS matched
    ${source}
    JOIN deliveries d ON d.id = t.delivery_id
    JOIN delivery_customers c ON c.delivery_id = t.delivery_id AND c.customer_id = t.customer_id
    LEFT JOIN delivery_images i ON i.delivery_id = t.delivery_id AND i.position = t.position
   WHERE t.status = 'delivered'`;
}

/**
 * The statements a trace runs. Each starts from an index: targets by digest, packages by a purl
 * range, vulnerabilities by id (the column compares without case; aliases are stored as rows too).
 */
export const TRACE_SQL = {
  digest: [
    `${hitsSql('FROM delivery_targets t', 't.digest')} AND t.digest = ?`,
    // The release image's own digest, for a delivered target whose digest was not recorded.
    `${hitsSql(
      `FROM delivery_images i0
    JOIN delivery_targets t ON t.delivery_id = i0.delivery_id AND t.position = i0.position`,
      'i0.digest',
    )} AND i0.digest = ? AND t.digest IS NULL`,
  ],
  packageRange: `${hitsSql(
    `FROM delivery_packages p
    JOIN delivery_targets t ON t.delivery_id = p.delivery_id AND t.position = p.position`,
    'p.purl',
  )} AND p.purl >= ? AND p.purl < ?`,
  packageExact: `${hitsSql(
    `FROM delivery_packages p
    JOIN delivery_targets t ON t.delivery_id = p.delivery_id AND t.position = p.position`,
    'p.purl',
  )} AND p.purl = ?`,
  vulnerability: `${hitsSql(
    `FROM delivery_vulnerabilities v
    JOIN delivery_targets t ON t.delivery_id = v.delivery_id AND t.position = v.position`,
    'v.vuln_id',
  )} AND v.vuln_id = ?`,
} as const;

/**
 * The stored purls a package query names, found through the purl index alone: exactly the
 * name-and-version part (`base` or `base@version`), or it followed by qualifiers (`…?…`), or for
 * a query without a version, `base@…` of any version (`?` and `@` are adjacent in ASCII, so both
 * sort between `base?` and `baseA`).
 */
function packageRows(db: Database, purl: PackageUrl): HitRow[] {
  const base = packageBase(purl);
  const exact = purl.version ? `${base}@${purl.version}` : base;
  const [from, to] = purl.version ? [`${exact}?`, `${exact}@`] : [`${base}?`, `${base}A`];
  const rows = [
    ...(db.prepare(TRACE_SQL.packageExact).all(exact) as unknown as HitRow[]),
    ...(db.prepare(TRACE_SQL.packageRange).all(from, to) as unknown as HitRow[]),
  ];
  // Qualifiers are compared part by part: their order and spelling in stored purls may differ.
  return Object.keys(purl.qualifiers).length
    ? rows.filter((row) => packageMatches(row.matched, purl))
    : rows;
}

function rowsFor(db: Database, query: TraceQuery): HitRow[] {
  switch (query.kind) {
    case 'digest':
      return TRACE_SQL.digest.flatMap(
        (sql) => db.prepare(sql).all(query.value) as unknown as HitRow[],
      );
    case 'vulnerability':
      return db.prepare(TRACE_SQL.vulnerability).all(query.value) as unknown as HitRow[];
    case 'package':
      return packageRows(db, query.purl);
  }
}

/** Who received what a query names, from the database alone (no network, no keychain). */
export function traceInDatabase(db: Database, input: string): TraceResult {
  const query = parseTraceQuery(input);
  const seen = new Set<string>();
  const hits: TraceHit[] = [];
  for (const row of rowsFor(db, query)) {
    // One line per customer and image, however many of its packages or findings matched.
    const key = `${row.delivery_id}\n${row.customer_name}\n${row.position}`;
    if (!row.digest || seen.has(key)) continue;
    seen.add(key);
    hits.push({
      deliveryId: row.delivery_id,
      release: `${row.product}@${row.version}`,
      customer: row.customer_name,
      ref: row.ref,
      digest: row.digest,
      at: row.at,
      keyFingerprint: row.key_fingerprint,
      match: { kind: query.kind, value: row.matched },
    });
  }
  // Code-unit order, not the locale's: the same answer everywhere, and fast on large answers.
  const order = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  hits.sort(
    (a, b) =>
      order(b.at, a.at) ||
      order(a.release, b.release) ||
      order(a.customer, b.customer) ||
      order(a.ref, b.ref),
  );
  return { query: query.value, kind: query.kind, deliveries: hits };
}

/**
 * `trace`: which deliveries contained an image digest, a vulnerability or a package (from the
 * scan inventory kept with each delivered image), and which customers received it, when, signed
 * with which key. Newest first; a query that matches nothing answers with no deliveries.
 */
export function traceDeliveries(engine: Engine, query: string): TraceResult {
  return traceInDatabase(engine.requireStore().db, query);
}
