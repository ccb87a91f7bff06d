/**
 * Audit log figures: append N events one transaction each (as the app does, with a checkpoint
 * signed in the background every 1,000), verify the whole log (chain and checkpoints), filter it
 * as the Audit page does (count and one page), and export it as JSONL and verify the export.
 * The audit key is kept in memory here, so the figures need no keychain. Prints one JSON line.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLog, exportAudit, verifyExport, type AuditFilter } from '../../electron/core/audit';
import { openDatabase } from '../../electron/core/db';

const events = Number(process.argv[2] ?? 100_000);
const dir = mkdtempSync(join(tmpdir(), 'consign-bench-audit-'));
const secrets = new Map<string, string>();

/** Median of a few runs, in ms. */
function median(runs: number, work: () => unknown): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    work();
    times.push(performance.now() - start);
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)]!;
}

try {
  const db = openDatabase(join(dir, 'consign.db'));
  const log = new AuditLog(db, { user: 'bench', host: 'bench', app: 'consign/bench' }, undefined, {
    secrets: {
      get: (account) => Promise.resolve(secrets.get(account) ?? null),
      set: (account, secret) => Promise.resolve(void secrets.set(account, secret)),
    },
  });
  let start = performance.now();
  for (let i = 0; i < events; i++) {
    log.append({
      action: i % 4 === 0 ? 'delivery.completed' : 'delivery.image.pushed',
      subject: `customer-${i % 50}/app:1.${i}`,
      details: {
        customer: `customer-${i % 50}`,
        release: `app-${i % 20}@1.${i % 9}`,
        keyId: `key-${i % 5}`,
        fingerprint: `${(i % 5).toString(16)}`.repeat(64),
        digest: `sha256:${i.toString(16).padStart(64, '0')}`,
        bytes: i * 1024,
      },
    });
    // Let the background checkpoints run, as they do between requests in the app.
    if (i % 1000 === 999) await log.settle();
  }
  const appendMs = performance.now() - start;

  const verifyMs = median(3, () => {
    const result = log.verify();
    if (!result.ok || result.events < events) throw new Error('the log did not verify');
  });
  const checkpoints = log.checkpoints().length;

  // What the Audit page asks for: how many match, and the first page of 100.
  const filters: Record<string, AuditFilter> = {
    customer: { customer: 'customer-7' },
    release: { release: 'app-3' },
    key: { key: '4444' },
    search: { search: 'app:1.9999' },
    'action family': { action: 'delivery.' },
    'customer + release': { customer: 'customer-7', release: 'app-7@1.7' },
  };
  const filterMs: Record<string, number> = {};
  for (const [name, filter] of Object.entries(filters)) {
    filterMs[name] = Math.round(
      median(3, () => {
        log.count(filter);
        log.list({ ...filter, limit: 100 });
      }),
    );
  }

  start = performance.now();
  const exported = await exportAudit(log, {
    path: join(dir, 'audit.jsonl'),
    format: 'jsonl',
    filter: {},
  });
  const exportMs = performance.now() - start;
  start = performance.now();
  const checked = await verifyExport(exported.out);
  const verifyExportMs = performance.now() - start;
  if (!checked.ok) throw new Error('the export did not verify');
  db.close();
  console.log(
    JSON.stringify({
      events,
      appendMs: Math.round(appendMs),
      appendPerSecond: Math.round(events / (appendMs / 1000)),
      checkpoints,
      verifyMs: Math.round(verifyMs),
      filterMs,
      filterMaxMs: Math.max(...Object.values(filterMs)),
      exportMs: Math.round(exportMs),
      verifyExportMs: Math.round(verifyExportMs),
    }),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
