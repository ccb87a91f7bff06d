// Signed checkpoints and exports on a real workspace with the real keychain, through the built
// command: export, offline verification (also with standard tools, as docs/audit-export.md
// shows), tampering found and located, and a process killed while appending.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../electron/core/db';
import { jsonOf, workspaceCli } from '../support/consign-cli';
import { testEnv } from '../support/test-env';

interface Verification {
  ok: boolean;
  events: number;
  firstBadSeq: number | null;
  badCheckpointSeq?: number;
  checkpoints: number;
  lastCheckpointSeq: number | null;
  reason?: string;
}

interface ExportCheck {
  ok: boolean;
  events: number;
  firstBadLine?: number;
  firstBadSeq?: number;
  reason?: string;
  keyFingerprint?: string;
}

/** The shell block of the auditor's instructions, as the documentation gives it. */
function documentedCheck(): string {
  const doc = readFileSync(resolve('docs/audit-export.md'), 'utf8');
  const section = doc.slice(doc.indexOf('### Checking an export with standard tools'));
  const block = /```sh\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error('the documentation has no shell block for the check');
  return block[1]!;
}

describe('audit checkpoints and exports', () => {
  let work: string;
  let home: string;
  const consign = workspaceCli(() => home);

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'consign-audit-export-'));
    home = join(work, 'home');
    for (const name of ['first', 'second', 'third']) {
      jsonOf(await consign(['keys', 'generate', '--name', name, '--json']));
    }
  });

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('signs a checkpoint with the audit key from the keychain when verifying', async () => {
    const result = jsonOf<Verification>(await consign(['audit', 'verify', '--json']));
    expect(result).toMatchObject({ ok: true, events: 4, checkpoints: 1, lastCheckpointSeq: 5 });
    const events = jsonOf<{ action: string; details: { fingerprint: string } }[]>(
      await consign(['audit', 'list', '--action', 'audit.', '--json']),
    );
    expect(events.map((e) => e.action)).toEqual(['audit.key-created']);
    const db = openDatabase(join(home, 'consign.db'));
    try {
      const row = db.prepare('SELECT * FROM audit_keys').get() as { public_key: string };
      expect(row.public_key).toMatch(/^-----BEGIN PUBLIC KEY-----/);
      expect(JSON.stringify(db.prepare('SELECT * FROM audit_checkpoints').all())).not.toMatch(
        /PRIVATE/,
      );
    } finally {
      db.close();
    }
  });

  it('exports JSONL that verifies offline, with consign and with standard tools', async () => {
    const out = join(work, 'audit.jsonl');
    const written = jsonOf<{ out: string; events: number; format: string }>(
      await consign(['audit', 'export', '--out', out, '--json']),
    );
    expect(written).toMatchObject({ out, format: 'jsonl' });
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(written.events + 1);
    const publicKey = (JSON.parse(lines.at(-1)!) as { publicKey: string }).publicKey;
    writeFileSync(join(work, 'expected.pem'), publicKey);

    const check = jsonOf<ExportCheck>(
      await consign([
        'audit',
        'verify-export',
        out,
        '--public-key',
        join(work, 'expected.pem'),
        '--json',
      ]),
    );
    expect(check).toMatchObject({ ok: true, events: written.events });

    // The auditor's commands from the documentation, run as written in a folder of their own.
    const auditor = join(work, 'auditor');
    mkdirSync(auditor);
    writeFileSync(join(auditor, 'audit.jsonl'), readFileSync(out));
    const shell = spawnSync('bash', ['-c', documentedCheck()], { cwd: auditor, encoding: 'utf8' });
    expect(shell.status, shell.stderr).toBe(0);
    const printed = shell.stdout.trim().split('\n');
    expect(printed[0]).toBe(`${check.keyFingerprint}  -`);
    expect(printed.filter((line) => line === 'Verified OK')).toHaveLength(2);
    expect(printed[2]).toBe(printed[3]); // lines digest
    expect(printed[4]).toBe(printed[5]); // events' hashes digest
    expect(printed.filter((line) => / ok$/.test(line))).toHaveLength(written.events);
    expect(printed.at(-2)).toBe(`[[1,${written.events}]]`);

    // One altered byte: consign names the line, and so do the documented commands.
    const tampered = join(auditor, 'audit.jsonl');
    writeFileSync(
      tampered,
      readFileSync(out, 'utf8').replace('"name":"second"', '"name":"secont"'),
    );
    const broken = jsonOf<ExportCheck>(
      await consign(['audit', 'verify-export', tampered, '--json']),
      1,
    );
    expect(broken).toMatchObject({ ok: false, firstBadLine: 3, firstBadSeq: 3 });
    const human = await consign(['audit', 'verify-export', tampered]);
    expect(human.code).toBe(1);
    expect(human.stdout).toMatch(/does not verify at line 3/);
    const again = spawnSync('bash', ['-c', documentedCheck()], { cwd: auditor, encoding: 'utf8' });
    expect(again.stdout).toMatch(/event 3: ALTERED/);
  });

  it('exports a filtered selection as JSONL, CSV and HTML', async () => {
    const jsonl = join(work, 'keys.jsonl');
    jsonOf(await consign(['audit', 'export', '--out', jsonl, '--action', 'key.', '--json']));
    expect(
      jsonOf<ExportCheck>(await consign(['audit', 'verify-export', jsonl, '--json'])),
    ).toMatchObject({ ok: true, events: 3 });
    const csv = join(work, 'keys.csv');
    jsonOf(
      await consign([
        'audit',
        'export',
        '--out',
        csv,
        '--format',
        'csv',
        '--action',
        'key.',
        '--json',
      ]),
    );
    const rows = readFileSync(csv, 'utf8').split('\r\n');
    expect(rows[0]).toMatch(/^seq,at,user,host,app,action,subject,details,hash,previous_hash$/);
    expect(rows.filter((row) => /,key\.generated,/.test(row))).toHaveLength(3);
    expect(rows.at(-2)).toMatch(/^signature,.*,sha256:[0-9a-f]{64},/);
    const html = join(work, 'report.html');
    jsonOf(await consign(['audit', 'export', '--out', html, '--format', 'html', '--json']));
    const page = readFileSync(html, 'utf8');
    expect(page).toMatch(/^<!DOCTYPE html>/);
    expect(page).toContain('key.generated');
    expect(page).toMatch(/sha256:[0-9a-f]{64}/);
    expect(page).not.toMatch(/<script|<link|src=/i);
    // Bad usage is refused with a reason.
    expect((await consign(['audit', 'export', '--out', html])).code).toBe(2);
    expect(
      (await consign(['audit', 'export', '--out', join(work, 'x'), '--format', 'pdf'])).code,
    ).toBe(2);
    expect((await consign(['audit', 'export'])).stderr).toMatch(/needs --out/);
    expect((await consign(['audit', 'verify-export', join(work, 'missing.jsonl')])).code).toBe(2);
  });

  it('finds events cut off the tail after a checkpoint, in a copy of the workspace', async () => {
    const copy = join(work, 'forged-home');
    mkdirSync(copy);
    const db = openDatabase(join(home, 'consign.db'));
    db.exec(`VACUUM INTO '${join(copy, 'consign.db')}'`);
    db.close();
    const forged = workspaceCli(() => copy);
    const last = jsonOf<Verification>(await forged(['audit', 'verify', '--json']));
    expect(last.ok).toBe(true);
    const cut = openDatabase(join(copy, 'consign.db'));
    cut.prepare('DELETE FROM audit_events WHERE seq >= ?').run(last.lastCheckpointSeq! - 1);
    cut.close();
    const result = jsonOf<Verification>(await forged(['audit', 'verify', '--json']), 1);
    expect(result).toMatchObject({
      ok: false,
      firstBadSeq: last.lastCheckpointSeq! - 1,
      badCheckpointSeq: last.lastCheckpointSeq,
    });
    expect((await forged(['audit', 'verify'])).stdout).toMatch(/removed from its end/);
  });

  it('keeps the log whole when a process appending heavily is killed', async () => {
    // Bundled inside the project, so its dependencies resolve from node_modules.
    const bundle = resolve('out/test', `audit-appender-${process.pid}.mjs`);
    await build({
      entryPoints: ['tests/support/audit-appender.ts'],
      outfile: bundle,
      bundle: true,
      platform: 'node',
      target: 'node22',
      format: 'esm',
      packages: 'external',
      logLevel: 'warning',
    });
    try {
      await appendAndKill(bundle, join(work, 'crash-home'));
    } finally {
      rmSync(bundle, { force: true });
    }
  }, 180_000);

  async function appendAndKill(bundle: string, crashHome: string): Promise<void> {
    const env = testEnv();
    for (const target of [1500, 2700]) {
      const child = spawn(process.execPath, [bundle, crashHome], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          ...process.env,
          CONSIGN_KEYCHAIN_SERVICE: env.keychainService,
          DBUS_SESSION_BUS_ADDRESS: env.dbusSessionBusAddress,
        },
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise((done) => child.once('exit', done));
      await new Promise<void>((done, fail) => {
        child.stdout.on('data', (chunk: Buffer) => {
          const seqs = chunk.toString().trim().split('\n').map(Number);
          if (seqs.some((seq) => seq >= target)) done();
        });
        child.once('exit', () => fail(new Error(`the appender stopped: ${stderr}`)));
      });
      child.kill('SIGKILL');
      await exited;
    }
    const crashed = workspaceCli(() => crashHome);
    const result = jsonOf<Verification>(await crashed(['audit', 'verify', '--json']));
    expect(result.ok).toBe(true);
    expect(result.events).toBeGreaterThanOrEqual(2700);
    expect(result.checkpoints).toBeGreaterThanOrEqual(2);
    // The last event is whole: its seq is the count, and its content is what was appended.
    const db = openDatabase(join(crashHome, 'consign.db'));
    try {
      const lastLoad = db
        .prepare("SELECT * FROM audit_events WHERE action = 'test.load' ORDER BY seq DESC LIMIT 1")
        .get() as { details: string };
      const details = JSON.parse(lastLoad.details) as { i: number; text: string };
      expect(details.text).toBe('x'.repeat(details.i % 300));
    } finally {
      db.close();
    }
  }
});
