import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../db';
import { ConsignError } from '../errors';
import { AuditKeys, type SecretStore } from './audit-key';
import { canonicalJson } from './canonical-json';
import { chainHash, GENESIS_HASH } from './chain';
import { AUDIT_KEY_CREATED, signCheckpoint } from './checkpoint';
import { publicKeyFingerprint } from './dsse';
import { AuditLog } from './log';

const actor = { user: 'auditor', host: 'desk-2', app: 'consign/test' };

/** An in-memory keychain that can be locked, as a login keyring can. */
class MemorySecrets implements SecretStore {
  readonly secrets = new Map<string, string>();
  locked = false;
  get(account: string): Promise<string | null> {
    if (this.locked) return Promise.reject(new ConsignError('KEYCHAIN_LOCKED', 'locked'));
    return Promise.resolve(this.secrets.get(account) ?? null);
  }
  set(account: string, secret: string): Promise<void> {
    if (this.locked) return Promise.reject(new ConsignError('KEYCHAIN_LOCKED', 'locked'));
    this.secrets.set(account, secret);
    return Promise.resolve();
  }
}

describe('signed checkpoints', () => {
  let dir: string;
  let db: Database;
  let secrets: MemorySecrets;
  let log: AuditLog;

  const appendSteps = (n: number): void => {
    for (let i = 0; i < n; i++)
      log.append({ action: 'test.step', subject: `s${i}`, details: { i } });
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'consign-checkpoint-'));
    db = openDatabase(join(dir, 'consign.db'));
    secrets = new MemorySecrets();
    log = new AuditLog(db, actor, undefined, { secrets, checkpointEvery: 5 });
  });

  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps no audit key whose announcement failed, and announces the next one it makes', async () => {
    const keys = new AuditKeys(db, secrets);
    const failing = () => {
      throw new Error('the disk is full');
    };
    await expect(keys.signer(failing)).rejects.toThrow('the disk is full');
    // A key the database named without the chain announcing it would sign unverifiable checkpoints.
    expect(db.prepare('SELECT fingerprint FROM audit_keys').all()).toEqual([]);
    const announced: string[] = [];
    const signer = await keys.signer((created) => announced.push(created.fingerprint));
    expect(announced).toEqual([signer.fingerprint]);
    expect(db.prepare('SELECT fingerprint FROM audit_keys').all()).toEqual([
      { fingerprint: signer.fingerprint },
    ]);
  });

  it('creates the audit key on first need, announces it in the chain, and signs the head', async () => {
    appendSteps(3);
    const checkpoint = await log.checkpoint();
    const announced = log.list({ action: AUDIT_KEY_CREATED });
    expect(announced).toHaveLength(1);
    const fingerprint = announced[0]!.details.fingerprint as string;
    expect(secrets.secrets.has(`audit-key:${fingerprint}`)).toBe(true);
    expect(checkpoint).toMatchObject({
      seq: 4,
      hash: log.head().hash,
      keyFingerprint: fingerprint,
    });
    expect(JSON.stringify(db.prepare('SELECT * FROM audit_keys').all())).not.toMatch(/PRIVATE/);
    expect(log.verify()).toMatchObject({
      ok: true,
      events: 4,
      checkpoints: 1,
      lastCheckpointSeq: 4,
    });
  });

  it('signs a checkpoint in the background every N events', async () => {
    appendSteps(12);
    await log.settle();
    expect(log.checkpoints()).toHaveLength(1);
    appendSteps(5);
    await log.settle();
    const seqs = log.checkpoints().map((c) => c.seq);
    expect(seqs.length).toBeGreaterThanOrEqual(2);
    expect(log.verify()).toMatchObject({ ok: true, checkpoints: seqs.length });
  });

  it('keeps appending while the keychain is locked, and checkpoints once it opens', async () => {
    secrets.locked = true;
    appendSteps(12);
    await log.settle();
    expect(log.count()).toBe(12);
    expect(log.checkpoints()).toEqual([]);
    await expect(log.checkpoint()).rejects.toMatchObject({ code: 'KEYCHAIN_LOCKED' });
    expect(await log.verifyAndCheckpoint()).toMatchObject({ ok: true, checkpoints: 0 });
    secrets.locked = false;
    expect(await log.verifyAndCheckpoint()).toMatchObject({
      ok: true,
      events: 12,
      checkpoints: 1,
      lastCheckpointSeq: 13,
    });
    expect(log.verify()).toMatchObject({ ok: true, events: 13, checkpoints: 1 });
  });

  describe('tampering with the stored log', () => {
    beforeEach(async () => {
      appendSteps(8);
      await log.checkpoint(); // at event 9 (8 steps and the key announcement)
      appendSteps(4);
      await log.checkpoint(); // at event 13
      appendSteps(2);
      expect(log.verify()).toMatchObject({ ok: true, events: 15, checkpoints: 2 });
    });

    it('names an edited field', () => {
      db.prepare("UPDATE audit_events SET subject = 'forged' WHERE seq = 6").run();
      expect(log.verify()).toMatchObject({ ok: false, firstBadSeq: 6 });
    });

    it('names the gap a deleted row leaves', () => {
      db.prepare('DELETE FROM audit_events WHERE seq = 11').run();
      expect(log.verify()).toMatchObject({ ok: false, firstBadSeq: 12 });
    });

    it('names events reordered by swapping their seq', () => {
      db.prepare('UPDATE audit_events SET seq = -1 WHERE seq = 4').run();
      db.prepare('UPDATE audit_events SET seq = 4 WHERE seq = 5').run();
      db.prepare('UPDATE audit_events SET seq = 5 WHERE seq = -1').run();
      expect(log.verify()).toMatchObject({ ok: false, firstBadSeq: 4 });
    });

    it('detects the tail cut off after a checkpoint', () => {
      db.prepare('DELETE FROM audit_events WHERE seq > 10').run();
      const result = log.verify();
      expect(result).toMatchObject({ ok: false, firstBadSeq: 11, badCheckpointSeq: 13 });
      expect(result.reason).toMatch(/removed from its end/);
    });

    it('detects a chain rewritten with recomputed hashes, by its checkpoint', () => {
      const rows = db.prepare('SELECT * FROM audit_events WHERE seq >= 11 ORDER BY seq').all() as {
        seq: number;
        at: string;
        actor: string;
        action: string;
        subject: string;
        details: string;
      }[];
      let previous = (
        db.prepare('SELECT hash FROM audit_events WHERE seq = 10').get() as {
          hash: string;
        }
      ).hash;
      for (const row of rows) {
        const body = {
          seq: row.seq,
          at: row.at,
          actor: JSON.parse(row.actor) as typeof actor,
          action: row.action,
          subject: row.seq === 11 ? 'forged' : row.subject,
          details: JSON.parse(row.details) as Record<string, never>,
        };
        previous = chainHash(previous, body);
        db.prepare('UPDATE audit_events SET subject = ?, hash = ? WHERE seq = ?').run(
          body.subject,
          previous,
          row.seq,
        );
      }
      const result = log.verify();
      expect(result).toMatchObject({ ok: false, firstBadSeq: 10, badCheckpointSeq: 13 });
      expect(result.reason).toMatch(/rewritten/);
    });

    it('refuses a checkpoint replaced by one signed with another key', () => {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
      const other = publicKeyFingerprint(publicKey);
      db.prepare(
        'INSERT INTO audit_keys (fingerprint, public_key, created_at) VALUES (?, ?, ?)',
      ).run(
        other,
        publicKey.export({ type: 'spki', format: 'pem' }) as string,
        new Date().toISOString(),
      );
      const head = db.prepare('SELECT seq, hash FROM audit_events WHERE seq = 13').get() as {
        seq: number;
        hash: string;
      };
      const envelope = signCheckpoint(
        { ...head, time: new Date().toISOString() },
        privateKey,
        other,
      );
      db.prepare(
        'UPDATE audit_checkpoints SET key_fingerprint = ?, envelope = ? WHERE seq = 13',
      ).run(other, canonicalJson(envelope));
      const result = log.verify();
      expect(result).toMatchObject({ ok: false, firstBadSeq: null, badCheckpointSeq: 13 });
      expect(result.reason).toMatch(/never announced/);
    });

    it('refuses a checkpoint whose signature was altered', () => {
      const row = db.prepare('SELECT envelope FROM audit_checkpoints WHERE seq = 9').get() as {
        envelope: string;
      };
      const envelope = JSON.parse(row.envelope) as { payload: string };
      const payload = JSON.parse(Buffer.from(envelope.payload, 'base64').toString()) as {
        hash: string;
      };
      payload.hash = GENESIS_HASH;
      envelope.payload = Buffer.from(canonicalJson(payload)).toString('base64');
      db.prepare('UPDATE audit_checkpoints SET envelope = ? WHERE seq = 9').run(
        JSON.stringify(envelope),
      );
      expect(log.verify()).toMatchObject({ ok: false, badCheckpointSeq: 9 });
    });

    it('never signs a checkpoint over a broken chain', async () => {
      db.prepare("UPDATE audit_events SET subject = 'forged' WHERE seq = 14").run();
      await expect(log.checkpoint()).rejects.toMatchObject({ code: 'CHECK_FAILED' });
      expect(log.lastCheckpoint()?.seq).toBe(13);
    });
  });
});
