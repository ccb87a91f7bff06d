import { ConsignError } from '../../core';
import {
  auditFilter,
  exportAudit,
  verifyExport,
  type AuditFilter,
  type AuditVerificationResult,
  type ExportVerification,
} from '../../core/audit';
import { readSmallTextFile } from '../../core/files';
import { AuditExportFormat, type AuditQuery } from '../../../shared/contract';
import type { Command, ParsedArgs } from '../command';
import { table } from '../output';

const USAGE =
  'audit list [filters] [--limit N] | audit verify | audit export --out F [--format jsonl|csv|html] [filters] | audit verify-export F [--public-key F]';

/** Which options each subcommand takes (and how many positionals after its name). */
const FILTERS = ['since', 'until', 'action', 'actor', 'customer', 'release', 'key', 'search'];
const SUBCOMMANDS: Record<string, { options: string[]; positionals: number }> = {
  list: { options: [...FILTERS, 'subject', 'limit'], positionals: 0 },
  verify: { options: [], positionals: 0 },
  export: { options: [...FILTERS, 'out', 'format'], positionals: 0 },
  'verify-export': { options: ['public-key'], positionals: 1 },
};

function usage(message: string): ConsignError {
  return new ConsignError('BAD_REQUEST', message, { remedy: `Usage: consign ${USAGE}` });
}

function text(values: ParsedArgs['values'], name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

function filterFrom(values: ParsedArgs['values']): AuditFilter {
  const query: AuditQuery = {};
  for (const name of FILTERS as (keyof AuditQuery)[]) {
    const value = text(values, name);
    if (value !== undefined) query[name] = value;
  }
  return auditFilter(query);
}

function verificationText(result: AuditVerificationResult): string {
  const checkpoints =
    result.checkpoints === 0
      ? 'no signed checkpoint yet'
      : `${result.checkpoints} signed checkpoints, the last at event ${result.lastCheckpointSeq}`;
  if (result.ok) {
    return `The audit log verifies: ${result.events} events, each hash follows from the one before; ${checkpoints}.`;
  }
  const where =
    result.firstBadSeq !== null
      ? `at event ${result.firstBadSeq}`
      : `at the checkpoint of event ${result.badCheckpointSeq}`;
  return `The audit log does not verify ${where}: ${result.reason}.`;
}

function exportVerificationText(file: string, result: ExportVerification): string {
  if (result.ok) {
    return `${file} verifies: ${result.events} events, signed by audit key ${result.keyFingerprint}.`;
  }
  const where = result.firstBadLine !== undefined ? ` at line ${result.firstBadLine}` : '';
  return `${file} does not verify${where}: ${result.reason}.`;
}

export const auditCommand: Command = {
  name: 'audit',
  summary: 'List, verify and export the tamper-evident audit log',
  usage: 'audit <list|verify|export|verify-export> [options]',
  help: [
    'list [filters] [--subject S] [--limit N]   events in order',
    'verify      recompute the whole hash chain and check every signed checkpoint; exit 1 and',
    '            name the first bad event or checkpoint if anything was altered or removed',
    'export --out F [--format jsonl|csv|html] [filters]',
    '            write the matching events to a new file with a statement signed by the',
    '            workspace audit key (JSONL: one event per line, then the signed trailer)',
    'verify-export F [--public-key F]',
    '            check a JSONL export offline; with --public-key, only an export signed by that',
    '            key passes. Exit 1 and name the first bad line when it does not verify',
    'filters: --since T --until T (ISO 8601 date or time; a date covers the whole day, UTC)',
    '         --action A (image.signed, or a family ending in a dot: image.)',
    '         --actor USER[@HOST] --customer NAME --release NAME[@VERSION]',
    '         --key ID|FINGERPRINT --search TEXT (in the subject and details)',
  ],
  options: {
    since: { type: 'string' },
    until: { type: 'string' },
    action: { type: 'string' },
    actor: { type: 'string' },
    customer: { type: 'string' },
    release: { type: 'string' },
    key: { type: 'string' },
    search: { type: 'string' },
    subject: { type: 'string' },
    limit: { type: 'string' },
    out: { type: 'string' },
    format: { type: 'string' },
    'public-key': { type: 'string' },
  },
  positionals: { min: 1, max: 2 },
  async run({ engine, out }, { values, positionals }) {
    const name = positionals[0]!;
    const spec = SUBCOMMANDS[name];
    if (!spec) throw usage(`"${name}" is not an audit subcommand.`);
    if (positionals.length - 1 !== spec.positionals) {
      throw usage(
        spec.positionals ? `audit ${name} needs a file.` : `audit ${name} takes no argument.`,
      );
    }
    const stray = Object.keys(values).find(
      (option) =>
        values[option] !== undefined &&
        !spec.options.includes(option) &&
        option !== 'json' &&
        option !== 'home' &&
        option !== 'help',
    );
    if (stray) throw usage(`--${stray} does not apply to audit ${name}.`);

    if (name === 'verify-export') {
      const keyFile = text(values, 'public-key');
      const expected = keyFile
        ? (
            await readSmallTextFile(
              keyFile,
              'The public key file',
              64 * 1024,
              'Give the PEM public key file of the audit key.',
            )
          ).text
        : undefined;
      const result = await verifyExport(positionals[1]!, expected);
      out.result(result, () => exportVerificationText(positionals[1]!, result));
      return result.ok ? 0 : 1;
    }

    const audit = engine().requireStore().audit;
    if (name === 'verify') {
      const result = await audit.verifyAndCheckpoint();
      out.result(result, () => verificationText(result));
      return result.ok ? 0 : 1;
    }

    if (name === 'export') {
      const file = text(values, 'out');
      if (!file) throw usage('audit export needs --out F, the new file to write.');
      const format = AuditExportFormat.safeParse(text(values, 'format') ?? 'jsonl');
      if (!format.success) {
        throw usage(`--format ${text(values, 'format')} is not one of jsonl, csv, html.`);
      }
      const result = await exportAudit(audit, {
        path: file,
        format: format.data,
        filter: filterFrom(values),
      });
      out.result(
        result,
        () =>
          `Wrote ${result.events} events to ${result.out} (${result.format}), signed digest sha256:${result.eventsDigest}.`,
      );
      return 0;
    }

    const filter = filterFrom(values);
    const subject = text(values, 'subject');
    if (subject !== undefined) filter.subject = subject;
    const limitText = text(values, 'limit');
    if (limitText !== undefined) {
      const limit = Number(limitText);
      if (!Number.isInteger(limit) || limit < 1) {
        throw new ConsignError('BAD_REQUEST', `--limit ${limitText} is not a positive number.`, {
          remedy: 'Give a whole number of events, for example --limit 100.',
        });
      }
      filter.limit = limit;
    }
    const events = audit.list(filter);
    out.result(events, () =>
      table(
        ['SEQ', 'AT', 'ACTOR', 'ACTION', 'SUBJECT'],
        events.map((e) => [
          String(e.seq),
          e.at,
          `${e.actor.user}@${e.actor.host}`,
          e.action,
          e.subject.length > 80 ? `${e.subject.slice(0, 77)}...` : e.subject,
        ]),
      ),
    );
    return 0;
  },
};
