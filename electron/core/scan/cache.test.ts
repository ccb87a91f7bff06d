import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../db';
import { ScanCache, SCANNER_VERSION, type Inventory } from './cache';

const digest = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}` as const;

function inventory(n: number): Inventory {
  return {
    image: { digest: digest(n), manifest: digest(n), config: digest(n + 1000), layers: 2 },
    osPackages: [
      {
        type: 'deb',
        name: 'libc6',
        version: '2.36-9',
        purl: 'pkg:deb/debian/libc6@2.36-9',
        source: { name: 'glibc', version: '2.36-9' },
      },
    ],
    appPackages: [],
    baseline: [],
    secrets: [
      { rule: 'aws-access-key-id', title: 'AWS access key id', path: '/app/.env', line: 3 },
    ],
    malware: [],
    skipped: [],
  };
}

describe('ScanCache', () => {
  let dir: string;
  let db: Database;
  let tick: number;
  const now = () => new Date((tick += 1000));

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'consign-scan-cache-'));
    db = openDatabase(join(dir, 'consign.db'));
    tick = Date.parse('2026-01-01T00:00:00Z');
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives back what was put, with when it was made, and misses other keys', () => {
    const cache = new ScanCache(db, { now });
    expect(cache.get('manifest a')).toBeUndefined();
    const stored = cache.put('manifest a', inventory(1));
    expect(stored.createdAt).toBe('2026-01-01T00:00:01.000Z');
    expect(cache.get('manifest a')).toEqual({
      inventory: inventory(1),
      createdAt: '2026-01-01T00:00:01.000Z',
    });
    expect(cache.get('manifest b')).toBeUndefined();
  });

  it('replaces an entry stored again under the same key', () => {
    const cache = new ScanCache(db, { now });
    cache.put('k', inventory(1));
    cache.put('k', inventory(2));
    expect(cache.get('k')?.inventory.image.digest).toBe(digest(2));
    expect(cache.size()).toBe(1);
  });

  it('keeps the most recently used entries within its bound', () => {
    const cache = new ScanCache(db, { now, entries: 3 });
    for (const n of [1, 2, 3]) cache.put(`k${n}`, inventory(n));
    // k1 is used again, so k2 is now the least recently used.
    expect(cache.get('k1')).toBeDefined();
    cache.put('k4', inventory(4));
    expect(cache.size()).toBe(3);
    expect(cache.get('k2')).toBeUndefined();
    for (const k of ['k1', 'k3', 'k4']) expect(cache.get(k), k).toBeDefined();
  });

  it("ignores and drops another scanner version's entries", () => {
    const cache = new ScanCache(db, { now });
    db.prepare(
      'INSERT INTO scan_cache (key, scanner, inventory, created_at, used_at) VALUES (?, ?, ?, ?, ?)',
    ).run('old', SCANNER_VERSION - 1, JSON.stringify(inventory(1)), 'x', 'x');
    expect(cache.get('old')).toBeUndefined();
    cache.put('new', inventory(2));
    expect(cache.size()).toBe(1);
  });

  it('treats a damaged entry as a miss and removes it', () => {
    const cache = new ScanCache(db, { now });
    const insert = db.prepare(
      'INSERT INTO scan_cache (key, scanner, inventory, created_at, used_at) VALUES (?, ?, ?, ?, ?)',
    );
    insert.run('broken', SCANNER_VERSION, '{"image":', 'x', 'x');
    insert.run('shape', SCANNER_VERSION, JSON.stringify({ image: { digest: 1 } }), 'x', 'x');
    expect(cache.get('broken')).toBeUndefined();
    expect(cache.get('shape')).toBeUndefined();
    expect(cache.size()).toBe(0);
  });

  it('persists across reopening the workspace database', () => {
    new ScanCache(db, { now }).put('k', inventory(7));
    db.close();
    db = openDatabase(join(dir, 'consign.db'));
    expect(new ScanCache(db).get('k')?.inventory).toEqual(inventory(7));
  });
});
