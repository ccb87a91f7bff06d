/**
 * Malware blocklists as security teams and feeds publish them: a text file of SHA-256 hashes, one
 * a line, each optionally followed by a name (after spaces, a tab or a comma), with `#` comments;
 * or a CSV file whose header names a `sha256` column (and maybe a name column), as malware feeds
 * export them. Read line by line, so a list of millions of hashes is never held whole; any line
 * that is neither refuses the whole file, naming the line.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { ConsignError } from '../errors';

export interface BlocklistEntry {
  /** Lowercase hex. */
  sha256: string;
  name?: string;
}

/** No real line is this long; a longer one means the file is not a blocklist. */
export const MAX_LINE_BYTES = 8192;
const MAX_NAME_LENGTH = 200;
const HEX64 = /^[0-9a-fA-F]{64}$/;
const PLAIN_LINE = /^([0-9a-fA-F]{64})(?:(?:\s*,\s*|\s+)(.*))?$/;
const SHA256_COLUMN = /^sha-?256(?:[ _-]?(?:hash|sum|digest))?$/i;
const NAME_COLUMNS = ['name', 'signature', 'title', 'threat', 'malware', 'family', 'file_name'];

function badLine(source: string, line: number, why: string): ConsignError {
  return new ConsignError('BAD_INPUT', `${source} line ${line} ${why}; nothing was imported.`, {
    remedy:
      'A blocklist has one SHA-256 (64 hex digits) a line, optionally followed by a name, with # comments; or it is a CSV file whose header names a sha256 column.',
  });
}

/** Splits one CSV line into fields ("quoted", with "" for a quote inside). */
export function csvFields(line: string): string[] | undefined {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    while (line[i] === ' ' || line[i] === '\t') i++;
    let field = '';
    if (line[i] === '"') {
      i++;
      for (;;) {
        if (i >= line.length) return undefined;
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += line[i++];
      }
      while (line[i] === ' ' || line[i] === '\t') i++;
      if (i < line.length && line[i] !== ',') return undefined;
    } else {
      const end = line.indexOf(',', i);
      field = (end < 0 ? line.slice(i) : line.slice(i, end)).trim();
      i = end < 0 ? line.length : end;
    }
    fields.push(field);
    if (i >= line.length) return fields;
    i++; // the comma
  }
}

function cleanName(raw: string | undefined): string | undefined {
  let name = raw?.trim();
  if (name && name.length >= 2 && name.startsWith('"') && name.endsWith('"'))
    name = name.slice(1, -1).trim();
  if (!name) return undefined;
  // Names are shown in reports and terminals: no control characters, and a bounded length.
  // eslint-disable-next-line no-control-regex
  name = name.replace(/[\u0000-\u001f\u007f]/g, ' ');
  return name.length > MAX_NAME_LENGTH ? `${name.slice(0, MAX_NAME_LENGTH)}…` : name;
}

/**
 * Reads a blocklist one line at a time. The first line that is not blank or a comment decides
 * the form: a hash line (plain list) or a CSV header naming a sha256 column.
 */
export class BlocklistParser {
  readonly #source: string;
  #form: 'plain' | { hash: number; name: number | undefined; columns: number } | undefined;

  constructor(source: string) {
    this.#source = source;
  }

  /** The entry on this line, undefined for blank lines, comments and the CSV header. */
  line(text: string, number: number): BlocklistEntry | undefined {
    const line = text.replace(/^\uFEFF/, '').trim();
    if (line === '' || line.startsWith('#')) return undefined;
    if (this.#form === undefined) {
      if (PLAIN_LINE.test(line)) {
        this.#form = 'plain';
      } else {
        const header = csvFields(line)?.map((field) => field.trim().toLowerCase());
        const hash = header?.findIndex((field) => SHA256_COLUMN.test(field)) ?? -1;
        if (!header || hash < 0) {
          throw badLine(
            this.#source,
            number,
            'is neither a SHA-256 hash nor a CSV header naming a sha256 column',
          );
        }
        const name = NAME_COLUMNS.map((column) => header.indexOf(column)).find((at) => at >= 0);
        this.#form = { hash, name, columns: header.length };
        return undefined;
      }
    }
    if (this.#form === 'plain') {
      const match = PLAIN_LINE.exec(line);
      if (!match) {
        throw badLine(
          this.#source,
          number,
          `("${line.slice(0, 80)}") does not start with a SHA-256 hash of 64 hex digits`,
        );
      }
      const name = cleanName(match[2]);
      return { sha256: match[1]!.toLowerCase(), ...(name ? { name } : {}) };
    }
    const fields = csvFields(line);
    const form = this.#form;
    if (!fields) throw badLine(this.#source, number, 'is not a well-formed CSV row');
    const hash = fields[form.hash]?.trim() ?? '';
    if (!HEX64.test(hash)) {
      throw badLine(
        this.#source,
        number,
        `has "${hash.slice(0, 80)}" in its sha256 column, not a SHA-256 hash of 64 hex digits`,
      );
    }
    const name = form.name === undefined ? undefined : cleanName(fields[form.name]);
    return { sha256: hash.toLowerCase(), ...(name ? { name } : {}) };
  }
}

/** A file's lines, read as a stream; a line longer than the bound is refused. */
export async function* fileLines(path: string): AsyncGenerator<string> {
  let rest = '';
  let number = 0;
  for await (const chunk of createReadStream(path, { encoding: 'utf8' }) as AsyncIterable<string>) {
    const parts = (rest + chunk).split('\n');
    rest = parts.pop()!;
    for (const part of parts) {
      number++;
      yield part.endsWith('\r') ? part.slice(0, -1) : part;
    }
    if (rest.length > MAX_LINE_BYTES) {
      throw badLine(path, number + 1, `is longer than ${MAX_LINE_BYTES} characters`);
    }
  }
  if (rest) yield rest;
}

/**
 * Whether a file reads as a blocklist rather than OSV JSON: its first line that is not blank or
 * a comment is a hash line or a CSV header naming a sha256 column. Only the beginning is read.
 */
export async function isBlocklistFile(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  let head: string;
  try {
    const buffer = Buffer.alloc(64 * 1024);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    head = buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
  const lines = head.split('\n');
  // The last line may be cut off by the read; it only counts when it is the whole file.
  if (lines.length > 1) lines.pop();
  const first = lines
    .map((line) => line.replace(/^\uFEFF/, '').trim())
    .find((line) => line !== '' && !line.startsWith('#'));
  if (first === undefined) return lines.some((line) => line.trim().startsWith('#'));
  if (PLAIN_LINE.test(first)) return true;
  return csvFields(first)?.some((field) => SHA256_COLUMN.test(field.trim())) ?? false;
}
