import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../db';
import { canonicalJson } from './canonical-json';
import { GENESIS_HASH } from './chain';
import { AuditLog } from './log';

const actor = { user: 'release', host: 'desk-1', app: 'consign/test' };

describe('AuditLog on a real SQLite database', () => {
  let dir: string;
  let db: Database;
  let log: AuditLog;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'consign-audit-'));
    db = openDatabase(join(dir, 'consign.db'));
    let tick = Date.parse('2026-01-01T00:00:00Z');
    log = new AuditLog(db, actor, () => new Date((tick += 1000)));
    for (let i = 1; i <= 6; i++) {
      log.append({ action: 'test.step', subject: `item-${i}`, details: { i, note: `step ${i}` } });
    }
  });

  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('chains each event to the previous one by SHA-256 over canonical JSON', () => {
    const [first, second] = log.list({ limit: 2 });
    const { hash: firstHash, ...firstBody } = first!;
    const expected = createHash('sha256')
      .update(Buffer.from(GENESIS_HASH, 'hex'))
      .update(canonicalJson(firstBody))
      .digest('hex');
    expect(firstHash).toBe(expected);
    const { hash: secondHash, ...secondBody } = second!;
    expect(secondHash).toBe(
      createHash('sha256')
        .update(Buffer.from(firstHash, 'hex'))
        .update(canonicalJson(secondBody))
        .digest('hex'),
    );
    expect(log.verify()).toMatchObject({ ok: true, events: 6, firstBadSeq: null });
  });

  it('detects an edited event', () => {
    db.prepare('UPDATE audit_events SET details = ? WHERE seq = 3').run('{"i":3,"note":"forged"}');
    expect(log.verify()).toMatchObject({ ok: false, firstBadSeq: 3 });
  });

  it('detects an edited event whose hash was recomputed, at the next event', () => {
    const third = log.list({ afterSeq: 2, limit: 1 })[0]!;
    const previous = log.list({ afterSeq: 1, limit: 1 })[0]!.hash;
    const { hash: _old, ...body } = { ...third, subject: 'forged' };
    const rehashed = createHash('sha256')
      .update(Buffer.from(previous, 'hex'))
      .update(canonicalJson(body))
      .digest('hex');
    db.prepare('UPDATE audit_events SET subject = ?, hash = ? WHERE seq = 3').run(
      'forged',
      rehashed,
    );
    expect(log.verify()).toMatchObject({ ok: false, firstBadSeq: 4 });
  });

  it('detects a removed event', () => {
    db.prepare('DELETE FROM audit_events WHERE seq = 4').run();
    const result = log.verify();
    expect(result).toMatchObject({ ok: false, firstBadSeq: 5 });
    expect(result.reason).toMatch(/missing or out of order/);
  });

  it('detects reordered events', () => {
    // Swap the content of events 2 and 5 while each keeps its seq number.
    const rows = db
      .prepare('SELECT * FROM audit_events WHERE seq IN (2, 5) ORDER BY seq')
      .all() as {
      subject: string;
      details: string;
      hash: string;
      at: string;
    }[];
    const update = db.prepare(
      'UPDATE audit_events SET subject = ?, details = ?, hash = ?, at = ? WHERE seq = ?',
    );
    update.run(rows[1]!.subject, rows[1]!.details, rows[1]!.hash, rows[1]!.at, 2);
    update.run(rows[0]!.subject, rows[0]!.details, rows[0]!.hash, rows[0]!.at, 5);
    expect(log.verify()).toMatchObject({ ok: false, firstBadSeq: 2 });
  });

  it('detects renumbered events', () => {
    db.prepare('UPDATE audit_events SET seq = 99 WHERE seq = 6').run();
    expect(log.verify()).toMatchObject({ ok: false, firstBadSeq: 99 });
  });

  it('continues the chain after reopening the database', () => {
    db.close();
    db = openDatabase(join(dir, 'consign.db'));
    log = new AuditLog(db, actor);
    const event = log.append({ action: 'test.after-reopen', subject: 'x' });
    expect(event.seq).toBe(7);
    expect(log.verify()).toMatchObject({ ok: true, events: 7, firstBadSeq: null });
  });

  it('filters by actor, customer, release, key and text, and counts and pages the matches', () => {
    const more: { [key: string]: string }[] = [
      { customer: 'Acme', release: 'shop@1.2.0', keyId: 'k1', fingerprint: 'ab12'.repeat(16) },
      { customer: 'acme', release: 'shop@1.3.0', keyId: 'k2', fingerprint: 'cd34'.repeat(16) },
      { customer: 'Globex', release: 'shopping@1.0.0', note: 'Rush ORDER' },
    ];
    for (const details of more) log.append({ action: 'delivery.completed', subject: 'd', details });
    const seqs = (filter: Parameters<AuditLog['list']>[0]): number[] =>
      log.list(filter).map((event) => event.seq);
    expect(seqs({ customer: 'ACME' })).toEqual([7, 8]);
    expect(seqs({ release: 'shop' })).toEqual([7, 8]);
    expect(seqs({ release: 'shop@1.3.0' })).toEqual([8]);
    expect(seqs({ key: 'AB12AB' })).toEqual([7]);
    expect(seqs({ key: 'k2' })).toEqual([8]);
    expect(seqs({ search: 'rush order' })).toEqual([9]);
    expect(seqs({ search: 'item-3' })).toEqual([3]);
    expect(seqs({ actor: 'release' })).toHaveLength(9);
    expect(seqs({ actor: 'release@desk-1' })).toHaveLength(9);
    expect(seqs({ actor: 'release@elsewhere' })).toEqual([]);
    expect(seqs({ action: 'test.', offset: 2, limit: 2 })).toEqual([3, 4]);
    expect(log.count({ action: 'test.' })).toBe(6);
    expect(log.count({ customer: 'acme', release: 'shop@1.2.0' })).toBe(1);
    expect(seqs({ search: '%' })).toEqual([]);
    expect(seqs({ search: 'item_3' })).toEqual([]);
    // The filters on details members are answered by their indexes.
    const plan = db
      .prepare(
        "EXPLAIN QUERY PLAN SELECT count(*) FROM audit_events WHERE json_extract(details, '$.customer') = ? COLLATE NOCASE",
      )
      .all('acme') as { detail: string }[];
    expect(plan.map((row) => row.detail).join()).toMatch(/audit_events_customer/);
    // Filter values are bound, never spliced into the SQL.
    expect(log.count({ customer: "x' OR 1=1 --" })).toBe(0);
  });

  it('leaves nothing behind when an event cannot be stored', () => {
    expect(() =>
      log.append({ action: 'test.bad', subject: 'x', details: { n: Number.NaN } }),
    ).toThrow();
    expect(log.count()).toBe(6);
    expect(log.verify().ok).toBe(true);
  });
});
