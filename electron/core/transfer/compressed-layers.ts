import type { Database } from '../db';
import { isDigest, type Digest } from '../oci';
import type { CompressionMemory } from './types';

/**
 * The workspace's memory of layers compressed for a push: a later push of the same layer with the
 * same settings knows its compressed digest up front, so destinations that hold it are skipped
 * without reading or compressing anything. An entry that no longer matches what compression
 * gives only costs the copy a second round for that layer (see copyImage).
 */
export class CompressedLayers implements CompressionMemory {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  get(diffId: Digest, algorithm: string): { digest: Digest; size: number } | undefined {
    const row = this.#db
      .prepare('SELECT digest, size FROM compressed_layers WHERE diff_id = ? AND algorithm = ?')
      .get(diffId, algorithm) as { digest: string; size: number } | undefined;
    if (!row || !isDigest(row.digest) || !Number.isSafeInteger(row.size)) return undefined;
    return { digest: row.digest, size: row.size };
  }

  remember(diffId: Digest, algorithm: string, compressed: { digest: Digest; size: number }): void {
    this.#db
      .prepare(
        'INSERT INTO compressed_layers (diff_id, algorithm, digest, size, seen_at) VALUES (?, ?, ?, ?, ?) ' +
          'ON CONFLICT (diff_id, algorithm) DO UPDATE SET digest = excluded.digest, size = excluded.size, seen_at = excluded.seen_at',
      )
      .run(diffId, algorithm, compressed.digest, compressed.size, new Date().toISOString());
  }
}
