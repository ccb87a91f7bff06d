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

/** Which events to list: a time range (ISO 8601, inclusive), an action, a subject substring. */
export interface AuditFilter {
  since?: string;
  until?: string;
  action?: string;
  subject?: string;
  afterSeq?: number;
  limit?: number;
}

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

  /** Events in order, filtered; `afterSeq` and `limit` page through them. */
  list(filter: AuditFilter = {}): AuditEvent[] {
    const where = ['seq > ?'];
    const params: (string | number)[] = [filter.afterSeq ?? 0];
    if (filter.since) {
      where.push('at >= ?');
      params.push(filter.since);
    }
    if (filter.until) {
      where.push('at <= ?');
      params.push(filter.until);
    }
    if (filter.action) {
      // An action family (`image.`) or one action (`image.signed`).
      where.push(filter.action.endsWith('.') ? 'substr(action, 1, length(?)) = ?' : 'action = ?');
      params.push(
        ...(filter.action.endsWith('.') ? [filter.action, filter.action] : [filter.action]),
      );
    }
    if (filter.subject) {
      where.push('instr(subject, ?) > 0');
      params.push(filter.subject);
    }
    const rows = this.#db
      .prepare(`SELECT * FROM audit_events WHERE ${where.join(' AND ')} ORDER BY seq LIMIT ?`)
      .all(...params, filter.limit ?? -1) as unknown as Row[];
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
