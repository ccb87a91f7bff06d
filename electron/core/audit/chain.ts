import { createHash } from 'node:crypto';
import { canonicalJson, type JsonValue } from './canonical-json';

/** Who did something: the OS user on which host, with which build of Consign. */
export interface Actor {
  user: string;
  host: string;
  app: string;
}

/** One audit event as it is hashed: every field takes part in the chain. */
export interface AuditEventBody {
  seq: number;
  at: string;
  actor: Actor;
  action: string;
  subject: string;
  details: { [key: string]: JsonValue };
}

export interface AuditEvent extends AuditEventBody {
  /** Lower-case hex SHA-256 over the previous event's hash and this event's canonical JSON. */
  hash: string;
}

/** The chain starts from 32 zero bytes. */
export const GENESIS_HASH = '0'.repeat(64);

/** hash(n) = SHA-256( bytes of hash(n-1) || UTF-8 canonical JSON of event n ). */
export function chainHash(previousHash: string, body: AuditEventBody): string {
  return createHash('sha256')
    .update(Buffer.from(previousHash, 'hex'))
    .update(canonicalJson(body), 'utf8')
    .digest('hex');
}

export interface ChainVerification {
  ok: boolean;
  events: number;
  firstBadSeq: number | null;
  reason?: string;
}

/**
 * Walks events in stored order and names the first one that does not follow from the one before:
 * a gap or reordering in `seq`, or a hash that does not match its content and predecessor.
 */
export function verifyChain(events: Iterable<AuditEvent>): ChainVerification {
  let previousHash = GENESIS_HASH;
  let expectedSeq = 1;
  let count = 0;
  for (const event of events) {
    count++;
    const { hash, ...body } = event;
    if (body.seq !== expectedSeq) {
      return {
        ok: false,
        events: count,
        firstBadSeq: body.seq,
        reason: `expected event ${expectedSeq} here, found ${body.seq} (an event is missing or out of order)`,
      };
    }
    const computed = chainHash(previousHash, body);
    if (computed !== hash) {
      return {
        ok: false,
        events: count,
        firstBadSeq: body.seq,
        reason: `event ${body.seq} does not match its recorded hash (it or an earlier event was altered)`,
      };
    }
    previousHash = hash;
    expectedSeq++;
  }
  return { ok: true, events: count, firstBadSeq: null };
}
