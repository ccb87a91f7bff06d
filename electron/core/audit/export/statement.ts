/**
 * The signed statement at the end of every export: what was exported (filter, count, the exact
 * list of events by seq, a digest of their hashes and of the file's bytes) and the chain's signed
 * head, so an export can be checked offline against the key alone.
 */
import { createHash } from 'node:crypto';
import type { AuditExportFormat } from '../../../../shared/contract';
import type { JsonValue } from '../canonical-json';
import type { DsseEnvelope } from '../dsse';

export const EXPORT_PAYLOAD_TYPE = 'application/vnd.consign.audit.export+json';
export const EXPORT_STATEMENT_TYPE = 'consign.audit.export/v1';

export interface ExportStatement {
  type: typeof EXPORT_STATEMENT_TYPE;
  format: AuditExportFormat;
  /** The conditions the events were selected by (empty: the whole log). */
  filter: { [key: string]: JsonValue };
  events: number;
  firstSeq: number | null;
  lastSeq: number | null;
  /** The exported events' seq numbers, in order, as inclusive ranges `[first, last]`. */
  seqs: [number, number][];
  /** SHA-256 (hex) over each exported event's hash in order, each followed by a line feed. */
  eventsDigest: string;
  /** SHA-256 (hex) over every byte before the signature (JSONL and CSV). */
  linesDigest?: string;
  /** The chain's head when exporting: a checkpoint envelope over `{seq, hash, time}`. */
  checkpoint: DsseEnvelope;
  exportedAt: string;
  exportedBy: { [key: string]: JsonValue };
}

/** The last line of a JSONL export, and the signature row of a CSV export. */
export interface ExportTrailer {
  envelope: DsseEnvelope;
  /** The audit key's public key, SubjectPublicKeyInfo PEM. */
  publicKey: string;
}

/** Accumulates what the statement says about the events, in export order. */
export class ExportTally {
  readonly seqs: [number, number][] = [];
  events = 0;
  readonly #hashes = createHash('sha256');

  add(seq: number, hash: string): void {
    this.events++;
    this.#hashes.update(`${hash}\n`);
    const last = this.seqs[this.seqs.length - 1];
    if (last && last[1] === seq - 1) last[1] = seq;
    else this.seqs.push([seq, seq]);
  }

  get firstSeq(): number | null {
    return this.seqs[0]?.[0] ?? null;
  }

  get lastSeq(): number | null {
    return this.seqs[this.seqs.length - 1]?.[1] ?? null;
  }

  eventsDigest(): string {
    return this.#hashes.digest('hex');
  }
}

/** Every seq the ranges name, in order. */
export function* expandSeqs(ranges: readonly (readonly [number, number])[]): Generator<number> {
  for (const [first, last] of ranges) for (let seq = first; seq <= last; seq++) yield seq;
}
