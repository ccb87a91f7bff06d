/**
 * Canonical JSON as RFC 8785 (JCS) defines it: no white space, object members sorted by the
 * UTF-16 code units of their names, numbers in ECMAScript's shortest form, strings escaped as
 * ECMAScript's JSON.stringify does. The same value always yields the same bytes, so the hash of
 * an event can be recomputed by anyone with a JCS implementation.
 */
export type JsonValue =
  null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export function canonicalJson(value: unknown): string {
  return serialize(value, '$');
}

function serialize(value: unknown, path: string): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`${path}: ${value} has no JSON form`);
      // ECMAScript's Number-to-String is exactly what JCS prescribes (and -0 becomes 0).
      return JSON.stringify(value);
    case 'string':
      if (hasLoneSurrogate(value)) throw new TypeError(`${path}: string has a lone surrogate`);
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) {
        return `[${value.map((item, i) => serialize(item ?? null, `${path}[${i}]`)).join(',')}]`;
      }
      const record = value as Record<string, unknown>;
      const members: string[] = [];
      // Default sort compares UTF-16 code units, which is the order JCS requires.
      for (const key of Object.keys(record).sort()) {
        const member = record[key];
        if (member === undefined) continue;
        members.push(`${serialize(key, path)}:${serialize(member, `${path}.${key}`)}`);
      }
      return `{${members.join(',')}}`;
    }
    default:
      throw new TypeError(`${path}: a ${typeof value} has no JSON form`);
  }
}

function hasLoneSurrogate(text: string): boolean {
  return !text.isWellFormed();
}
