import type { Database } from '../db';
import { transaction } from '../db';
import type { JsonValue } from './canonical-json';
import {
  chainHash,
  GENESIS_HASH,
  verifyChain,
  type Actor,
  type AuditEvent,
  type ChainVerification,
} from './chain';

export interface NewAuditEvent {
  action: string;
  subject: string;
  details?: { [key: string]: JsonValue };
}

interface Row {
  seq: number;
  at: string;
  actor: string;
  action: string;
  subject: string;
  details: string;
  hash: string;
}

function fromRow(row: Row): AuditEvent {
  return {
    seq: row.seq,
    at: row.at,
    actor: JSON.parse(row.actor) as Actor,
    action: row.action,
    subject: row.subject,
    details: JSON.parse(row.details) as AuditEvent['details'],
    hash: row.hash,
  };
}

/**
 * The workspace's append-only audit log. Each append runs in one write transaction, so a crash
 * leaves the last event either whole or absent, never half-written.
 */
export class AuditLog {
  readonly #db: Database;
  readonly #actor: Actor;
  readonly #now: () => Date;

  constructor(db: Database, actor: Actor, now: () => Date = () => new Date()) {
    this.#db = db;
    this.#actor = actor;
    this.#now = now;
  }

  append(event: NewAuditEvent): AuditEvent {
    return transaction(this.#db, () => {
      const head = this.head();
      const body = {
        seq: head.seq + 1,
        at: this.#now().toISOString(),
        actor: this.#actor,
        action: event.action,
        subject: event.subject,
        details: event.details ?? {},
      };
      const hash = chainHash(head.hash, body);
      this.#db
        .prepare(
          'INSERT INTO audit_events (seq, at, actor, action, subject, details, hash) VALUES (?, ?, ?, ?, ?, ?, ?)',
        )
        .run(
          body.seq,
          body.at,
          JSON.stringify(body.actor),
          body.action,
          body.subject,
          JSON.stringify(body.details),
          hash,
        );
      return { ...body, hash };
    });
  }

  /** The last event's sequence number and hash (0 and the genesis hash when empty). */
  head(): { seq: number; hash: string } {
    const row = this.#db
      .prepare('SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1')
      .get() as { seq: number; hash: string } | undefined;
    return row ?? { seq: 0, hash: GENESIS_HASH };
  }

  count(): number {
    const row = this.#db.prepare('SELECT count(*) AS n FROM audit_events').get() as { n: number };
    return row.n;
  }

  /** Events in order; `afterSeq` and `limit` page through them. */
  list(options: { afterSeq?: number; limit?: number } = {}): AuditEvent[] {
    const rows = this.#db
      .prepare('SELECT * FROM audit_events WHERE seq > ? ORDER BY seq LIMIT ?')
      .all(options.afterSeq ?? 0, options.limit ?? -1) as unknown as Row[];
    return rows.map(fromRow);
  }

  /** Recomputes the whole chain from the stored rows, streaming them. */
  verify(): ChainVerification {
    const rows = this.#db
      .prepare('SELECT * FROM audit_events ORDER BY rowid')
      .iterate() as IterableIterator<Row>;
    return verifyChain(mapIterable(rows, fromRow));
  }
}

function* mapIterable<A, B>(items: Iterable<A>, map: (item: A) => B): Iterable<B> {
  for (const item of items) yield map(item);
}
