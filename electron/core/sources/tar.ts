import { createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { posix } from 'node:path';
import { Readable } from 'node:stream';
import { ConsignError } from '../errors';

/**
 * A random-access index of a tar file, built by reading headers only: a `docker save` archive of
 * several gigabytes is indexed in a few reads, and any entry can then be streamed from its offset
 * without extracting anything.
 */

const BLOCK = 512;
/** pax and GNU long-name records are read into memory: they are names, never this big. */
const MAX_META_BYTES = 1024 * 1024;
const MAX_ENTRIES = 1_000_000;
const MAX_LINK_DEPTH = 16;

export type TarEntryType = 'file' | 'directory' | 'symlink' | 'hardlink' | 'other';

export interface TarEntry {
  /** Normalized path inside the archive (no leading `./`, never absolute, never `..`). */
  name: string;
  type: TarEntryType;
  /** Byte offset of the entry's content in the file. */
  offset: number;
  size: number;
  /** Target of a link, as written in the archive. */
  linkname?: string;
}

function bad(what: string, detail: string): ConsignError {
  return new ConsignError('BAD_INPUT', `${what} is not a valid tar archive: ${detail}.`, {
    remedy:
      'The file is corrupt or truncated. Write it again (for example with `docker save -o FILE IMAGE`) and retry.',
  });
}

/** A NUL-terminated string field. */
function text(block: Buffer, start: number, length: number): string {
  const field = block.subarray(start, start + length);
  const end = field.indexOf(0);
  return field.subarray(0, end === -1 ? field.length : end).toString('utf8');
}

/** A numeric field: octal text, or GNU base-256 when the high bit of the first byte is set. */
function number(block: Buffer, start: number, length: number, what: string, field: string): number {
  const raw = block.subarray(start, start + length);
  if ((raw[0]! & 0x80) !== 0) {
    if ((raw[0]! & 0x40) !== 0) throw bad(what, `negative ${field} in a header`);
    let value = raw[0]! & 0x3f;
    for (let i = 1; i < raw.length; i++) {
      value = value * 256 + raw[i]!;
      if (!Number.isSafeInteger(value)) throw bad(what, `absurd ${field} in a header`);
    }
    return value;
  }
  const digits = raw
    .toString('latin1')
    .replace(/[\0 ]+$/, '')
    .replace(/^[ ]+/, '');
  if (digits === '') return 0;
  if (!/^[0-7]+$/.test(digits)) throw bad(what, `the ${field} field "${digits}" is not octal`);
  const value = parseInt(digits, 8);
  if (!Number.isSafeInteger(value)) throw bad(what, `absurd ${field} in a header`);
  return value;
}

function checksumOk(block: Buffer, recorded: number): boolean {
  // The checksum is computed with its own field read as eight spaces; some old writers summed
  // signed bytes, so either form is accepted.
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const byte = i >= 148 && i < 156 ? 0x20 : block[i]!;
    unsigned += byte;
    signed += byte > 127 ? byte - 256 : byte;
  }
  return recorded === unsigned || recorded === signed;
}

/** Parses pax extended header records: `<length> <key>=<value>\n`, length counting itself. */
export function parsePax(data: Buffer, what: string): Map<string, string> {
  const records = new Map<string, string>();
  let at = 0;
  while (at < data.length) {
    if (data[at] === 0) break; // padding some writers leave at the end
    const space = data.indexOf(0x20, at);
    if (space === -1 || space - at > 20) throw bad(what, 'a pax record has no length');
    const lengthText = data.subarray(at, space).toString('latin1');
    if (!/^[0-9]+$/.test(lengthText)) throw bad(what, 'a pax record length is not a number');
    const length = Number(lengthText);
    const end = at + length;
    if (length <= space - at + 1 || end > data.length || data[end - 1] !== 0x0a) {
      throw bad(what, 'a pax record overruns its header');
    }
    const record = data.subarray(space + 1, end - 1).toString('utf8');
    const equals = record.indexOf('=');
    if (equals <= 0) throw bad(what, 'a pax record has no key');
    records.set(record.slice(0, equals), record.slice(equals + 1));
    at = end;
  }
  return records;
}

/** Normalizes an entry's path; anything absolute or climbing out of the archive is refused. */
export function normalizeEntryName(raw: string, what: string): string {
  const name = raw.replace(/\\/g, '/');
  if (name.startsWith('/') || /^[a-zA-Z]:/.test(name)) {
    throw bad(what, `the entry "${raw.slice(0, 200)}" has an absolute path`);
  }
  const parts = name.split('/').filter((part) => part !== '' && part !== '.');
  if (parts.includes('..')) {
    throw bad(what, `the entry "${raw.slice(0, 200)}" escapes the archive`);
  }
  return parts.join('/');
}

function typeOf(flag: string): TarEntryType {
  switch (flag) {
    case '0':
    case '\0':
    case '7': // contiguous file: a regular file everywhere that matters
      return 'file';
    case '1':
      return 'hardlink';
    case '2':
      return 'symlink';
    case '5':
      return 'directory';
    default:
      return 'other';
  }
}

export class TarIndex {
  readonly path: string;
  readonly entries: ReadonlyMap<string, TarEntry>;
  readonly #what: string;

  constructor(path: string, entries: Map<string, TarEntry>, what: string) {
    this.path = path;
    this.entries = entries;
    this.#what = what;
  }

  /** The regular file at `name`, following symlinks and hard links inside the archive. */
  file(name: string): TarEntry | undefined {
    let current = this.entries.get(normalizeEntryName(name, this.#what));
    for (let depth = 0; current && depth <= MAX_LINK_DEPTH; depth++) {
      if (current.type === 'file') return current;
      if (current.type === 'symlink' && current.linkname !== undefined) {
        // docker save links repeated layers as `../<id>/layer.tar`, relative to the link itself.
        const target = current.linkname.startsWith('/')
          ? current.linkname
          : posix.join(posix.dirname(current.name), current.linkname);
        current = this.entries.get(posix.normalize(target).replace(/^\/+/, ''));
      } else if (current.type === 'hardlink' && current.linkname !== undefined) {
        current = this.entries.get(normalizeEntryName(current.linkname, this.#what));
      } else {
        return undefined;
      }
    }
    return undefined;
  }

  /** The content of a file entry, read from the archive on demand. */
  stream(entry: TarEntry): Readable {
    if (entry.size === 0) return Readable.from([]);
    return createReadStream(this.path, { start: entry.offset, end: entry.offset + entry.size - 1 });
  }

  /** The first bytes of an entry (to sniff its format). */
  async head(entry: TarEntry, length: number): Promise<Buffer> {
    const handle = await open(this.path, 'r');
    try {
      const buffer = Buffer.alloc(Math.min(length, entry.size));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, entry.offset);
      return buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  }
}

async function readExactly(
  handle: FileHandle,
  length: number,
  position: number,
  what: string,
  detail: string,
): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(buffer, done, length - done, position + done);
    if (bytesRead === 0) throw bad(what, detail);
    done += bytesRead;
  }
  return buffer;
}

/**
 * Indexes the tar file at `path` (ustar, pax and GNU long names), verifying each header's
 * checksum and that every entry's content lies inside the file. `what` names the file in errors.
 */
export async function indexTar(path: string, what = path): Promise<TarIndex> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (cause) {
    throw new ConsignError('NOT_FOUND', `${what} could not be opened.`, {
      remedy: 'Check the path and that the file is readable.',
      cause,
    });
  }
  try {
    const fileSize = (await handle.stat()).size;
    const entries = new Map<string, TarEntry>();
    let position = 0;
    let count = 0;
    let longName: string | undefined;
    let longLink: string | undefined;
    let pax: Map<string, string> | undefined;
    for (;;) {
      if (position + BLOCK > fileSize) {
        throw bad(
          what,
          position === fileSize
            ? 'it ends without an end-of-archive marker (truncated?)'
            : `it is truncated inside a header at byte ${position}`,
        );
      }
      const header = await readExactly(handle, BLOCK, position, what, 'it is truncated');
      if (header.every((byte) => byte === 0)) {
        // One zero block marks the end (two are customary; a lone one is accepted, as GNU tar does).
        if (longName !== undefined || pax !== undefined) {
          throw bad(what, 'it ends right after an extended header');
        }
        break;
      }
      if (!checksumOk(header, number(header, 148, 8, what, 'checksum'))) {
        throw bad(what, `the header at byte ${position} has a bad checksum`);
      }
      const flag = String.fromCharCode(header[156]!);
      let size = number(header, 124, 12, what, 'size');
      const dataOffset = position + BLOCK;
      if (flag === 'x' || flag === 'g' || flag === 'L' || flag === 'K') {
        if (size > MAX_META_BYTES) throw bad(what, `an extended header of ${size} bytes is absurd`);
        if (dataOffset + size > fileSize) throw bad(what, 'it is truncated inside a header');
        const data = await readExactly(handle, size, dataOffset, what, 'it is truncated');
        if (flag === 'x') pax = parsePax(data, what);
        else if (flag === 'L') longName = text(data, 0, data.length);
        else if (flag === 'K') longLink = text(data, 0, data.length);
        // 'g' (global pax) carries nothing Consign needs: names and sizes are per entry.
        position = dataOffset + Math.ceil(size / BLOCK) * BLOCK;
        continue;
      }
      let name = text(header, 0, 100);
      const magic = header.subarray(257, 265).toString('latin1');
      if (magic === 'ustar\u000000') {
        const prefix = text(header, 345, 155);
        if (prefix) name = `${prefix}/${name}`;
      }
      let linkname = text(header, 157, 100);
      if (longName !== undefined) name = longName;
      if (longLink !== undefined) linkname = longLink;
      if (pax?.has('path')) name = pax.get('path')!;
      if (pax?.has('linkpath')) linkname = pax.get('linkpath')!;
      if (pax?.has('size')) {
        const paxSize = pax.get('size')!;
        if (!/^[0-9]{1,16}$/.test(paxSize) || !Number.isSafeInteger(Number(paxSize))) {
          throw bad(what, `the pax size "${paxSize.slice(0, 40)}" is not a valid size`);
        }
        size = Number(paxSize);
      }
      longName = longLink = pax = undefined;
      const type = typeOf(flag);
      // Links and directories carry no content, whatever their size field says.
      if (type === 'hardlink' || type === 'symlink' || type === 'directory') size = 0;
      if (dataOffset + size > fileSize) {
        throw bad(
          what,
          `the entry "${name.slice(0, 200)}" claims ${size} bytes but the file ends before them (truncated?)`,
        );
      }
      if (++count > MAX_ENTRIES) throw bad(what, `it has more than ${MAX_ENTRIES} entries`);
      const normalized = normalizeEntryName(name, what);
      if (normalized !== '') {
        entries.set(normalized, {
          name: normalized,
          type,
          offset: dataOffset,
          size,
          ...(type === 'symlink' || type === 'hardlink' ? { linkname } : {}),
        });
      }
      position = dataOffset + Math.ceil(size / BLOCK) * BLOCK;
    }
    return new TarIndex(path, entries, what);
  } finally {
    await handle.close();
  }
}
