import { join } from 'node:path';
import { AuditLog } from '../../electron/core/audit';
import { openDatabase, type Database } from '../../electron/core/db';

/** What the seeded log holds, so a test can check the page against it. */
export interface SeededLog {
  /** Events in the log afterwards (the workspace's own first event included). */
  total: number;
  /** How many events each action has, over the whole log. */
  byAction: Record<string, number>;
  /** The last event's sequence number. */
  lastSeq: number;
  /** How long the writing took, in milliseconds. */
  millis: number;
}

const ACTIONS = [
  'image.scanned',
  'image.signed',
  'image.copied',
  'delivery.completed',
  'key.generated',
] as const;
const CUSTOMERS = ['Northwind', 'Contoso', 'Fabrikam', 'Tailspin'];

/**
 * Appends `count` events to a workspace's audit log through the engine's own `AuditLog`, so they
 * are hash-chained exactly as the product chains them. Test support only: it writes a varied
 * history (actions, two actors, customers, releases, keys), one second apart from now on.
 */
export function seedAuditLog(home: string, count: number): SeededLog {
  const started = performance.now();
  const db = openDatabase(join(home, 'consign.db'));
  try {
    // A throwaway test workspace: no need to wait for the disk.
    db.exec('PRAGMA synchronous = OFF');
    db.exec('BEGIN IMMEDIATE');
    let tick = Date.now();
    const now = () => new Date((tick += 1000));
    const batched = oneTransaction(db);
    const logs = [
      new AuditLog(batched, { user: 'release', host: 'desk-1', app: 'consign/0.1.0' }, now),
      new AuditLog(batched, { user: 'auditor', host: 'desk-2', app: 'consign/0.1.0' }, now),
    ];
    for (let i = 0; i < count; i++) {
      const action = ACTIONS[i % ACTIONS.length]!;
      const customer = CUSTOMERS[i % CUSTOMERS.length]!;
      const release = `payments@1.${i % 40}.0`;
      logs[i % 7 === 0 ? 1 : 0]!.append({
        action,
        subject: `registry.example/payments/api:1.${i % 40}.0`,
        details:
          action === 'key.generated'
            ? { id: `key-${i}`, fingerprint: (i * 2654435761).toString(16).padStart(64, '0') }
            : { customer, release, n: i },
      });
    }
    db.exec('COMMIT');
    const log = logs[0]!;
    const byAction: Record<string, number> = {};
    for (const row of db
      .prepare('SELECT action, count(*) AS n FROM audit_events GROUP BY action')
      .all() as { action: string; n: number }[]) {
      byAction[row.action] = row.n;
    }
    return {
      total: log.count(),
      byAction,
      lastSeq: log.head().seq,
      millis: Math.round(performance.now() - started),
    };
  } finally {
    if (db.isTransaction) db.exec('ROLLBACK');
    db.close();
  }
}

/**
 * The database as `AuditLog` sees it, minus its per-event transactions: every append then runs
 * inside the one transaction the seeder holds, which turns half a minute of commits into a
 * couple of seconds. Everything else (the chain, the rows) is the engine's own code.
 */
function oneTransaction(db: Database): Database {
  return new Proxy(db, {
    get(target, name) {
      if (name === 'exec') {
        return (sql: string) => {
          if (/^(BEGIN IMMEDIATE|COMMIT|ROLLBACK)$/.test(sql.trim())) return;
          target.exec(sql);
        };
      }
      const value: unknown = Reflect.get(target, name, target);
      return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
    },
  });
}
