import { ConsignError } from '../../core';
import type { AuditFilter } from '../../core/audit';
import type { Command } from '../command';
import { table } from '../output';

const SUBCOMMANDS = ['list', 'verify'];
const LIST_OPTIONS = ['since', 'until', 'action', 'subject', 'limit'];
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** An ISO 8601 date or time as the log stores it (UTC); a bare date ends at the day's end. */
function instant(option: string, value: string, endOfDay: boolean): string {
  const time = Date.parse(DATE_ONLY.test(value) ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(time)) {
    throw new ConsignError('BAD_REQUEST', `--${option} ${value} is not a date or time.`, {
      remedy: 'Use ISO 8601, for example 2026-11-01 or 2026-11-01T12:00:00Z.',
    });
  }
  return new Date(DATE_ONLY.test(value) && endOfDay ? time + 86_400_000 - 1 : time).toISOString();
}

export const auditCommand: Command = {
  name: 'audit',
  summary: 'List and verify the tamper-evident audit log',
  usage: 'audit <list|verify> [options]',
  help: [
    'list [--since T] [--until T] [--action A] [--subject S] [--limit N]',
    '       events in order; T is an ISO 8601 date or time (a date covers the whole day, UTC),',
    '       A an action (image.signed) or a family ending in a dot (image.), S a subject part',
    'verify  recompute the whole hash chain; exit 1 and name the first bad event if it breaks',
  ],
  options: {
    since: { type: 'string' },
    until: { type: 'string' },
    action: { type: 'string' },
    subject: { type: 'string' },
    limit: { type: 'string' },
  },
  positionals: { min: 1, max: 1 },
  async run({ engine, out }, { values, positionals }) {
    const name = positionals[0]!;
    if (!SUBCOMMANDS.includes(name)) {
      throw new ConsignError('BAD_REQUEST', `"${name}" is not an audit subcommand.`, {
        remedy: 'Usage: consign audit list [options] | consign audit verify',
      });
    }
    const audit = engine().requireStore().audit;
    if (name === 'verify') {
      const stray = LIST_OPTIONS.find((option) => values[option] !== undefined);
      if (stray) {
        throw new ConsignError('BAD_REQUEST', `--${stray} does not apply to audit verify.`, {
          remedy: 'Usage: consign audit verify',
        });
      }
      const result = audit.verify();
      out.result(result, () =>
        result.ok
          ? `The audit log verifies: ${result.events} events, each hash follows from the one before.`
          : `The audit log does not verify at event ${result.firstBadSeq}: ${result.reason}.`,
      );
      return result.ok ? 0 : 1;
    }
    const filter: AuditFilter = {};
    if (typeof values.since === 'string') filter.since = instant('since', values.since, false);
    if (typeof values.until === 'string') filter.until = instant('until', values.until, true);
    if (typeof values.action === 'string') filter.action = values.action;
    if (typeof values.subject === 'string') filter.subject = values.subject;
    if (typeof values.limit === 'string') {
      const limit = Number(values.limit);
      if (!Number.isInteger(limit) || limit < 1) {
        throw new ConsignError('BAD_REQUEST', `--limit ${values.limit} is not a positive number.`);
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
