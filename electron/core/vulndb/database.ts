/**
 * The offline vulnerability database: OSV records in their own SQLite file in the workspace
 * (rebuildable data, kept apart from the audit log), indexed by ecosystem and package name for
 * the scanner and by alias for merging duplicates. Imports are all-or-nothing.
 */
import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { openDatabase, type Database } from '../db';
import { ConsignError } from '../errors';
import { ecosystemFamily, parseOsvRecord, type OsvAffected, type OsvRecord } from './osv';
import { BlocklistParser, fileLines, isBlocklistFile } from './blocklist';
import { openOsvSource } from './sources';

export const VULNDB_FILE = 'vulndb.sqlite';
/** Data older than this is still used, with a warning to import fresh data. */
export const STALE_AFTER_DAYS = 7;
/** Hashes per row of the blocklist's sorted index: 32 KiB values. */
const INDEX_CHUNK_HASHES = 1024;
/** Reasons kept for entries that were skipped; the count covers the rest. */
const MAX_SKIPPED_REPORTED = 20;

const schema: readonly string[] = [
  `CREATE TABLE records (
     id        TEXT PRIMARY KEY,
     modified  TEXT NOT NULL,
     published TEXT,
     withdrawn TEXT,
     summary   TEXT,
     aliases   TEXT NOT NULL,
     severity  TEXT NOT NULL,
     rating    TEXT,
     raw       TEXT NOT NULL
   );
   CREATE TABLE affected (
     record_id TEXT NOT NULL REFERENCES records(id) ON DELETE CASCADE,
     ecosystem TEXT NOT NULL,
     family    TEXT NOT NULL,
     name      TEXT NOT NULL,
     purl      TEXT,
     ranges    TEXT NOT NULL,
     versions  TEXT NOT NULL,
     severity  TEXT
   );
   CREATE INDEX affected_package ON affected(ecosystem, name);
   CREATE INDEX affected_record ON affected(record_id);
   CREATE TABLE aliases (
     alias     TEXT NOT NULL,
     record_id TEXT NOT NULL REFERENCES records(id) ON DELETE CASCADE
   );
   CREATE INDEX aliases_alias ON aliases(alias);
   CREATE INDEX aliases_record ON aliases(record_id);
   CREATE TABLE imports (
     seq       INTEGER PRIMARY KEY,
     at        TEXT NOT NULL,
     source    TEXT NOT NULL,
     kind      TEXT NOT NULL,
     imported  INTEGER NOT NULL,
     updated   INTEGER NOT NULL,
     unchanged INTEGER NOT NULL,
     skipped   INTEGER NOT NULL
   );`,
  // Imported malware blocklists: files known to be malicious, by the SHA-256 of their content.
  // OS advisories of some distributions (Red Hat) are split into sub-ecosystems
  // ("Red Hat:enterprise_linux:9::appstream"): found by family and name, then by prefix.
  `CREATE TABLE blocklist (
     sha256   TEXT PRIMARY KEY,
     name     TEXT,
     source   TEXT NOT NULL,
     added_at TEXT NOT NULL
   ) WITHOUT ROWID;
   CREATE TABLE blocklist_index (
     chunk  INTEGER PRIMARY KEY,
     hashes BLOB NOT NULL
   );
   CREATE INDEX affected_family_name ON affected(family, name);`,
];

export interface ImportProgress {
  /** Entries read so far, and how many there are when the source says up front. */
  done: number;
  total?: number;
}

export interface ImportResult {
  source: string;
  /** `blocklist`: a malware blocklist (SHA-256 hashes) rather than OSV data. */
  kind: 'zip' | 'folder' | 'file' | 'blocklist';
  /** Records new to the database. */
  imported: number;
  /** Records replaced by a newer version. */
  updated: number;
  /** Records already present at this version or newer. */
  unchanged: number;
  /** Entries that were not OSV records, with the first few reasons. */
  skipped: number;
  skippedReasons: { entry: string; reason: string }[];
  /** Ecosystems the imported records name (e.g. `Debian:12`, `npm`). */
  ecosystems: string[];
}

export interface VulnDbStatus {
  records: number;
  ecosystems: { name: string; records: number }[];
  /** When data was last imported. */
  builtAt?: string;
  /** The newest `modified` time of any record: how current the data itself is. */
  dataAsOf?: string;
  ageDays?: number;
  stale: boolean;
  /** What to do about it, when there is no data or it is stale. */
  warning?: string;
  /** SHA-256 hashes on imported malware blocklists. */
  blocklist: number;
}

/** What a scan looks file hashes up in: one sorted array of binary hashes, searched in halves. */
export interface BlocklistLookup {
  size: number;
  /** The entry for a file's lowercase hex SHA-256, or undefined when it is not listed. */
  find(sha256: string): { name?: string } | undefined;
}

/** One affected entry as stored, with what matching needs of its record. */
export interface StoredAffected extends OsvAffected {
  recordId: string;
  record: Pick<OsvRecord, 'aliases' | 'summary' | 'severity' | 'rating'>;
}

/** Why an import that was rolled back failed: its own error, a cancel, or unreadable input. */
function importFailure(
  error: unknown,
  path: string,
  signal: AbortSignal | undefined,
  remedy: string,
): ConsignError {
  if (error instanceof ConsignError) return error;
  if (signal?.aborted) {
    return new ConsignError('BAD_REQUEST', 'The import was cancelled; nothing was imported.');
  }
  return new ConsignError('BAD_INPUT', `${path} could not be imported; nothing was imported.`, {
    remedy,
    cause: error,
  });
}

/** A regular file that is not a zip and reads as a blocklist (see blocklist.ts). */
async function isBlocklist(path: string): Promise<boolean> {
  try {
    if (!(await lstat(path)).isFile()) return false;
    return await isBlocklistFile(path);
  } catch {
    // Unreadable paths get the OSV importer's own message.
    return false;
  }
}

export class VulnDatabase {
  readonly path: string;
  readonly #db: Database;

  private constructor(path: string, db: Database) {
    this.path = path;
    this.#db = db;
  }

  /** Opens (creating if needed) the vulnerability database of a workspace folder. */
  static open(workspacePath: string): VulnDatabase {
    const path = join(workspacePath, VULNDB_FILE);
    return new VulnDatabase(path, openDatabase(path, schema));
  }

  close(): void {
    this.#db.close();
  }

  /**
   * Imports OSV data from an `all.zip`, a folder or a file in one transaction: a damaged archive
   * leaves the database as it was. Entries that are not OSV records are skipped and reported;
   * a source with no records at all is refused.
   */
  async import(
    path: string,
    options: { onProgress?: (progress: ImportProgress) => void; signal?: AbortSignal } = {},
  ): Promise<ImportResult> {
    if (await isBlocklist(path)) return this.#importBlocklist(path, options);
    const source = await openOsvSource(path);
    const result: ImportResult = {
      source: path,
      kind: source.kind,
      imported: 0,
      updated: 0,
      unchanged: 0,
      skipped: 0,
      skippedReasons: [],
      ecosystems: [],
    };
    const ecosystems = new Set<string>();
    const skip = (entry: string, reason: string) => {
      result.skipped++;
      if (result.skippedReasons.length < MAX_SKIPPED_REPORTED) {
        result.skippedReasons.push({ entry, reason });
      }
    };
    const write = this.#writer();
    let done = 0;
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      for await (const entry of source.entries()) {
        options.signal?.throwIfAborted();
        done++;
        if (done % 500 === 0) {
          options.onProgress?.({ done, ...(source.total ? { total: source.total } : {}) });
        }
        if (entry.text === null) continue;
        if (typeof entry.text !== 'string') {
          skip(entry.name, entry.text.error);
          continue;
        }
        let value: unknown;
        try {
          value = JSON.parse(entry.text);
        } catch {
          skip(entry.name, 'it is not JSON');
          continue;
        }
        for (const item of Array.isArray(value) ? value : [value]) {
          const record = parseOsvRecord(item);
          if (typeof record === 'string') {
            skip(entry.name, record);
            continue;
          }
          const outcome = write(record, JSON.stringify(item));
          result[outcome]++;
          for (const affected of record.affected) ecosystems.add(affected.ecosystem);
        }
      }
      if (result.imported + result.updated + result.unchanged === 0) {
        const first = result.skippedReasons[0];
        throw new ConsignError(
          'BAD_INPUT',
          `${path} holds no OSV records${first ? ` (${first.entry}: ${first.reason})` : ''}; nothing was imported.`,
          {
            remedy:
              'Give an OSV all.zip as downloaded from osv.dev, a folder of OSV JSON files, or one OSV JSON file.',
          },
        );
      }
      this.#db
        .prepare(
          `INSERT INTO imports (at, source, kind, imported, updated, unchanged, skipped)
           VALUES (?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          new Date().toISOString(),
          path,
          source.kind,
          result.imported,
          result.updated,
          result.unchanged,
          result.skipped,
        );
      this.#db.exec('COMMIT');
    } catch (error) {
      this.#db.exec('ROLLBACK');
      throw importFailure(error, path, options.signal, 'Check the file, or download it again.');
    } finally {
      await source.close();
    }
    options.onProgress?.({ done, ...(source.total ? { total: source.total } : {}) });
    result.ecosystems = [...ecosystems].sort();
    return result;
  }

  /**
   * Imports a malware blocklist in one transaction: a malformed line refuses the whole file,
   * naming the line. Hashes already listed keep their place; a new name replaces the old one.
   */
  async #importBlocklist(
    path: string,
    options: { onProgress?: (progress: ImportProgress) => void; signal?: AbortSignal },
  ): Promise<ImportResult> {
    const result: ImportResult = {
      source: path,
      kind: 'blocklist',
      imported: 0,
      updated: 0,
      unchanged: 0,
      skipped: 0,
      skippedReasons: [],
      ecosystems: [],
    };
    const parser = new BlocklistParser(path);
    // One statement for a new hash (the common case); a listed one is renamed only if its name
    // changed.
    const insert = this.#db.prepare(
      'INSERT OR IGNORE INTO blocklist (sha256, name, source, added_at) VALUES (?, ?, ?, ?)',
    );
    const rename = this.#db.prepare(
      `UPDATE blocklist SET name = ?, source = ?, added_at = ? WHERE sha256 = ? AND name IS NOT ?`,
    );
    const at = new Date().toISOString();
    let line = 0;
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      for await (const text of fileLines(path)) {
        options.signal?.throwIfAborted();
        line++;
        if (line % 10_000 === 0) options.onProgress?.({ done: line });
        const entry = parser.line(text, line);
        if (!entry) continue;
        const name = entry.name ?? null;
        if (insert.run(entry.sha256, name, path, at).changes) result.imported++;
        else if (rename.run(name, path, at, entry.sha256, name).changes) result.updated++;
        else result.unchanged++;
      }
      if (result.imported + result.updated + result.unchanged === 0) {
        throw new ConsignError(
          'BAD_INPUT',
          `${path} lists no SHA-256 hashes; nothing was imported.`,
          {
            remedy:
              'A blocklist has one SHA-256 (64 hex digits) a line, optionally followed by a name; or it is a CSV file whose header names a sha256 column.',
          },
        );
      }
      this.#writeBlocklistIndex();
      this.#db
        .prepare(
          `INSERT INTO imports (at, source, kind, imported, updated, unchanged, skipped)
           VALUES (?, ?, 'blocklist', ?, ?, ?, 0)`,
        )
        .run(at, path, result.imported, result.updated, result.unchanged);
      this.#db.exec('COMMIT');
    } catch (error) {
      this.#db.exec('ROLLBACK');
      throw importFailure(error, path, options.signal, 'Check that the file can be read.');
    }
    options.onProgress?.({ done: line });
    return result;
  }

  /**
   * Every listed hash, 32 bytes each in order, kept beside the list (rebuilt in the import's
   * transaction) in values of 32 KiB, so a scan reads the sorted hashes as they are stored
   * instead of sorting a million rows, and no single value is larger than a few pages.
   */
  #writeBlocklistIndex(): void {
    this.#db.exec('DELETE FROM blocklist_index');
    const add = this.#db.prepare('INSERT INTO blocklist_index (chunk, hashes) VALUES (?, ?)');
    const chunk = Buffer.alloc(INDEX_CHUNK_HASHES * 32);
    let filled = 0;
    let chunks = 0;
    for (const row of this.#db.prepare('SELECT sha256 FROM blocklist ORDER BY sha256').iterate()) {
      chunk.write((row as { sha256: string }).sha256, filled * 32, 32, 'hex');
      if (++filled === INDEX_CHUNK_HASHES) {
        add.run(chunks++, chunk);
        filled = 0;
      }
    }
    if (filled) add.run(chunks, chunk.subarray(0, filled * 32));
  }

  /**
   * The imported blocklist as a scan looks it up: the sorted hashes read at once (a million take
   * 32 MiB, a third of what a set of hex strings would), found by binary search; a hit's name is
   * read from the database.
   */
  blocklistLookup(): BlocklistLookup {
    const hashes = Buffer.alloc(this.#blocklistSize() * 32);
    let length = 0;
    const rows = this.#db.prepare('SELECT hashes FROM blocklist_index ORDER BY chunk').iterate();
    for (const row of rows) {
      const part = (row as { hashes: Uint8Array }).hashes;
      if (length + part.byteLength > hashes.length) break;
      hashes.set(part, length);
      length += part.byteLength;
    }
    const count = Math.floor(length / 32);
    const nameOf = this.#db.prepare('SELECT name FROM blocklist WHERE sha256 = ?');
    return {
      size: count,
      find: (sha256) => {
        if (count === 0) return undefined;
        const wanted = Buffer.from(sha256, 'hex');
        if (wanted.length !== 32) return undefined;
        let low = 0;
        let high = count - 1;
        while (low <= high) {
          const middle = (low + high) >>> 1;
          const order = hashes.compare(wanted, 0, 32, middle * 32, middle * 32 + 32);
          if (order === 0) {
            const row = nameOf.get(sha256) as { name: string | null } | undefined;
            return row?.name ? { name: row.name } : {};
          }
          // `order` compares the hash in the array with the wanted one.
          if (order < 0) low = middle + 1;
          else high = middle - 1;
        }
        return undefined;
      },
    };
  }

  /** When a blocklist was last imported: scans cached before then are read again. */
  blocklistChangedAt(): string | undefined {
    const row = this.#db
      .prepare(`SELECT max(at) AS at FROM imports WHERE kind = 'blocklist'`)
      .get() as { at: string | null };
    return row.at ?? undefined;
  }

  /** From the index's length: counting the list's rows reads all of it. */
  #blocklistSize(): number {
    const row = this.#db
      .prepare('SELECT coalesce(sum(length(hashes)), 0) AS bytes FROM blocklist_index')
      .get() as { bytes: number };
    return Math.floor(Number(row.bytes) / 32);
  }

  /** Upserts one record, keeping whichever version is newer by its `modified` time. */
  #writer() {
    const existing = this.#db.prepare('SELECT modified FROM records WHERE id = ?');
    const removeAffected = this.#db.prepare('DELETE FROM affected WHERE record_id = ?');
    const removeAliases = this.#db.prepare('DELETE FROM aliases WHERE record_id = ?');
    const upsert = this.#db.prepare(
      `INSERT OR REPLACE INTO records
         (id, modified, published, withdrawn, summary, aliases, severity, rating, raw)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const addAffected = this.#db.prepare(
      `INSERT INTO affected (record_id, ecosystem, family, name, purl, ranges, versions, severity)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const addAlias = this.#db.prepare('INSERT INTO aliases (alias, record_id) VALUES (?, ?)');
    return (record: OsvRecord, raw: string): 'imported' | 'updated' | 'unchanged' => {
      const current = existing.get(record.id) as { modified: string } | undefined;
      if (current && Date.parse(current.modified) >= Date.parse(record.modified)) {
        return 'unchanged';
      }
      if (current) {
        removeAffected.run(record.id);
        removeAliases.run(record.id);
      }
      upsert.run(
        record.id,
        record.modified,
        record.published ?? null,
        record.withdrawn ?? null,
        record.summary ?? null,
        JSON.stringify(record.aliases),
        JSON.stringify(record.severity),
        record.rating ?? null,
        raw,
      );
      for (const affected of record.affected) {
        addAffected.run(
          record.id,
          affected.ecosystem,
          ecosystemFamily(affected.ecosystem),
          affected.name,
          affected.purl ?? null,
          JSON.stringify(affected.ranges),
          JSON.stringify(affected.versions),
          affected.severity ? JSON.stringify(affected.severity) : null,
        );
      }
      for (const alias of record.aliases) addAlias.run(alias, record.id);
      return current ? 'updated' : 'imported';
    };
  }

  /** What is loaded and how old it is; `now` is for tests. */
  status(now: Date = new Date()): VulnDbStatus {
    const { records } = this.#db.prepare('SELECT count(*) AS records FROM records').get() as {
      records: number;
    };
    const ecosystems = (
      this.#db
        .prepare(
          `SELECT ecosystem AS name, count(DISTINCT record_id) AS records FROM affected
           GROUP BY ecosystem ORDER BY ecosystem`,
        )
        .all() as { name: string; records: number }[]
    ).map((row) => ({ name: row.name, records: Number(row.records) }));
    const built = this.#db.prepare('SELECT max(at) AS at FROM imports').get() as {
      at: string | null;
    };
    const newest = this.#db.prepare('SELECT max(modified) AS modified FROM records').get() as {
      modified: string | null;
    };
    const blocklist = this.#blocklistSize();
    if (!records) {
      return {
        records: 0,
        ecosystems: [],
        stale: true,
        blocklist,
        warning:
          'No vulnerability data is loaded: scans list packages but cannot name vulnerabilities. Import an OSV all.zip (consign vulndb import, or Settings → Vulnerability data).',
      };
    }
    const dataAsOf = newest.modified ?? undefined;
    const ageDays = dataAsOf
      ? Math.max(0, Math.floor((now.getTime() - Date.parse(dataAsOf)) / 86_400_000))
      : undefined;
    const stale = ageDays === undefined || ageDays > STALE_AFTER_DAYS;
    return {
      records: Number(records),
      ecosystems,
      ...(built.at ? { builtAt: built.at } : {}),
      ...(dataAsOf ? { dataAsOf } : {}),
      ...(ageDays !== undefined ? { ageDays } : {}),
      stale,
      blocklist,
      ...(stale
        ? {
            warning: `The vulnerability data is ${ageDays ?? 'an unknown number of'} days old: vulnerabilities published since are not found. Import a fresh OSV all.zip.`,
          }
        : {}),
    };
  }

  /**
   * Every affected entry naming this package in this ecosystem or one of its sub-ecosystems
   * (`Red Hat:enterprise_linux:9` covers `Red Hat:enterprise_linux:9::appstream`), withdrawn
   * records left out.
   */
  affecting(ecosystem: string, name: string): StoredAffected[] {
    const rows = this.#db
      .prepare(
        `SELECT a.record_id, a.ecosystem, a.name, a.purl, a.ranges, a.versions, a.severity,
                r.aliases, r.summary, r.severity AS record_severity, r.rating
         FROM affected a JOIN records r ON r.id = a.record_id
         WHERE a.family = ? AND a.name = ? AND r.withdrawn IS NULL
           AND (a.ecosystem = ? OR substr(a.ecosystem, 1, ?) = ?)`,
      )
      .all(ecosystemFamily(ecosystem), name, ecosystem, ecosystem.length + 1, `${ecosystem}:`) as {
      record_id: string;
      ecosystem: string;
      name: string;
      purl: string | null;
      ranges: string;
      versions: string;
      severity: string | null;
      aliases: string;
      summary: string | null;
      record_severity: string;
      rating: string | null;
    }[];
    return rows.map((row) => ({
      recordId: row.record_id,
      ecosystem: row.ecosystem,
      name: row.name,
      ...(row.purl ? { purl: row.purl } : {}),
      ranges: JSON.parse(row.ranges) as OsvAffected['ranges'],
      versions: JSON.parse(row.versions) as string[],
      ...(row.severity ? { severity: JSON.parse(row.severity) as OsvAffected['severity'] } : {}),
      record: {
        aliases: JSON.parse(row.aliases) as string[],
        ...(row.summary ? { summary: row.summary } : {}),
        severity: JSON.parse(row.record_severity) as OsvRecord['severity'],
        ...(row.rating ? { rating: row.rating } : {}),
      },
    }));
  }

  /** A stored record as it was imported (for showing it offline), or undefined. */
  record(id: string): unknown {
    const row = this.#db.prepare('SELECT raw FROM records WHERE id = ?').get(id) as
      { raw: string } | undefined;
    if (row) return JSON.parse(row.raw) as unknown;
    const alias = this.#db
      .prepare(
        'SELECT r.raw FROM aliases a JOIN records r ON r.id = a.record_id WHERE a.alias = ? LIMIT 1',
      )
      .get(id) as { raw: string } | undefined;
    return alias ? (JSON.parse(alias.raw) as unknown) : undefined;
  }
}
