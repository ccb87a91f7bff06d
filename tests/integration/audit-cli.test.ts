// `consign audit list` and `verify` on a real workspace: filters, and tampering caught.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../electron/core/db';
import { jsonOf, workspaceCli } from '../support/consign-cli';

interface Event {
  seq: number;
  at: string;
  actor: { user: string; host: string; app: string };
  action: string;
  subject: string;
  details: Record<string, unknown>;
  hash: string;
}

describe('consign audit', () => {
  let work: string;
  let home: string;

  const consign = workspaceCli(() => home);
  const json = jsonOf;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'consign-audit-'));
    home = join(work, 'home');
    const key = json<{ id: string }>(
      await consign(['keys', 'generate', '--name', 'audit-test', '--json']),
    );
    json(await consign(['keys', 'revoke', key.id, '--reason', 'test over', '--json']));
  });

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('lists events with filters', async () => {
    const all = json<Event[]>(await consign(['audit', 'list', '--json']));
    expect(all.map((e) => e.action)).toEqual(['workspace.created', 'key.generated', 'key.revoked']);
    expect(all[1]!.actor.app).toMatch(/^consign\//);
    const keys = json<Event[]>(await consign(['audit', 'list', '--action', 'key.', '--json']));
    expect(keys.map((e) => e.seq)).toEqual([2, 3]);
    const one = json<Event[]>(
      await consign(['audit', 'list', '--action', 'key.revoked', '--json']),
    );
    expect(one.map((e) => e.seq)).toEqual([3]);
    const today = new Date().toISOString().slice(0, 10);
    expect(
      json<Event[]>(await consign(['audit', 'list', '--until', today, '--json'])),
    ).toHaveLength(3);
    expect(
      json<Event[]>(await consign(['audit', 'list', '--since', '2999-01-01', '--json'])),
    ).toEqual([]);
    expect(json<Event[]>(await consign(['audit', 'list', '--limit', '1', '--json']))).toHaveLength(
      1,
    );
    const seqs = async (...args: string[]): Promise<number[]> =>
      json<Event[]>(await consign(['audit', 'list', ...args, '--json'])).map((e) => e.seq);
    const keyId = (all[1]!.details as { id: string }).id;
    const fingerprint = (all[1]!.details as { fingerprint: string }).fingerprint;
    expect(await seqs('--key', keyId)).toEqual([2, 3]);
    expect(await seqs('--key', fingerprint.slice(0, 12).toUpperCase())).toEqual([2, 3]);
    expect(await seqs('--search', 'AUDIT-TEST')).toEqual([2, 3]);
    expect(await seqs('--actor', `${all[0]!.actor.user}@${all[0]!.actor.host}`)).toEqual([1, 2, 3]);
    expect(await seqs('--customer', 'nobody')).toEqual([]);
    expect(await seqs('--release', 'shop@1.0')).toEqual([]);
    expect((await consign(['audit', 'list', '--since', 'yesterday'])).code).toBe(2);
    expect((await consign(['audit', 'verify', '--customer', 'x'])).code).toBe(2);
    expect((await consign(['audit', 'frobnicate'])).code).toBe(2);
  });

  it('verifies the chain, and names the first event someone altered', async () => {
    // Verifying also signs a checkpoint, with an audit key it creates and announces (event 4).
    expect(
      json<{ ok: boolean; events: number }>(await consign(['audit', 'verify', '--json'])),
    ).toEqual({
      ok: true,
      events: 3,
      firstBadSeq: null,
      checkpoints: 1,
      lastCheckpointSeq: 4,
    });
    const db = openDatabase(join(home, 'consign.db'));
    db.prepare('UPDATE audit_events SET details = ? WHERE seq = 2').run('{"name":"someone else"}');
    db.close();
    const broken = await consign(['audit', 'verify', '--json']);
    expect(json<{ ok: boolean; firstBadSeq: number }>(broken, 1)).toMatchObject({
      ok: false,
      firstBadSeq: 2,
    });
    expect((await consign(['audit', 'verify'])).stdout).toMatch(/does not verify at event 2/);
  });
});
