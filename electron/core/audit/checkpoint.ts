/**
 * Signed checkpoints: DSSE envelopes over the canonical JSON `{seq, hash, time}` of the chain's
 * head, signed by the workspace audit key. A checkpoint pins everything up to its event: an edit
 * that recomputes every later hash, or a cut of the log's tail, no longer matches it.
 */
import type { KeyObject } from 'node:crypto';
import { canonicalJson } from './canonical-json';
import { asEnvelope, openEnvelope, signEnvelope, type DsseEnvelope } from './dsse';

export const CHECKPOINT_PAYLOAD_TYPE = 'application/vnd.consign.audit.checkpoint+json';

/** The action recorded in the chain when an audit key is created (details: fingerprint, publicKey). */
export const AUDIT_KEY_CREATED = 'audit.key-created';

export interface CheckpointStatement {
  seq: number;
  hash: string;
  time: string;
}

export interface StoredCheckpoint extends CheckpointStatement {
  keyFingerprint: string;
  envelope: DsseEnvelope;
}

export function signCheckpoint(
  statement: CheckpointStatement,
  privateKey: KeyObject,
  fingerprint: string,
): DsseEnvelope {
  return signEnvelope(
    CHECKPOINT_PAYLOAD_TYPE,
    Buffer.from(canonicalJson(statement), 'utf8'),
    privateKey,
    fingerprint,
  );
}

/**
 * The statement a checkpoint envelope signs, when it verifies with `publicKey` (whose fingerprint
 * is `fingerprint`); otherwise why not.
 */
export function openCheckpoint(
  value: unknown,
  publicKey: KeyObject,
  fingerprint: string,
): CheckpointStatement | string {
  const envelope = asEnvelope(value);
  if (typeof envelope === 'string') return envelope;
  if (envelope.signatures[0]!.keyid !== fingerprint) {
    return `it names key ${envelope.signatures[0]!.keyid.slice(0, 16)}…, not the audit key ${fingerprint.slice(0, 16)}…`;
  }
  const payload = openEnvelope(envelope, CHECKPOINT_PAYLOAD_TYPE, publicKey);
  if (typeof payload === 'string') return payload;
  let statement: Partial<CheckpointStatement>;
  try {
    statement = JSON.parse(payload.toString('utf8')) as Partial<CheckpointStatement>;
  } catch {
    return 'its payload is not JSON';
  }
  if (
    !Number.isInteger(statement.seq) ||
    typeof statement.hash !== 'string' ||
    typeof statement.time !== 'string'
  ) {
    return 'its payload is not a {seq, hash, time} checkpoint';
  }
  return statement as CheckpointStatement;
}
