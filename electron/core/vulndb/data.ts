/** The workspace's vulnerability data, as the app and the CLI use it: import and status. */
import { resolve } from 'node:path';
import type { Engine } from '../engine';
import {
  VulnDatabase,
  type ImportProgress,
  type ImportResult,
  type VulnDbStatus,
} from './database';

function withDatabase<T>(engine: Engine, work: (db: VulnDatabase) => T): T {
  const db = VulnDatabase.open(engine.requireStore().workspace.path);
  let closeNow = true;
  try {
    const result = work(db);
    if (result instanceof Promise) {
      closeNow = false;
      return result.finally(() => db.close()) as T;
    }
    return result;
  } finally {
    if (closeNow) db.close();
  }
}

/** Imports OSV data into the workspace's database, all or nothing, and records it in the audit log. */
export function importVulnData(
  engine: Engine,
  path: string,
  options: { onProgress?: (progress: ImportProgress) => void; signal?: AbortSignal } = {},
): Promise<ImportResult> {
  return withDatabase(engine, async (db) => {
    const result = await db.import(resolve(path), options);
    engine.requireStore().audit.append({
      action: 'vulndb.imported',
      subject: result.source,
      details: {
        kind: result.kind,
        imported: result.imported,
        updated: result.updated,
        unchanged: result.unchanged,
        skipped: result.skipped,
        ecosystems: result.ecosystems,
      },
    });
    return result;
  });
}

/** What vulnerability data is loaded and how old it is. */
export function vulnDataStatus(engine: Engine): VulnDbStatus {
  return withDatabase(engine, (db) => db.status());
}
