import { createPublicKey, hash, type KeyObject } from 'node:crypto';
import type { Database } from '../db';
import { transaction } from '../db';
import { ConsignError } from '../errors';
import { AuditKeys, type AuditSigner, type SecretStore } from './audit-key';
import { canonicalJson, type JsonValue } from './canonical-json';
import { chainHash, GENESIS_HASH, type Actor, type AuditEvent } from './chain';
import {
  AUDIT_KEY_CREATED,
  openCheckpoint,
  signCheckpoint,
  type StoredCheckpoint,
} from './checkpoint';
import { publicKeyFingerprint } from './dsse';

/**
 * Which events to list; every given condition must hold. Events name a customer, a release and a
 * signing key through well-known `details` members: `customer` (a customer's name), `release`
 * (`NAME@VERSION`), and `keyId` / `fingerprint` (or `id` and `fingerprint` on `key.*` events).
 */
export interface AuditFilter {
  /** ISO 8601 instants as the log stores them (UTC, `toISOString()`), both inclusive. */
  since?: string;
  until?: string;
  /** One action (`image.signed`) or a family ending in a dot (`image.`). */
  action?: string;
  /** A part of the subject. */
  subject?: string;
  /** The OS user who acted, or `user@host`. */
  actor?: string;
  /** A customer's name (any case). */
  customer?: string;
  /** `NAME@VERSION`, or `NAME` for every version of a release. */
  release?: string;
  /** A signing key's id, or its fingerprint or the start of it. */
  key?: string;
  /** Text found in the subject or the details (any case). */
  search?: string;
  afterSeq?: number;
  /** Only events up to this one (an export pins the head it started from). */
  throughSeq?: number;
  /** Skips this many matching events (paging). */
  offset?: number;
  limit?: number;
}

export interface NewAuditEvent {
  action: string;
  subject: string;
  details?: { [key: string]: JsonValue };
}

export interface AuditLogOptions {
  /** Where the audit key's private key lives; without it no checkpoint is signed. */
  secrets?: SecretStore;
  /** A checkpoint is signed (in the background) once this many events follow the last one. */
  checkpointEvery?: number;
}

/** The whole log's verification: the chain, every checkpoint, and that nothing was cut off. */
export interface AuditVerificationResult {
  ok: boolean;
  events: number;
  firstBadSeq: number | null;
  reason?: string;
  /** Checkpoints whose signature and hash were checked. */
  checkpoints: number;
  lastCheckpointSeq: number | null;
  /** The first checkpoint that does not verify, when one does not. */
  badCheckpointSeq?: number;
}

export interface Row {
  seq: number;
  at: string;
  actor: string;
  action: string;
  subject: string;
  details: string;
  hash: string;
}

export function fromRow(row: Row): AuditEvent {
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

interface CheckpointRow {
  seq: number;
  hash: string;
  at: string;
  key_fingerprint: string;
  envelope: string;
}

function toCheckpoint(row: CheckpointRow): StoredCheckpoint {
  return {
    seq: row.seq,
    hash: row.hash,
    time: row.at,
    keyFingerprint: row.key_fingerprint,
    envelope: JSON.parse(row.envelope) as StoredCheckpoint['envelope'],
  };
}

const DEFAULT_CHECKPOINT_EVERY = 1000;

/**
 * The workspace's append-only audit log. Each append runs in one write transaction, so a crash
 * leaves the last event either whole or absent, never half-written. Appending never needs the
 * keychain: checkpoints are signed afterwards, and a locked keychain only delays them.
 */
export class AuditLog {
  readonly #db: Database;
  readonly #actor: Actor;
  readonly #now: () => Date;
  readonly #keys: AuditKeys | undefined;
  readonly #checkpointEvery: number;
  #pendingCheckpoint: Promise<unknown> | undefined;

  constructor(
    db: Database,
    actor: Actor,
    now: () => Date = () => new Date(),
    options: AuditLogOptions = {},
  ) {
    this.#db = db;
    this.#actor = actor;
    this.#now = now;
    this.#keys = options.secrets ? new AuditKeys(db, options.secrets) : undefined;
    this.#checkpointEvery = options.checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY;
  }

  append(event: NewAuditEvent): AuditEvent {
    const appended = transaction(this.#db, () => {
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
      // Stored canonically, so verification can hash the stored text as it is.
      this.#db
        .prepare(
          'INSERT INTO audit_events (seq, at, actor, action, subject, details, hash) VALUES (?, ?, ?, ?, ?, ?, ?)',
        )
        .run(
          body.seq,
          body.at,
          canonicalJson(body.actor),
          body.action,
          body.subject,
          canonicalJson(body.details),
          hash,
        );
      return { ...body, hash };
    });
    this.#maybeCheckpoint(appended.seq);
    return appended;
  }

  /** The last event's sequence number and hash (0 and the genesis hash when empty). */
  head(): { seq: number; hash: string } {
    const row = this.#db
      .prepare('SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1')
      .get() as { seq: number; hash: string } | undefined;
    return row ?? { seq: 0, hash: GENESIS_HASH };
  }

  /** How many events match (all of them without a filter). */
  count(filter: AuditFilter = {}): number {
    const { where, params } = whereClause(filter);
    const row = this.#db
      .prepare(`SELECT count(*) AS n FROM audit_events WHERE ${where}`)
      .get(...params) as { n: number };
    return row.n;
  }

  /** Events in order, filtered; `afterSeq` or `offset` with `limit` page through them. */
  list(filter: AuditFilter = {}): AuditEvent[] {
    return [...this.iterate(filter)];
  }

  /** Like list, but streams the events from the database one by one. */
  *iterate(filter: AuditFilter = {}): Generator<AuditEvent> {
    const { where, params } = whereClause(filter);
    const rows = this.#db
      .prepare(`SELECT * FROM audit_events WHERE ${where} ORDER BY seq LIMIT ? OFFSET ?`)
      .iterate(...params, filter.limit ?? -1, filter.offset ?? 0) as IterableIterator<Row>;
    for (const row of rows) yield fromRow(row);
  }

  /**
   * Like iterate, each event with the hash of the event before it (whether or not that one
   * matches), so each can be checked on its own.
   */
  *iterateLinked(filter: AuditFilter = {}): Generator<AuditEvent & { previousHash: string }> {
    const { where, params } = whereClause(filter);
    const rows = this.#db
      .prepare(
        `SELECT e.*, coalesce((SELECT p.hash FROM audit_events p WHERE p.seq = e.seq - 1), ?) AS previous_hash
         FROM audit_events e WHERE ${where} ORDER BY seq LIMIT ? OFFSET ?`,
      )
      .iterate(GENESIS_HASH, ...params, filter.limit ?? -1, filter.offset ?? 0) as IterableIterator<
      Row & { previous_hash: string }
    >;
    for (const row of rows) yield { ...fromRow(row), previousHash: row.previous_hash };
  }

  /** Who appends events through this log. */
  get actor(): Actor {
    return this.#actor;
  }

  checkpoints(): StoredCheckpoint[] {
    const rows = this.#db
      .prepare('SELECT * FROM audit_checkpoints ORDER BY seq')
      .all() as unknown as CheckpointRow[];
    return rows.map(toCheckpoint);
  }

  lastCheckpoint(): StoredCheckpoint | undefined {
    const row = this.#db
      .prepare('SELECT * FROM audit_checkpoints ORDER BY seq DESC LIMIT 1')
      .get() as CheckpointRow | undefined;
    return row && toCheckpoint(row);
  }

  /** The audit key that signs from now on (created, and announced in the chain, on first need). */
  signer(): Promise<AuditSigner> {
    if (!this.#keys) {
      return Promise.reject(
        new ConsignError('KEYCHAIN_UNAVAILABLE', 'This audit log has no keychain to sign with.', {
          remedy: 'Open the workspace with its keychain.',
        }),
      );
    }
    return this.#keys.signer((signer) =>
      this.append({
        action: AUDIT_KEY_CREATED,
        subject: `audit-key:${signer.fingerprint}`,
        details: { fingerprint: signer.fingerprint, publicKey: signer.publicKey },
      }),
    );
  }

  /**
   * Signs a checkpoint at the chain's head (or returns the one already there). The events since
   * the last checkpoint are verified first: a checkpoint never vouches for a broken chain.
   * Throws the keychain's error when the audit key cannot be used.
   */
  async checkpoint(): Promise<StoredCheckpoint | undefined> {
    const signer = await this.signer();
    const last = this.lastCheckpoint();
    const head = this.head();
    if (head.seq === 0) return undefined;
    if (last && last.seq >= head.seq) return last;
    const check = this.#walk(last ? { seq: last.seq, hash: last.hash } : undefined, head.seq);
    if (!check.ok) {
      throw new ConsignError(
        'CHECK_FAILED',
        `The audit log does not verify at event ${check.firstBadSeq}, so no checkpoint is signed: ${check.reason}.`,
        { remedy: 'Run `consign audit verify` and restore the workspace from a backup.' },
      );
    }
    const statement = { seq: head.seq, hash: head.hash, time: this.#now().toISOString() };
    const envelope = signCheckpoint(statement, signer.privateKey, signer.fingerprint);
    this.#db
      .prepare(
        'INSERT OR IGNORE INTO audit_checkpoints (seq, hash, at, key_fingerprint, envelope) VALUES (?, ?, ?, ?, ?)',
      )
      .run(
        statement.seq,
        statement.hash,
        statement.time,
        signer.fingerprint,
        canonicalJson(envelope),
      );
    return this.lastCheckpoint();
  }

  /**
   * Verifies the whole log, then signs a checkpoint at its head when the keychain allows (a
   * locked one only postpones it). The figures are those of the log as verified; the audit key's
   * announcement, when this creates the key, follows them and is covered by the new checkpoint.
   */
  async verifyAndCheckpoint(): Promise<AuditVerificationResult> {
    await this.#pendingCheckpoint;
    const result = this.verify();
    if (!result.ok || !this.#keys) return result;
    try {
      const checkpoint = await this.checkpoint();
      if (checkpoint && checkpoint.seq !== result.lastCheckpointSeq) {
        return {
          ...result,
          checkpoints: result.checkpoints + 1,
          lastCheckpointSeq: checkpoint.seq,
        };
      }
    } catch {
      // The keychain is locked or absent: the log verified, and the checkpoint comes later.
    }
    return result;
  }

  /** Resolves when a checkpoint started in the background is done (hosts call it before exit). */
  async settle(): Promise<void> {
    await this.#pendingCheckpoint;
  }

  #maybeCheckpoint(seq: number): void {
    if (!this.#keys || this.#pendingCheckpoint) return;
    const last = this.#db.prepare('SELECT max(seq) AS seq FROM audit_checkpoints').get() as {
      seq: number | null;
    };
    if (seq - (last.seq ?? 0) < this.#checkpointEvery) return;
    // A locked or absent keychain must not fail the append: the next append or verify retries.
    this.#pendingCheckpoint = this.checkpoint()
      .catch(() => undefined)
      .finally(() => {
        this.#pendingCheckpoint = undefined;
      });
  }

  /**
   * Recomputes the whole chain from the stored rows (streamed), checks every checkpoint's
   * signature against the audit keys announced in the chain and its hash against the chain's at
   * its event, and that the log reaches its last checkpoint.
   */
  verify(): AuditVerificationResult {
    return this.#walk(undefined, undefined, this.checkpoints());
  }

  #walk(
    from: { seq: number; hash: string } | undefined,
    through: number | undefined,
    checkpoints?: StoredCheckpoint[],
  ): AuditVerificationResult {
    const rows = this.#db
      .prepare(
        `SELECT seq, at, actor, action, subject, details, hash FROM audit_events WHERE seq > ?${through === undefined ? '' : ' AND seq <= ?'} ORDER BY seq`,
      )
      .iterate(
        ...(through === undefined ? [from?.seq ?? 0] : [from?.seq ?? 0, through]),
      ) as IterableIterator<Row>;
    const pending = checkpoints ?? [];
    let next = 0;
    const keys = new Map<string, KeyObject>();
    const actors = new Map<string, string>();
    let previousHash = from?.hash ?? GENESIS_HASH;
    let expectedSeq = (from?.seq ?? 0) + 1;
    let events = 0;
    const result = (
      fields: Partial<AuditVerificationResult> & { firstBadSeq: number | null },
    ): AuditVerificationResult => ({
      ok: fields.firstBadSeq === null && fields.badCheckpointSeq === undefined,
      events,
      checkpoints: next,
      lastCheckpointSeq: next > 0 ? pending[next - 1]!.seq : null,
      ...fields,
    });
    for (const row of rows) {
      events++;
      if (row.seq !== expectedSeq) {
        return result({
          firstBadSeq: row.seq,
          reason: `expected event ${expectedSeq} here, found ${row.seq} (an event is missing or out of order)`,
        });
      }
      if (!hashMatches(row, previousHash, actors)) {
        return result({
          firstBadSeq: row.seq,
          reason: `event ${row.seq} does not match its recorded hash (it or an earlier event was altered)`,
        });
      }
      if (row.action === AUDIT_KEY_CREATED) announceKey(row, keys);
      while (next < pending.length && pending[next]!.seq <= row.seq) {
        const checkpoint = pending[next]!;
        const problem =
          checkpoint.seq < row.seq
            ? 'its event is missing from the log'
            : checkCheckpoint(checkpoint, row.hash, keys);
        if (problem) {
          return result({
            // A rewritten stretch is named by the first event after the last good checkpoint.
            firstBadSeq: problem === REWRITTEN ? (next > 0 ? pending[next - 1]!.seq + 1 : 1) : null,
            badCheckpointSeq: checkpoint.seq,
            reason: `the checkpoint at event ${checkpoint.seq} does not verify: ${problem}`,
          });
        }
        next++;
      }
      previousHash = row.hash;
      expectedSeq++;
    }
    if (next < pending.length) {
      const cut = pending[pending.length - 1]!;
      return result({
        firstBadSeq: expectedSeq,
        badCheckpointSeq: cut.seq,
        reason: `the log ends at event ${expectedSeq - 1} but a signed checkpoint covers event ${cut.seq} (events were removed from its end)`,
      });
    }
    return result({ firstBadSeq: null });
  }
}

/** The row's hash, recomputed; the stored text is hashed as it is when it is canonical already. */
function hashMatches(row: Row, previousHash: string, actors: Map<string, string>): boolean {
  let actor = actors.get(row.actor);
  if (actor === undefined) {
    actor = canonicalJson(JSON.parse(row.actor));
    actors.set(row.actor, actor);
  }
  const previous = Buffer.from(previousHash, 'hex');
  const hashWith = (details: string): string => {
    const text = `{"action":${JSON.stringify(row.action)},"actor":${actor},"at":${JSON.stringify(row.at)},"details":${details},"seq":${row.seq},"subject":${JSON.stringify(row.subject)}}`;
    // One buffer and a one-shot hash: this runs once per event on every verification.
    const bytes = Buffer.allocUnsafe(32 + Buffer.byteLength(text, 'utf8'));
    previous.copy(bytes, 0);
    bytes.write(text, 32, 'utf8');
    return hash('sha256', bytes, 'hex');
  };
  if (hashWith(row.details) === row.hash) return true;
  // Events stored before details were kept canonically: canonicalise, then hash.
  try {
    return hashWith(canonicalJson(JSON.parse(row.details))) === row.hash;
  } catch {
    return false;
  }
}

function announceKey(row: Row, keys: Map<string, KeyObject>): void {
  try {
    const details = JSON.parse(row.details) as { publicKey?: unknown };
    if (typeof details.publicKey !== 'string') return;
    const key = createPublicKey(details.publicKey);
    keys.set(publicKeyFingerprint(key), key);
  } catch {
    // An unreadable announcement announces nothing; its checkpoints then fail by name.
  }
}

const REWRITTEN =
  "the chain's hash at its event is not the signed one (events up to it were rewritten)";

/** Why a checkpoint does not hold, or null when its signature and hash do. */
function checkCheckpoint(
  checkpoint: StoredCheckpoint,
  chainHashAtSeq: string,
  keys: Map<string, KeyObject>,
): string | null {
  const key = keys.get(checkpoint.keyFingerprint);
  if (!key) {
    return `it is signed by key ${checkpoint.keyFingerprint.slice(0, 16)}…, which the log never announced as its audit key`;
  }
  const statement = openCheckpoint(checkpoint.envelope, key, checkpoint.keyFingerprint);
  if (typeof statement === 'string') return statement;
  if (statement.seq !== checkpoint.seq || statement.hash !== checkpoint.hash) {
    return 'its stored seq or hash differ from what it signs';
  }
  if (statement.hash !== chainHashAtSeq) {
    return REWRITTEN;
  }
  return null;
}

/** The SQL condition for a filter; every value is a bound parameter. */
function whereClause(filter: AuditFilter): { where: string; params: (string | number)[] } {
  // No condition by default: a bare count is answered from the smallest index.
  const where: string[] = [];
  const params: (string | number)[] = [];
  const add = (condition: string, ...values: (string | number)[]): void => {
    where.push(condition);
    params.push(...values);
  };
  if (filter.afterSeq !== undefined) add('seq > ?', filter.afterSeq);
  if (filter.throughSeq !== undefined) add('seq <= ?', filter.throughSeq);
  if (filter.since) add('at >= ?', filter.since);
  if (filter.until) add('at <= ?', filter.until);
  if (filter.action) {
    // A family (`image.`) as a range, so the action index answers it as it does one action.
    if (filter.action.endsWith('.')) add(...prefix('action', filter.action));
    else add('action = ?', filter.action);
  }
  if (filter.subject) add('instr(subject, ?) > 0', filter.subject);
  if (filter.actor) {
    const at = filter.actor.lastIndexOf('@');
    if (at > 0) {
      add(
        "json_extract(actor, '$.user') = ? AND json_extract(actor, '$.host') = ?",
        filter.actor.slice(0, at),
        filter.actor.slice(at + 1),
      );
    } else add("json_extract(actor, '$.user') = ?", filter.actor);
  }
  if (filter.customer) add(`${detail('customer')} = ? COLLATE NOCASE`, filter.customer);
  if (filter.release) {
    // `app` means every version of app; `app@1.2` one version.
    if (filter.release.includes('@')) add(`${detail('release')} = ?`, filter.release);
    else add(...prefix(detail('release'), `${filter.release}@`));
  }
  if (filter.key) {
    // Each alternative is answered by an index: fingerprint, keyId, and action for `key.*` ids.
    const [fingerprint, ...fingerprintRange] = prefix(
      detail('fingerprint'),
      filter.key.toLowerCase(),
    );
    const [keyAction, ...keyActions] = prefix('action', 'key.');
    add(
      `(${fingerprint} OR ${detail('keyId')} = ? OR (${keyAction} AND ${detail('id')} = ?))`,
      ...fingerprintRange,
      filter.key,
      ...keyActions,
      filter.key,
    );
  }
  if (filter.search) {
    // LIKE ignores ASCII case without copying every row in lower case.
    const pattern = `%${filter.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    add("(subject LIKE ? ESCAPE '\\' OR details LIKE ? ESCAPE '\\')", pattern, pattern);
  }
  return { where: where.length ? where.join(' AND ') : '1', params };
}

/**
 * `column` starts with `text`, as a range the column's index answers: [text, text with its last
 * character raised by one).
 */
function prefix(column: string, text: string): [string, string, string] {
  const last = text.charCodeAt(text.length - 1);
  const above = `${text.slice(0, -1)}${String.fromCharCode(Math.min(last + 1, 0xffff))}`;
  return [`(${column} >= ? AND ${column} < ?)`, text, last === 0xffff ? `${text}\uffff` : above];
}

/** A member of the event's details; the ones filtered on have an index (migration 8). */
function detail(name: string): string {
  return `json_extract(details, '$.${name}')`;
}
