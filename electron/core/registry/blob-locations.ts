import type { Database } from '../db';

/** How many other repositories a copy tries to mount a blob from before uploading it. */
const MOUNT_CANDIDATES = 3;

/**
 * Remembers which repositories of a registry hold which blobs, so that the next copy of a shared
 * layer into that registry is a cross-repository mount (no bytes sent) instead of an upload.
 * A stale entry only costs one refused mount request.
 */
export class BlobLocations {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  /** Other repositories on `host` that held `digest`, most recently seen first. */
  candidates(host: string, digest: string, except: string): string[] {
    const rows = this.#db
      .prepare(
        'SELECT repository FROM blob_locations WHERE host = ? AND digest = ? AND repository <> ? ORDER BY seen_at DESC LIMIT ?',
      )
      .all(host, digest, except, MOUNT_CANDIDATES) as { repository: string }[];
    return rows.map((row) => row.repository);
  }

  remember(host: string, repository: string, digest: string): void {
    this.#db
      .prepare(
        'INSERT INTO blob_locations (host, digest, repository, seen_at) VALUES (?, ?, ?, ?) ' +
          'ON CONFLICT (host, digest, repository) DO UPDATE SET seen_at = excluded.seen_at',
      )
      .run(host, digest, repository, new Date().toISOString());
  }

  forget(host: string, repository: string, digest: string): void {
    this.#db
      .prepare('DELETE FROM blob_locations WHERE host = ? AND digest = ? AND repository = ?')
      .run(host, digest, repository);
  }
}
