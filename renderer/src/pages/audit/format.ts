import type { AuditEventView } from '../../../../shared/contract';

const timeFormats = new Map<string, Intl.DateTimeFormat>();

/** Date and time to the second: events often follow each other within a minute. */
export function formatEventTime(iso: string, locale: string): string {
  // Building a formatter costs far more than using one, and every row on screen needs it.
  let format = timeFormats.get(locale);
  if (!format) {
    format = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'medium' });
    timeFormats.set(locale, format);
  }
  return format.format(new Date(iso));
}

/** `user@host`, as the actor filter accepts it. */
export function actorName(event: AuditEventView): string {
  return `${event.actor.user}@${event.actor.host}`;
}

/** The event as it takes part in the hash (everything but the hash), pretty-printed. */
export function recordedJson(event: AuditEventView): string {
  const { hash: _hash, ...body } = event;
  return JSON.stringify(body, null, 2);
}
