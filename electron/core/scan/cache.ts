/**
 * The scan cache: what an image's layers yield (its inventory) kept in the workspace database
 * under the key that pins those layers (see identity.ts), so re-scanning an unchanged image reads
 * no layer. Vulnerabilities are not part of it: they are matched against the current database on
 * every scan, so newly imported OSV data shows up without reading the image again.
 */
import type { Database } from '../db';
import type { Digest, Platform } from '../oci';
import type { SkippedFile } from './apps';
import type { BaselineFinding } from './baseline';
import type { MalwareFinding, SecretFinding } from './content';
import type { OperatingSystem } from './os-release';
import type { Package } from './types';

/**
 * The version of what the scanner reads from layers. Bump it whenever a change makes the same
 * image yield a different inventory (a new package type, a fixed parser, a new secret or malware
 * rule, a new baseline check): entries of other versions are then never used, and are dropped.
 */
export const SCANNER_VERSION = 2;

/** Entries kept; the least recently used go first. A large image's entry is a few hundred KiB. */
export const CACHE_ENTRIES = 200;

export interface Inventory {
  image: {
    /** The top-level digest when the inventory was made. */
    digest: Digest;
    manifest: Digest;
    config?: Digest;
    platform?: Platform;
    os?: OperatingSystem;
    layers: number;
  };
  /** Matched against the OS ecosystem's advisories (by source package). */
  osPackages: Package[];
  /** Matched against the application ecosystems' advisories. */
  appPackages: Package[];
  baseline: BaselineFinding[];
  secrets: SecretFinding[];
  malware: MalwareFinding[];
  skipped: SkippedFile[];
}

export interface CachedInventory {
  inventory: Inventory;
  /** When the layers were read (ISO 8601). */
  createdAt: string;
}

const ARRAYS = ['osPackages', 'appPackages', 'baseline', 'secrets', 'malware', 'skipped'] as const;

/** A stored entry is only trusted in the shape this version writes; anything else is a miss. */
function parseInventory(text: string): Inventory | undefined {
  try {
    const value = JSON.parse(text) as Partial<Record<string, unknown>>;
    const image = value.image as Partial<Inventory['image']> | undefined;
    if (typeof image?.digest !== 'string' || typeof image.manifest !== 'string') return undefined;
    if (typeof image.layers !== 'number') return undefined;
    if (!ARRAYS.every((name) => Array.isArray(value[name]))) return undefined;
    return value as unknown as Inventory;
  } catch {
    return undefined;
  }
}

export class ScanCache {
  readonly #db: Database;
  readonly #entries: number;
  readonly #now: () => Date;

  constructor(db: Database, options: { entries?: number; now?: () => Date } = {}) {
    this.#db = db;
    this.#entries = options.entries ?? CACHE_ENTRIES;
    this.#now = options.now ?? (() => new Date());
  }

  get(key: string): CachedInventory | undefined {
    const row = this.#db
      .prepare('SELECT inventory, created_at FROM scan_cache WHERE key = ? AND scanner = ?')
      .get(key, SCANNER_VERSION) as { inventory: string; created_at: string } | undefined;
    if (!row) return undefined;
    const inventory = parseInventory(row.inventory);
    if (!inventory) {
      this.#db.prepare('DELETE FROM scan_cache WHERE key = ?').run(key);
      return undefined;
    }
    this.#db
      .prepare('UPDATE scan_cache SET used_at = ? WHERE key = ?')
      .run(this.#now().toISOString(), key);
    return { inventory, createdAt: row.created_at };
  }

  /** Stores (or replaces) an entry, then trims to the bound and drops other versions' entries. */
  put(key: string, inventory: Inventory): CachedInventory {
    const at = this.#now().toISOString();
    this.#db
      .prepare(
        `INSERT INTO scan_cache (key, scanner, inventory, created_at, used_at)
         VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET scanner = excluded.scanner,
           inventory = excluded.inventory, created_at = excluded.created_at,
           used_at = excluded.used_at`,
      )
      .run(key, SCANNER_VERSION, JSON.stringify(inventory), at, at);
    this.#db.prepare('DELETE FROM scan_cache WHERE scanner <> ?').run(SCANNER_VERSION);
    this.#db
      .prepare(
        `DELETE FROM scan_cache WHERE key NOT IN
           (SELECT key FROM scan_cache ORDER BY used_at DESC, created_at DESC LIMIT ?)`,
      )
      .run(this.#entries);
    return { inventory, createdAt: at };
  }

  /** How many entries there are (for tests and status views). */
  size(): number {
    return (this.#db.prepare('SELECT COUNT(*) AS n FROM scan_cache').get() as { n: number }).n;
  }
}
