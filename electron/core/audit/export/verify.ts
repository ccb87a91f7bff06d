/**
 * Checks a JSONL export offline, with nothing but the file (and, to pin the signer, the expected
 * public key): every line on its own, their order against the signed list of events, the bytes
 * against the signed digest. The first thing wrong is named by its line and event.
 */
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { resolve } from 'node:path';
import { ConsignError } from '../../errors';
import { canonicalJson } from '../canonical-json';
import { chainHash, type AuditEvent } from '../chain';
import { openCheckpoint } from '../checkpoint';
import { asEnvelope, openEnvelope, publicKeyFingerprint } from '../dsse';
import {
  EXPORT_PAYLOAD_TYPE,
  EXPORT_STATEMENT_TYPE,
  expandSeqs,
  type ExportStatement,
} from './statement';

export interface ExportVerification {
  ok: boolean;
  /** Events found on lines that check out on their own, before anything went wrong. */
  events: number;
  firstBadLine?: number;
  firstBadSeq?: number;
  reason?: string;
  /** The fingerprint of the key that signed the export (compare it with the one you expect). */
  keyFingerprint?: string;
  filter?: ExportStatement['filter'];
  firstSeq?: number | null;
  lastSeq?: number | null;
}

interface LineCheck {
  line: number;
  seq?: number;
  hash?: string;
  previousHash?: string;
  /** Why the line does not stand on its own, when it does not. */
  problem?: string;
}

/** Reads a file as lines of raw bytes (without the line feed), streaming. */
async function* byteLines(path: string): AsyncGenerator<Buffer> {
  let rest = Buffer.alloc(0);
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    let data = rest.length ? Buffer.concat([rest, chunk]) : chunk;
    let start = 0;
    for (let end = data.indexOf(10, start); end !== -1; end = data.indexOf(10, start)) {
      yield data.subarray(start, end);
      start = end + 1;
    }
    data = data.subarray(start);
    rest = Buffer.from(data);
  }
  if (rest.length) yield rest;
}

function checkLine(line: number, bytes: Buffer): LineCheck {
  let value: Partial<AuditEvent & { previousHash: string }>;
  try {
    value = JSON.parse(bytes.toString('utf8')) as typeof value;
  } catch {
    return { line, problem: 'it is not a JSON object' };
  }
  const { hash, previousHash, ...body } = value;
  if (
    typeof value !== 'object' ||
    value === null ||
    !Number.isInteger(body.seq) ||
    typeof hash !== 'string' ||
    typeof previousHash !== 'string' ||
    !/^[0-9a-f]{64}$/.test(previousHash)
  ) {
    return { line, problem: 'it is not an exported audit event' };
  }
  const seq = body.seq!;
  let computed: string;
  try {
    computed = chainHash(previousHash, body as AuditEvent);
  } catch {
    return { line, seq, problem: 'its content has no canonical JSON form' };
  }
  if (computed !== hash) {
    return { line, seq, problem: `event ${seq} does not match its hash (the line was altered)` };
  }
  // The line must be exactly the canonical form written, so its bytes are covered too.
  if (canonicalJson(value) !== bytes.toString('utf8')) {
    return { line, seq, problem: `event ${seq} is not written as exported (the line was altered)` };
  }
  return { line, seq, hash, previousHash };
}

function readKey(pem: string, what: string): KeyObject {
  try {
    return createPublicKey(pem);
  } catch (cause) {
    throw new ConsignError('BAD_INPUT', `${what} is not a PEM public key.`, {
      remedy: 'Give the audit key as exported in the PEM format (-----BEGIN PUBLIC KEY-----).',
      cause,
    });
  }
}

/**
 * Verifies a JSONL audit export. `expectedPublicKey` (PEM) refuses an export signed by any other
 * key, such as one re-signed after an edit.
 */
export async function verifyExport(
  file: string,
  expectedPublicKey?: string,
): Promise<ExportVerification> {
  const path = resolve(file);
  const expected = expectedPublicKey
    ? readKey(expectedPublicKey, 'The expected public key')
    : undefined;
  const checks: LineCheck[] = [];
  const bytesDigest = createHash('sha256');
  let last: Buffer | undefined;
  let lineCount = 0;
  try {
    for await (const bytes of byteLines(path)) {
      if (last) {
        bytesDigest.update(last).update('\n');
        checks.push(checkLine(lineCount, last));
      }
      lineCount++;
      if (lineCount === 1 && /^(seq,at,|<!DOCTYPE)/.test(bytes.subarray(0, 16).toString())) {
        throw new ConsignError(
          'BAD_INPUT',
          `${path} is a CSV or HTML report, not a JSONL export.`,
          {
            remedy:
              'Export the same selection as JSONL (the default format) to verify it, or check the report against that export.',
          },
        );
      }
      last = bytes;
    }
  } catch (cause) {
    if (cause instanceof ConsignError) throw cause;
    throw new ConsignError('BAD_INPUT', `${path} cannot be read.`, {
      remedy: 'Check the path and its permissions.',
      cause,
    });
  }
  const good = (upTo: number): number =>
    checks.slice(0, upTo).filter((check) => !check.problem).length;
  const firstProblem = checks.find((check) => check.problem);
  const fail = (line: number, reason: string, seq?: number): ExportVerification => ({
    ok: false,
    events: good(line - 1),
    firstBadLine: line,
    ...(seq !== undefined ? { firstBadSeq: seq } : {}),
    reason,
  });
  if (!last) return fail(1, 'the file is empty');

  // The trailer: the signed statement and the key that signed it.
  const trailerLine = lineCount;
  const truncated = (): ExportVerification =>
    firstProblem
      ? fail(firstProblem.line, firstProblem.problem!, firstProblem.seq)
      : fail(
          trailerLine,
          `line ${trailerLine} is not the signed trailer (the export was cut short or its trailer removed)`,
        );
  let trailer: { envelope?: unknown; publicKey?: unknown };
  try {
    trailer = JSON.parse(last.toString('utf8')) as typeof trailer;
  } catch {
    return truncated();
  }
  const envelope = asEnvelope(trailer?.envelope);
  if (typeof envelope === 'string' || typeof trailer.publicKey !== 'string') return truncated();
  let key: KeyObject;
  try {
    key = createPublicKey(trailer.publicKey);
  } catch {
    return fail(trailerLine, 'the trailer public key is not a PEM public key');
  }
  const keyFingerprint = publicKeyFingerprint(key);
  if (expected && publicKeyFingerprint(expected) !== keyFingerprint) {
    return {
      ...fail(
        trailerLine,
        `the export is signed by key ${keyFingerprint}, not by the expected key ${publicKeyFingerprint(expected)}`,
      ),
      keyFingerprint,
    };
  }
  if (envelope.signatures[0]!.keyid !== keyFingerprint) {
    return {
      ...fail(trailerLine, 'the signature names another key than the trailer holds'),
      keyFingerprint,
    };
  }
  const payload = openEnvelope(envelope, EXPORT_PAYLOAD_TYPE, key);
  if (typeof payload === 'string') {
    return {
      ...fail(trailerLine, `the signed statement does not verify: ${payload}`),
      keyFingerprint,
    };
  }
  const statement = JSON.parse(payload.toString('utf8')) as ExportStatement;
  if (statement.type !== EXPORT_STATEMENT_TYPE || statement.format !== 'jsonl') {
    return {
      ...fail(trailerLine, 'the signed statement is not a JSONL audit export'),
      keyFingerprint,
    };
  }
  const checkpoint = openCheckpoint(statement.checkpoint, key, keyFingerprint);
  if (typeof checkpoint === 'string') {
    return {
      ...fail(trailerLine, `the signed chain head does not verify: ${checkpoint}`),
      keyFingerprint,
    };
  }
  const described = {
    keyFingerprint,
    filter: statement.filter,
    firstSeq: statement.firstSeq,
    lastSeq: statement.lastSeq,
  };

  // Each line against the signed list of events, in order; consecutive events must link.
  const expectedSeqs = expandSeqs(statement.seqs);
  let previous: LineCheck | undefined;
  for (const check of checks) {
    const want = expectedSeqs.next();
    if (check.problem) return { ...fail(check.line, check.problem, check.seq), ...described };
    const seq = check.seq!;
    if (want.done) {
      return {
        ...fail(
          check.line,
          `event ${seq} on line ${check.line} is not one of the exported events (a line was added or repeated)`,
          seq,
        ),
        ...described,
      };
    }
    if (seq !== want.value) {
      const reason =
        previous?.seq !== undefined && seq <= previous.seq
          ? `event ${seq} on line ${check.line} is out of order or repeated (event ${want.value} belongs here)`
          : `event ${want.value} is missing before line ${check.line} (a line was removed or moved)`;
      return { ...fail(check.line, reason, want.value), ...described };
    }
    if (previous?.seq === seq - 1 && check.previousHash !== previous.hash) {
      return {
        ...fail(
          check.line,
          `event ${seq} does not follow event ${seq - 1} on the line before (one of them was rewritten)`,
          seq,
        ),
        ...described,
      };
    }
    if (seq === checkpoint.seq && check.hash !== checkpoint.hash) {
      return {
        ...fail(
          check.line,
          `event ${seq} is not the chain head the export signs (it was rewritten)`,
          seq,
        ),
        ...described,
      };
    }
    previous = check;
  }
  const missing = expectedSeqs.next();
  if (!missing.done) {
    return {
      ...fail(
        trailerLine,
        `event ${missing.value} and any after it are missing (the export was cut short)`,
        missing.value,
      ),
      ...described,
    };
  }
  if (checks.length !== statement.events) {
    return {
      ...fail(trailerLine, 'the number of events differs from the signed count'),
      ...described,
    };
  }
  if (bytesDigest.digest('hex') !== statement.linesDigest) {
    return {
      ...fail(trailerLine, 'the events differ from the signed digest of the lines'),
      ...described,
    };
  }
  const hashes = createHash('sha256');
  for (const check of checks) hashes.update(`${check.hash}\n`);
  if (hashes.digest('hex') !== statement.eventsDigest) {
    return {
      ...fail(trailerLine, "the events' hashes differ from the signed digest"),
      ...described,
    };
  }
  return { ok: true, events: checks.length, ...described };
}
