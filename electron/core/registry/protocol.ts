// Pure pieces of the distribution protocol: header parsing, retry timing, URL rules. Nothing here
// does I/O, so all of it is unit-tested directly.
import { isRepositoryName, REGISTRY_HOST, TAG } from '../../../shared/reference';
import { isIP } from 'node:net';

/** One challenge of a `WWW-Authenticate` header: the scheme (lower-case) and its parameters. */
export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

const TOKEN_CHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;

/**
 * Parses a `WWW-Authenticate` value, which may hold several challenges (Node joins repeated
 * headers with ", "), quoted strings with escaped quotes, and commas inside quotes
 * (`scope="repository:a:pull,push"`). Scheme and parameter names are lower-cased.
 */
export function parseChallenges(header: string | undefined): Challenge[] {
  const challenges: Challenge[] = [];
  if (!header) return challenges;
  const text = header;
  let i = 0;
  const skipSpace = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t')) i++;
  };
  const readToken = (): string => {
    const start = i;
    while (i < text.length && TOKEN_CHAR.test(text[i]!)) i++;
    return text.slice(start, i);
  };
  const readQuoted = (): string => {
    i++; // the opening quote
    let value = '';
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\' && i + 1 < text.length) i++;
      value += text[i];
      i++;
    }
    i++; // the closing quote
    return value;
  };
  // Lenient: servers write unquoted URLs (realm=https://…), so a bare value runs to the comma.
  const readBare = (): string => {
    const start = i;
    while (i < text.length && text[i] !== ',' && text[i] !== ' ' && text[i] !== '\t') i++;
    return text.slice(start, i);
  };
  let current: Challenge | undefined;
  while (i < text.length) {
    skipSpace();
    if (text[i] === ',') {
      i++;
      continue;
    }
    const token = readToken();
    if (!token) {
      i++; // a stray character: skip it rather than loop forever
      continue;
    }
    skipSpace();
    if (text[i] !== '=') {
      current = { scheme: token.toLowerCase(), params: {} };
      challenges.push(current);
      continue;
    }
    i++;
    skipSpace();
    const value = text[i] === '"' ? readQuoted() : readBare();
    // A parameter before any scheme is malformed and dropped.
    if (current) current.params[token.toLowerCase()] = value;
  }
  return challenges;
}

/**
 * The `next` target of an RFC 8288 `Link` header (`<url>; rel="next"`), resolved against the
 * URL of the request that returned it; undefined when there is none.
 */
export function parseLinkNext(header: string | undefined, base: URL | string): URL | undefined {
  if (!header) return undefined;
  const pattern = /<([^>]*)>\s*((?:;\s*[^;,]+\s*)*)/g;
  for (const match of header.matchAll(pattern)) {
    const params = match[2] ?? '';
    const rel = /;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,]+))/i.exec(params);
    const rels = (rel?.[1] ?? rel?.[2] ?? '').toLowerCase().split(/\s+/);
    if (rels.includes('next')) {
      try {
        return new URL(match[1]!, base);
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/**
 * Milliseconds to wait from a `Retry-After` value: delta-seconds or an HTTP date. Undefined when
 * absent or unreadable; never negative.
 */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  if (!text || !/[a-z]/i.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

export interface BackoffOptions {
  baseDelayMs: number;
  maxDelayMs: number;
}

/**
 * Exponential backoff with jitter for the retry after `failures` failed attempts (1-based):
 * between half and all of min(max, base * 2^(failures-1)), so clients that failed together do
 * not come back together.
 */
export function backoffDelay(
  failures: number,
  options: BackoffOptions,
  random: () => number = Math.random,
): number {
  const exponent = Math.max(0, Math.min(failures - 1, 30));
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** exponent);
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

/**
 * Resolves a `Location` header against the URL of the request that returned it: registries send
 * absolute URLs, relative paths, or paths with a query.
 */
export function resolveLocation(location: string | undefined, requestUrl: URL): URL | undefined {
  if (!location) return undefined;
  try {
    return new URL(location, requestUrl);
  } catch {
    return undefined;
  }
}

/**
 * How many bytes an upload session holds, from its `Range: 0-<last>` header. Distribution writes
 * `0-0` for an empty session too; we read it as empty (a one-byte session then fails its digest
 * check at the end and the upload starts over, which is safe).
 */
export function parseUploadRange(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const match = /^(?:bytes=)?\s*0-(\d+)\s*$/.exec(value.trim());
  if (!match) return undefined;
  const last = Number(match[1]);
  return last === 0 ? 0 : last + 1;
}

/** Loopback hosts (127.0.0.0/8, ::1, localhost) may speak plain HTTP, as Docker allows. */
export function isLoopbackHost(host: string): boolean {
  const name = hostnameOf(host).toLowerCase();
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  if (isIP(name) === 4) return name.startsWith('127.');
  if (isIP(name) === 6) return name === '::1' || name === '0:0:0:0:0:0:0:1';
  return false;
}

/** The host name of `host[:port]`, without brackets around an IPv6 address. */
export function hostnameOf(host: string): string {
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    return end > 0 ? host.slice(1, end) : host;
  }
  const colon = host.lastIndexOf(':');
  return colon > 0 && host.indexOf(':') === colon ? host.slice(0, colon) : host;
}

/**
 * The rule for the scheme: HTTPS, always verified, unless the host is marked insecure, or it is
 * a loopback host and no private CA was given for it (then plain HTTP, as Docker does for
 * local registries).
 */
export function schemeFor(host: string, options: { insecureHttp?: boolean; caFile?: string }) {
  if (options.insecureHttp) return 'http' as const;
  if (isLoopbackHost(host) && !options.caFile) return 'http' as const;
  return 'https' as const;
}

export function isValidHost(host: string): boolean {
  return REGISTRY_HOST.test(host);
}

export function isValidRepository(repository: string): boolean {
  return isRepositoryName(repository);
}

export function isValidTag(tag: string): boolean {
  return TAG.test(tag);
}

/** Merges scopes (`repository:NAME:pull,push`) so each resource appears once with all actions. */
export function mergeScopes(...lists: readonly string[][]): string[] {
  const byResource = new Map<string, Set<string>>();
  for (const scope of lists.flat()) {
    for (const part of scope.split(' ')) {
      const last = part.lastIndexOf(':');
      if (last <= 0) continue;
      const resource = part.slice(0, last);
      const actions = byResource.get(resource) ?? new Set<string>();
      for (const action of part.slice(last + 1).split(',')) if (action) actions.add(action);
      byResource.set(resource, actions);
    }
  }
  return [...byResource.entries()]
    .map(([resource, actions]) => `${resource}:${[...actions].sort().join(',')}`)
    .sort();
}

/** True when every action of `wanted` is covered by `held`. */
export function scopesCover(held: readonly string[], wanted: readonly string[]): boolean {
  const merged = mergeScopes([...held]);
  const index = new Map(
    merged.map((s) => {
      const last = s.lastIndexOf(':');
      return [s.slice(0, last), new Set(s.slice(last + 1).split(','))] as const;
    }),
  );
  return mergeScopes([...wanted]).every((s) => {
    const last = s.lastIndexOf(':');
    const have = index.get(s.slice(0, last));
    return (
      !!have &&
      s
        .slice(last + 1)
        .split(',')
        .every((a) => have.has(a) || have.has('*'))
    );
  });
}
