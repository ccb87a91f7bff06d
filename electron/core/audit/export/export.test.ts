import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../db';
import { ConsignError } from '../../errors';
import { canonicalJson } from '../canonical-json';
import { signCheckpoint } from '../checkpoint';
import { publicKeyFingerprint, signEnvelope } from '../dsse';
import { AuditLog } from '../log';
import { exportAudit, verifyExport } from '.';
import { csvCell } from './formats';
import { EXPORT_PAYLOAD_TYPE, type ExportStatement, type ExportTrailer } from './statement';

const actor = { user: 'release', host: 'desk-1', app: 'consign/test' };

describe('audit exports', () => {
  let dir: string;
  let db: Database;
  let log: AuditLog;
  let full: string;
  let filtered: string;
  let publicKey: string;

  const file = (name: string): string => join(dir, name);
  const lines = (path: string): string[] => readFileSync(path, 'utf8').split('\n').slice(0, -1);
  const rewrite = (name: string, content: string[] | Buffer): string => {
    const path = file(name);
    writeFileSync(path, Buffer.isBuffer(content) ? content : `${content.join('\n')}\n`);
    return path;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'consign-export-'));
    db = openDatabase(join(dir, 'consign.db'));
    const secrets = new Map<string, string>();
    log = new AuditLog(db, actor, undefined, {
      secrets: {
        get: (account) => Promise.resolve(secrets.get(account) ?? null),
        set: (account, secret) => Promise.resolve(void secrets.set(account, secret)),
      },
    });
    for (let i = 1; i <= 12; i++) {
      log.append({
        action: i % 3 === 0 ? 'delivery.completed' : 'image.signed',
        subject: i === 5 ? '=HYPERLINK("http://x")' : `docker://registry/app:${i}`,
        details: { customer: i % 2 ? 'Acme' : 'Globex', release: `shop@1.${i}`, note: 'a,"b"\nc' },
      });
    }
    full = (await exportAudit(log, { path: file('full.jsonl'), format: 'jsonl', filter: {} })).out;
    filtered = (
      await exportAudit(log, {
        path: file('acme.jsonl'),
        format: 'jsonl',
        filter: { customer: 'acme' },
      })
    ).out;
    publicKey = (JSON.parse(lines(full).at(-1)!) as ExportTrailer).publicKey;
  });

  afterAll(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes one event per line, then the signed trailer, and records the export', async () => {
    const events = lines(full);
    expect(events).toHaveLength(14); // 12 events, the audit key's announcement, the trailer
    const first = JSON.parse(events[0]!) as { seq: number; previousHash: string };
    expect(first).toMatchObject({ seq: 1, previousHash: '0'.repeat(64) });
    expect(await verifyExport(full, publicKey)).toMatchObject({
      ok: true,
      events: 13,
      firstSeq: 1,
      lastSeq: 13,
      keyFingerprint: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(log.list({ action: 'audit.exported' })).toHaveLength(2);
    expect(log.verify().ok).toBe(true);
  });

  it('exports only the matching events and verifies them on their own', async () => {
    expect(
      lines(filtered)
        .slice(0, -1)
        .map((l) => (JSON.parse(l) as { seq: number }).seq),
    ).toEqual([1, 3, 5, 7, 9, 11]);
    expect(await verifyExport(filtered)).toMatchObject({
      ok: true,
      events: 6,
      filter: { customer: 'acme' },
    });
  });

  it('never replaces an existing file', async () => {
    await expect(
      exportAudit(log, { path: full, format: 'jsonl', filter: {} }),
    ).rejects.toMatchObject({
      code: 'BAD_INPUT',
      message: expect.stringMatching(/not overwritten/),
    });
  });

  it('names the line where any single byte was changed', async () => {
    const bytes = readFileSync(full);
    const trailerStart = bytes.lastIndexOf('\n', bytes.length - 2) + 1;
    // Every 11th byte of the events, and a few in the trailer.
    const offsets = [
      ...Array.from({ length: Math.floor(trailerStart / 11) }, (_, i) => i * 11),
      trailerStart + 40,
      bytes.length - 30,
    ];
    for (const offset of offsets) {
      const copy = Buffer.from(bytes);
      copy[offset] = copy[offset] === 0x41 ? 0x42 : 0x41;
      const line = bytes.subarray(0, offset).toString().split('\n').length;
      const result = await verifyExport(rewrite('byte.jsonl', copy));
      expect(result.ok, `offset ${offset}`).toBe(false);
      // A changed line feed joins two lines: the first of them is named.
      expect(result.firstBadLine, `offset ${offset}`).toBe(line);
    }
  }, 60_000);

  it('names a removed, a moved and a repeated line', async () => {
    const all = lines(full);
    const removed = all.toSpliced(4, 1);
    expect(await verifyExport(rewrite('removed.jsonl', removed))).toMatchObject({
      ok: false,
      firstBadLine: 5,
      firstBadSeq: 5,
      reason: expect.stringMatching(/event 5 is missing/),
    });
    const swapped = [...all];
    [swapped[2], swapped[6]] = [swapped[6]!, swapped[2]!];
    expect(await verifyExport(rewrite('swapped.jsonl', swapped))).toMatchObject({
      ok: false,
      firstBadLine: 3,
      firstBadSeq: 3,
    });
    const repeated = all.toSpliced(4, 0, all[3]!);
    expect(await verifyExport(rewrite('repeated.jsonl', repeated))).toMatchObject({
      ok: false,
      firstBadLine: 5,
      reason: expect.stringMatching(/out of order or repeated/),
    });
    const filteredRemoved = lines(filtered).toSpliced(2, 1);
    expect(await verifyExport(rewrite('filtered-removed.jsonl', filteredRemoved))).toMatchObject({
      ok: false,
      firstBadLine: 3,
      firstBadSeq: 5,
    });
  });

  it('names where an export was cut short', async () => {
    const bytes = readFileSync(full);
    for (const keep of [bytes.length - 1 - 200, bytes.length - 1 - 2000, 900]) {
      const cut = bytes.subarray(0, keep);
      const result = await verifyExport(rewrite('cut.jsonl', cut));
      expect(result.ok).toBe(false);
      expect(result.firstBadLine).toBe(cut.toString().split('\n').length);
      expect(result.reason).toMatch(/cut short/);
    }
    const wholeLines = lines(full).slice(0, -3).concat(lines(full).at(-1)!);
    expect(await verifyExport(rewrite('cut-lines.jsonl', wholeLines))).toMatchObject({
      ok: false,
      firstBadLine: 12,
      firstBadSeq: 12,
      reason: expect.stringMatching(/cut short/),
    });
  });

  it('refuses an export re-signed with another key when the expected key is given', async () => {
    const all = lines(full);
    const trailer = JSON.parse(all.at(-1)!) as ExportTrailer;
    const statement = JSON.parse(
      Buffer.from(trailer.envelope.payload, 'base64').toString(),
    ) as ExportStatement;
    const other = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const fingerprint = publicKeyFingerprint(other.publicKey);
    const checkpoint = JSON.parse(
      Buffer.from(statement.checkpoint.payload, 'base64').toString(),
    ) as { seq: number; hash: string; time: string };
    const forged: ExportStatement = {
      ...statement,
      checkpoint: signCheckpoint(checkpoint, other.privateKey, fingerprint),
    };
    const resigned: ExportTrailer = {
      envelope: signEnvelope(
        EXPORT_PAYLOAD_TYPE,
        Buffer.from(canonicalJson(forged)),
        other.privateKey,
        fingerprint,
      ),
      publicKey: other.publicKey.export({ type: 'spki', format: 'pem' }) as string,
    };
    const path = rewrite('resigned.jsonl', [...all.slice(0, -1), canonicalJson(resigned)]);
    // Consistent on its own, and the key it names is not ours ...
    expect(await verifyExport(path)).toMatchObject({ ok: true, keyFingerprint: fingerprint });
    // ... so pinning the expected key refuses it.
    expect(await verifyExport(path, publicKey)).toMatchObject({
      ok: false,
      firstBadLine: 14,
      reason: expect.stringMatching(/not by the expected key/),
    });
  });

  it('writes CSV with RFC 4180 quoting and no formula a spreadsheet would run', async () => {
    const { out } = await exportAudit(log, {
      path: file('report.csv'),
      format: 'csv',
      filter: { action: 'image.' },
    });
    const text = readFileSync(out, 'utf8');
    expect(text.split('\r\n')[0]).toBe(
      'seq,at,user,host,app,action,subject,details,hash,previous_hash',
    );
    expect(text).toContain(`'=HYPERLINK(""http://x"")`);
    expect(text).toContain('"{""customer"":""Acme"",""note"":""a,\\""b\\""\\nc""');
    expect(text).toMatch(/\r\nsignature,[^,]+,,,,audit\.export\.signature,sha256:[0-9a-f]{64},/);
    await expect(verifyExport(out)).rejects.toMatchObject({
      code: 'BAD_INPUT',
      message: expect.stringMatching(/not a JSONL export/),
    });
    expect(csvCell('-1+2')).toBe("'-1+2");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('+x')).toBe("'+x");
    expect(csvCell('plain')).toBe('plain');
  });

  it('writes a self-contained, printable HTML report with the signed digest', async () => {
    const { out, eventsDigest } = await exportAudit(log, {
      path: file('report.html'),
      format: 'html',
      filter: { customer: 'globex' },
    });
    const html = readFileSync(out, 'utf8');
    expect(html).toContain(`sha256:${eventsDigest}`);
    expect(html).toContain('docker://registry/app:2');
    expect(html).toContain('@media print');
    expect(html).not.toMatch(/<script|<link|src=|https?:\/\/(?!x)/i);
    expect(html).toContain('customer = globex');
    expect(html).toContain('docker://registry/app:12');
    expect(html).not.toContain('app:3<'); // an Acme event, not selected
    expect(html).toContain('a,\\&quot;b\\&quot;\\nc'); // details, escaped
  });

  it('refuses to export a log that does not verify', async () => {
    db.prepare("UPDATE audit_events SET subject = 'forged' WHERE seq = 2").run();
    try {
      await expect(
        exportAudit(log, { path: file('broken.jsonl'), format: 'jsonl', filter: {} }),
      ).rejects.toBeInstanceOf(ConsignError);
      expect(() => readFileSync(file('broken.jsonl'))).toThrow();
    } finally {
      db.prepare("UPDATE audit_events SET subject = 'docker://registry/app:2' WHERE seq = 2").run();
    }
  });
});
