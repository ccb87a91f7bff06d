/**
 * How each export format writes events and the signed statement. JSONL is the verifiable form;
 * CSV and HTML are for people, and carry the same signed statement.
 */
import type { AuditExportFormat } from '../../../../shared/contract';
import type { AuditEvent } from '../chain';
import { canonicalJson } from '../canonical-json';
import type { ExportStatement, ExportTrailer } from './statement';

export type ExportEvent = AuditEvent & { previousHash: string };

export interface ExportSummary {
  filter: ExportStatement['filter'];
  /** How many events match, known before writing them (the HTML header shows it). */
  events: number;
  exportedAt: string;
}

export interface ExportFormat {
  head(summary: ExportSummary): string;
  event(event: ExportEvent): string;
  /** What follows the events; `trailer` is signed over everything written before it. */
  tail(statement: ExportStatement, trailer: ExportTrailer): string;
}

/** One canonical JSON object per line: the event, its hash and the hash before it. */
const jsonl: ExportFormat = {
  head: () => '',
  event: (event) => `${canonicalJson(event)}\n`,
  tail: (_statement, trailer) => `${canonicalJson(trailer)}\n`,
};

const CSV_COLUMNS = [
  'seq',
  'at',
  'user',
  'host',
  'app',
  'action',
  'subject',
  'details',
  'hash',
  'previous_hash',
];

/**
 * One RFC 4180 field. A cell a spreadsheet would read as a formula (starting with = + - @, or a
 * tab or carriage return) gets a leading apostrophe, so opening the file never runs anything.
 */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

function csvRow(cells: string[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}

const csv: ExportFormat = {
  head: () => csvRow(CSV_COLUMNS),
  event: (e) =>
    csvRow([
      String(e.seq),
      e.at,
      e.actor.user,
      e.actor.host,
      e.actor.app,
      e.action,
      e.subject,
      canonicalJson(e.details),
      e.hash,
      e.previousHash,
    ]),
  // The signature row: the signed digest where people read it, the trailer where tools do.
  tail: (statement, trailer) =>
    csvRow([
      'signature',
      statement.exportedAt,
      '',
      '',
      '',
      'audit.export.signature',
      `sha256:${statement.eventsDigest}`,
      canonicalJson(trailer),
      '',
      '',
    ]),
};

export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

const STYLE = `
body{font:13px/1.4 system-ui,sans-serif;color:#111;margin:24px}
h1{font-size:20px;margin:0 0 4px}h2{font-size:15px;margin:24px 0 8px}
table{border-collapse:collapse;width:100%}th,td{border:1px solid #ccc;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#f2f2f2}td.mono,code,pre{font-family:ui-monospace,monospace;font-size:11px;word-break:break-all}
pre{white-space:pre-wrap;background:#f7f7f7;padding:8px;border:1px solid #ddd}
dl{display:grid;grid-template-columns:max-content auto;gap:2px 12px}dt{font-weight:600}dd{margin:0}
@media print{body{margin:0}th{background:none}tr{page-break-inside:avoid}}
`;

function describeFilter(filter: ExportSummary['filter']): string {
  const entries = Object.entries(filter);
  return entries.length === 0
    ? 'all events'
    : entries.map(([name, value]) => `${name} = ${String(value)}`).join('; ');
}

const html: ExportFormat = {
  head: (summary) =>
    `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">` +
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">` +
    `<title>Consign audit export</title><style>${STYLE}</style></head><body>\n` +
    `<h1>Consign audit export</h1>\n<dl><dt>Exported</dt><dd>${escapeHtml(summary.exportedAt)}</dd>` +
    `<dt>Selection</dt><dd>${escapeHtml(describeFilter(summary.filter))}</dd>` +
    `<dt>Events</dt><dd>${summary.events}</dd></dl>\n` +
    `<h2>Events</h2>\n<table><thead><tr><th>Seq</th><th>At</th><th>Actor</th><th>Action</th>` +
    `<th>Subject</th><th>Details</th><th>Hash</th></tr></thead><tbody>\n`,
  event: (e) =>
    `<tr><td>${e.seq}</td><td>${escapeHtml(e.at)}</td>` +
    `<td>${escapeHtml(`${e.actor.user}@${e.actor.host}`)}</td><td>${escapeHtml(e.action)}</td>` +
    `<td>${escapeHtml(e.subject)}</td><td class="mono">${escapeHtml(canonicalJson(e.details))}</td>` +
    `<td class="mono">${e.hash}</td></tr>\n`,
  tail: (statement, trailer) =>
    `</tbody></table>\n<h2>Signature</h2>\n<dl>` +
    `<dt>Events</dt><dd>${statement.events} (seq ${statement.firstSeq ?? '–'} to ${statement.lastSeq ?? '–'})</dd>` +
    `<dt>Signed digest of the events' hashes</dt><dd><code>sha256:${statement.eventsDigest}</code></dd>` +
    `<dt>Audit key fingerprint</dt><dd><code>${escapeHtml(trailer.envelope.signatures[0]!.keyid)}</code></dd></dl>\n` +
    `<p>The signed statement (a DSSE envelope) and the audit key's public key; the JSONL export of ` +
    `the same events can be checked with <code>consign audit verify-export</code> or standard tools.</p>\n` +
    `<pre>${escapeHtml(canonicalJson(trailer))}</pre>\n</body></html>\n`,
};

export const exportFormats: Record<AuditExportFormat, ExportFormat> = { jsonl, csv, html };
