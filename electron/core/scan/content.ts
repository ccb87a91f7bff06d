/**
 * Content checks on every regular file as it streams out of the layers: known-malicious files by
 * SHA-256 (a built-in blocklist with EICAR's test file, and any lists imported into the
 * vulnerability database), content rules for well-known threats
 * (coin miners' pool protocols), and secrets left in files (private keys, cloud and forge tokens).
 * Reads are bounded: secrets are looked for in the first part of text files only, and no match
 * ever carries the secret itself.
 */
import { createHash } from 'node:crypto';
import type { FileMeta } from './layers';

export interface SecretFinding {
  rule: string;
  title: string;
  path: string;
  /** 1-based line of the match, within the part that was read. */
  line: number;
}

export interface MalwareFinding {
  rule: string;
  title: string;
  path: string;
  sha256: string;
}

interface SecretRule {
  id: string;
  title: string;
  pattern: RegExp;
}

/** The rules, each anchored on a distinctive prefix so that matches are rarely accidental. */
const SECRET_RULES: SecretRule[] = [
  {
    id: 'private-key',
    title: 'Private key',
    pattern:
      /-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----\s*[A-Za-z0-9+/=:\-\s]{40}/,
  },
  { id: 'aws-access-key-id', title: 'AWS access key id', pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/ },
  {
    id: 'github-token',
    title: 'GitHub token',
    pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{82})\b/,
  },
  {
    id: 'gitlab-token',
    title: 'GitLab personal access token',
    pattern: /\bglpat-[A-Za-z0-9_-]{20}\b/,
  },
  { id: 'slack-token', title: 'Slack token', pattern: /\bxox[abprs]-[A-Za-z0-9-]{10,}\b/ },
  { id: 'google-api-key', title: 'Google API key', pattern: /\bAIza[0-9A-Za-z_-]{35}\b/ },
  {
    id: 'stripe-secret-key',
    title: 'Stripe secret key',
    pattern: /\b[sr]k_live_[0-9a-zA-Z]{24,}\b/,
  },
  {
    id: 'npm-token',
    title: 'npm access token',
    pattern: /\bnpm_[A-Za-z0-9]{36}\b/,
  },
];

/** Known-malicious files by SHA-256 of their content. */
const BLOCKLIST: ReadonlyMap<string, { rule: string; title: string }> = new Map([
  [
    // The EICAR anti-virus test file (68 bytes), which every scanner must report.
    '275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f',
    { rule: 'eicar-test-file', title: 'EICAR anti-virus test file' },
  ],
]);

/** Strings that only crypto-mining software and its configuration carry. */
const POOL_MARKERS = ['stratum+tcp://', 'stratum+ssl://', 'stratum2+tcp://'].map((marker) =>
  Buffer.from(marker),
);
const OTHER_MARKERS = ['xmrig-proxy', '"donate-level"'].map((marker) => Buffer.from(marker));
/** What every pool marker starts with: one search for it stands for all of them. */
const POOL_PREFIX = Buffer.from('stratum');
const LONGEST_MARKER = Math.max(...[...POOL_MARKERS, ...OTHER_MARKERS].map((m) => m.length));

function hasMinerMarker(data: Buffer): boolean {
  return (
    OTHER_MARKERS.some((marker) => data.includes(marker)) ||
    (data.includes(POOL_PREFIX) && POOL_MARKERS.some((marker) => data.includes(marker)))
  );
}

/** Secrets are looked for in this much of each text file. */
export const SECRET_READ_BYTES = 1024 * 1024;
/** Content rules look at files up to this size (miners' binaries are a few MiB). */
const MAX_RULE_FILE_BYTES = 64 * 1024 * 1024;
/** Where packages keep examples and test fixtures that look like secrets but are not. */
const SECRET_SKIP = [
  /^usr\/share\/(doc|man|info|locale)\//,
  /(^|\/)(tests?|testdata|test-data|fixtures|examples?)\//,
  /^usr\/lib\/python3[^/]*\/(test|.*\/tests?)\//,
  /^etc\/ssl\/certs\//,
];

/** An imported blocklist (the vulnerability database's), looked up by lowercase hex SHA-256. */
export interface ImportedBlocklist {
  size: number;
  find(sha256: string): { name?: string } | undefined;
}

export interface ContentFindings {
  secrets: SecretFinding[];
  malware: MalwareFinding[];
}

/**
 * A content checker for `walkLayers`' inspect hook. Each file's findings are kept under its path
 * and dropped when a later layer replaces or deletes it (`forget`), so only what is in the final
 * image is reported.
 */
export class ContentScanner {
  readonly #secrets = new Map<string, SecretFinding[]>();
  readonly #malware = new Map<string, MalwareFinding[]>();
  readonly #imported: ImportedBlocklist | undefined;

  /** `blocklist`: imported hashes, looked up after the built-in ones. */
  constructor(options: { blocklist?: ImportedBlocklist } = {}) {
    this.#imported = options.blocklist?.size ? options.blocklist : undefined;
  }

  async inspect(meta: FileMeta, content: AsyncIterable<Buffer>): Promise<void> {
    const hash = createHash('sha256');
    const checkSecrets = meta.size > 0 && !SECRET_SKIP.some((skip) => skip.test(meta.path));
    const head: Buffer[] = [];
    let headLength = 0;
    let miner = false;
    let tail = Buffer.alloc(0);
    for await (const chunk of content) {
      hash.update(chunk);
      if (checkSecrets && headLength < SECRET_READ_BYTES) {
        const part = chunk.subarray(0, SECRET_READ_BYTES - headLength);
        head.push(part);
        headLength += part.length;
      }
      if (!miner && meta.size <= MAX_RULE_FILE_BYTES) {
        // The chunk itself, then the seam with the previous chunk's last bytes (so a marker split
        // across chunks is still found) without copying the whole chunk to join them.
        miner =
          hasMinerMarker(chunk) ||
          (tail.length > 0 &&
            hasMinerMarker(Buffer.concat([tail, chunk.subarray(0, LONGEST_MARKER - 1)])));
        const end = chunk.length >= LONGEST_MARKER - 1 ? chunk : Buffer.concat([tail, chunk]);
        tail = Buffer.from(end.subarray(Math.max(0, end.length - LONGEST_MARKER + 1)));
      }
    }
    const sha256 = hash.digest('hex');
    const malware: MalwareFinding[] = [];
    const listed = BLOCKLIST.get(sha256) ?? this.#importedEntry(sha256);
    if (listed) malware.push({ ...listed, path: `/${meta.path}`, sha256 });
    if (miner) {
      malware.push({
        rule: 'coin-miner',
        title: 'Crypto-mining software or configuration (mining pool protocol)',
        path: `/${meta.path}`,
        sha256,
      });
    }
    this.#set(this.#malware, meta.path, malware);
    this.#set(
      this.#secrets,
      meta.path,
      checkSecrets ? findSecrets(Buffer.concat(head), meta.path) : [],
    );
  }

  /** A finding for a file on an imported blocklist, named as the list names it. */
  #importedEntry(sha256: string): { rule: string; title: string } | undefined {
    const entry = this.#imported?.find(sha256);
    if (!entry) return undefined;
    return { rule: 'blocklist', title: entry.name ?? 'File on an imported malware blocklist' };
  }

  /** Drops what was found in files the final image does not have. */
  retain(paths: ReadonlySet<string> | ReadonlyMap<string, unknown>): ContentFindings {
    const keep = <T>(map: Map<string, T[]>) =>
      [...map].filter(([path]) => paths.has(path)).flatMap(([, found]) => found);
    return { secrets: keep(this.#secrets), malware: keep(this.#malware) };
  }

  #set<T>(map: Map<string, T[]>, path: string, found: T[]) {
    if (found.length) map.set(path, found);
    else map.delete(path);
  }
}

/** Secret rules over a text file's beginning; binary files (a NUL early on) are skipped. */
export function findSecrets(data: Buffer, path: string): SecretFinding[] {
  if (data.subarray(0, 8192).includes(0)) return [];
  const text = data.toString('utf8');
  const found: SecretFinding[] = [];
  for (const rule of SECRET_RULES) {
    const match = rule.pattern.exec(text);
    if (!match) continue;
    const line = text.slice(0, match.index).split('\n').length;
    found.push({ rule: rule.id, title: rule.title, path: `/${path}`, line });
  }
  return found;
}
