/**
 * Audit log figures: append N events one transaction each (as the app does), then verify the
 * whole chain. Prints one JSON line.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLog } from '../../electron/core/audit';
import { openDatabase } from '../../electron/core/db';

const events = Number(process.argv[2] ?? 100_000);
const dir = mkdtempSync(join(tmpdir(), 'consign-bench-audit-'));
try {
  const db = openDatabase(join(dir, 'consign.db'));
  const log = new AuditLog(db, { user: 'bench', host: 'bench', app: 'consign/bench' });
  let start = performance.now();
  for (let i = 0; i < events; i++) {
    log.append({
      action: 'delivery.image.pushed',
      subject: `customer-${i % 50}/app:1.${i}`,
      details: { digest: `sha256:${i.toString(16).padStart(64, '0')}`, bytes: i * 1024 },
    });
  }
  const appendMs = performance.now() - start;
  start = performance.now();
  const result = log.verify();
  const verifyMs = performance.now() - start;
  if (!result.ok || result.events !== events) throw new Error('the chain did not verify');
  db.close();
  console.log(
    JSON.stringify({
      events,
      appendMs: Math.round(appendMs),
      appendPerSecond: Math.round(events / (appendMs / 1000)),
      verifyMs: Math.round(verifyMs),
    }),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
