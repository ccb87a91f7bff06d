import { createRequire } from 'node:module';
import type * as NodeSqlite from 'node:sqlite';
import type { DatabaseSync } from 'node:sqlite';
import { ConsignError } from '../errors';
import { migrations } from './migrations';

export type Database = DatabaseSync;

let sqlite: typeof NodeSqlite | undefined;

/**
 * Loads node:sqlite on first use, without the one-line "experimental" warning Node prints for it:
 * that line would land in every CLI command's stderr and in pipelines' logs.
 */
export function loadSqlite(): typeof NodeSqlite {
  if (sqlite) return sqlite;
  const emitWarning = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    if (String(warning).includes('SQLite is an experimental feature')) return;
    (emitWarning as (...args: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    sqlite = createRequire(import.meta.url)('node:sqlite') as typeof NodeSqlite;
  } finally {
    process.emitWarning = emitWarning;
  }
  return sqlite;
}

/**
 * Opens a database (the workspace's, unless other `schema` migrations are given): WAL so readers
 * never block the one writer, foreign keys on, and every pending migration applied in order
 * inside a transaction.
 */
export function openDatabase(path: string, schema: readonly string[] = migrations): Database {
  let db: DatabaseSync;
  try {
    db = new (loadSqlite().DatabaseSync)(path);
    db.exec('PRAGMA journal_mode = WAL');
    db.exec('PRAGMA synchronous = NORMAL');
    db.exec('PRAGMA foreign_keys = ON');
    db.exec('PRAGMA busy_timeout = 5000');
  } catch (cause) {
    throw new ConsignError('WORKSPACE_UNAVAILABLE', `The database ${path} cannot be opened.`, {
      remedy: 'Check that the workspace folder is writable and the file is not damaged.',
      cause,
    });
  }
  migrate(db, schema);
  return db;
}

export function schemaVersion(db: Database): number {
  const row = db.prepare('PRAGMA user_version').get() as { user_version: number };
  return row.user_version;
}

function migrate(db: Database, schema: readonly string[]): void {
  const current = schemaVersion(db);
  if (current > schema.length) {
    throw new ConsignError(
      'WORKSPACE_UNAVAILABLE',
      `This workspace was written by a newer Consign (schema ${current}, this one knows ${schema.length}).`,
      { remedy: 'Upgrade Consign, or point it at another workspace.' },
    );
  }
  for (let version = current; version < schema.length; version++) {
    transaction(db, () => {
      db.exec(schema[version]!);
      db.exec(`PRAGMA user_version = ${version + 1}`);
    });
  }
}

const inTransaction = new WeakSet<Database>();

/**
 * Runs `work` in an IMMEDIATE transaction (the write lock is taken up front). Called inside
 * another, it joins it: a state change and the audit event recording it commit together.
 */
export function transaction<T>(db: Database, work: () => T): T {
  if (inTransaction.has(db)) return work();
  db.exec('BEGIN IMMEDIATE');
  inTransaction.add(db);
  try {
    const result = work();
    db.exec('COMMIT');
    return result;
  } catch (error) {
    db.exec('ROLLBACK');
    throw error;
  } finally {
    inTransaction.delete(db);
  }
}
