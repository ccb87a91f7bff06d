import type { AuditQuery } from '../../../shared/contract';
import { ConsignError } from '../errors';
import type { AuditFilter } from './log';

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 86_400_000;

/**
 * An ISO 8601 date or time as the log stores it (UTC, `toISOString()`), so string comparison in
 * SQL orders it correctly; a bare date starts the day for `since` and ends it for `until`.
 */
export function auditInstant(name: string, value: string, endOfDay: boolean): string {
  const dateOnly = DATE_ONLY.test(value);
  const time = Date.parse(dateOnly ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(time)) {
    throw new ConsignError('BAD_REQUEST', `${name} "${value}" is not a date or time.`, {
      remedy: 'Use ISO 8601, for example 2026-11-01 or 2026-11-01T12:00:00Z.',
    });
  }
  return new Date(dateOnly && endOfDay ? time + DAY_MS - 1 : time).toISOString();
}

/** The log's filter for a query from the interface or the command line (times normalised). */
export function auditFilter(query: AuditQuery): AuditFilter {
  const filter: AuditFilter = {};
  if (query.since) filter.since = auditInstant('since', query.since, false);
  if (query.until) filter.until = auditInstant('until', query.until, true);
  for (const name of ['action', 'actor', 'customer', 'release', 'key', 'search'] as const) {
    const value = query[name]?.trim();
    if (value) filter[name] = value;
  }
  return filter;
}
