import type { AuditExportFormat } from '../../../../shared/contract';
import { ConsignError } from '../../errors';
import { canonicalJson, type JsonValue } from '../canonical-json';
import { signCheckpoint } from '../checkpoint';
import { signEnvelope } from '../dsse';
import type { AuditFilter, AuditLog } from '../log';
import { exportFormats } from './formats';
import {
  EXPORT_PAYLOAD_TYPE,
  EXPORT_STATEMENT_TYPE,
  ExportTally,
  type ExportStatement,
  type ExportTrailer,
} from './statement';
import { NewFileWriter } from './writer';

export { csvCell, escapeHtml } from './formats';
export { verifyExport, type ExportVerification } from './verify';
export { EXPORT_PAYLOAD_TYPE, type ExportStatement, type ExportTrailer } from './statement';

export interface AuditExportResult {
  out: string;
  events: number;
  format: AuditExportFormat;
  /** SHA-256 over the exported events' hashes, as the signed statement says. */
  eventsDigest: string;
}

/** The filter as the statement records it: the selecting conditions, not paging. */
function recordedFilter(filter: AuditFilter): { [key: string]: JsonValue } {
  const { afterSeq: _a, throughSeq: _t, offset: _o, limit: _l, ...conditions } = filter;
  return Object.fromEntries(Object.entries(conditions).filter(([, v]) => v !== undefined)) as {
    [key: string]: JsonValue;
  };
}

/**
 * Writes the events matching `filter` to a new file, then a statement signed by the audit key.
 * The log is verified first (a broken log is never signed), a checkpoint is signed at its head,
 * and the export covers events up to that head even if more are appended meanwhile.
 */
export async function exportAudit(
  log: AuditLog,
  request: { path: string; format: AuditExportFormat; filter: AuditFilter },
): Promise<AuditExportResult> {
  const verification = log.verify();
  if (!verification.ok) {
    throw new ConsignError(
      'CHECK_FAILED',
      `The audit log does not verify (${verification.reason}), so it is not exported.`,
      { remedy: 'Run `consign audit verify` and restore the workspace from a backup.' },
    );
  }
  const signer = await log.signer();
  const head = await log.checkpoint();
  if (!head) {
    throw new ConsignError('NOT_FOUND', 'The audit log is empty.', {
      remedy: 'Nothing to export yet.',
    });
  }
  // A checkpoint stored under an older audit key is signed again, so one key checks the export.
  const checkpoint =
    head.keyFingerprint === signer.fingerprint
      ? head.envelope
      : signCheckpoint(
          { seq: head.seq, hash: head.hash, time: head.time },
          signer.privateKey,
          signer.fingerprint,
        );
  const filter: AuditFilter = { ...request.filter, throughSeq: head.seq };
  const format = exportFormats[request.format];
  const exportedAt = new Date().toISOString();
  const conditions = recordedFilter(request.filter);
  const writer = await NewFileWriter.create(request.path);
  const tally = new ExportTally();
  let statement: ExportStatement;
  try {
    await writer.write(format.head({ filter: conditions, events: log.count(filter), exportedAt }));
    for (const event of log.iterateLinked(filter)) {
      tally.add(event.seq, event.hash);
      await writer.write(format.event(event));
    }
    statement = {
      type: EXPORT_STATEMENT_TYPE,
      format: request.format,
      filter: conditions,
      events: tally.events,
      firstSeq: tally.firstSeq,
      lastSeq: tally.lastSeq,
      seqs: tally.seqs,
      eventsDigest: tally.eventsDigest(),
      ...(request.format === 'html' ? {} : { linesDigest: await writer.digest() }),
      checkpoint,
      exportedAt,
      exportedBy: { ...log.actor },
    };
    const trailer: ExportTrailer = {
      envelope: signEnvelope(
        EXPORT_PAYLOAD_TYPE,
        Buffer.from(canonicalJson(statement), 'utf8'),
        signer.privateKey,
        signer.fingerprint,
      ),
      publicKey: signer.publicKey,
    };
    await writer.write(format.tail(statement, trailer));
    await writer.close();
  } catch (error) {
    await writer.abort();
    throw error;
  }
  log.append({
    action: 'audit.exported',
    subject: writer.path,
    details: {
      path: writer.path,
      format: request.format,
      filter: conditions,
      events: statement.events,
      firstSeq: statement.firstSeq,
      lastSeq: statement.lastSeq,
      eventsDigest: statement.eventsDigest,
      keyFingerprint: signer.fingerprint,
    },
  });
  return {
    out: writer.path,
    events: statement.events,
    format: request.format,
    eventsDigest: statement.eventsDigest,
  };
}
