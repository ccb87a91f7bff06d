/**
 * RPM packages from rpm's SQLite database (`rpmdb.sqlite`, in `var/lib/rpm` or, on newer
 * distributions, `usr/lib/sysimage/rpm`). SQLite cannot read from a stream, so the file is written
 * as it streams out of its layer to a private temporary folder (bounded in size), opened read-only
 * once the walk is over, and deleted. Each row of its `Packages` table is an rpm header blob,
 * parsed here. The older BerkeleyDB (`Packages`) and ndb (`Packages.db`) formats are not read:
 * the scan says so instead of listing nothing silently.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSqlite } from '../db';
import type { FileSink, SkippedFile } from './apps';
import type { FileMeta, FileView } from './layers';
import type { OperatingSystem } from './os-release';
import { purlPart, type Package } from './types';

const RPM_DIRS = ['var/lib/rpm', 'usr/lib/sysimage/rpm'];
export const RPMDB_SQLITE_PATHS = RPM_DIRS.map((dir) => `${dir}/rpmdb.sqlite`);
const BDB_PATHS = RPM_DIRS.map((dir) => `${dir}/Packages`);
const NDB_PATHS = RPM_DIRS.map((dir) => `${dir}/Packages.db`);

/** A full desktop install's database is some 100 MiB; past this a file is not one. */
export const MAX_RPMDB_BYTES = 512 * 1024 * 1024;
/** Headers are a few KiB to a few hundred KiB; rpm itself refuses ones over 256 MiB. */
const MAX_HEADER_ENTRIES = 0xffff;

const TAG = {
  name: 1000,
  version: 1001,
  release: 1002,
  epoch: 1003,
  license: 1014,
  arch: 1022,
  sourceRpm: 1044,
} as const;
const WANTED_TAGS = new Set<number>(Object.values(TAG));
const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');
const TYPE_INT32 = 4;
const TYPE_STRING = 6;
const TYPE_STRING_ARRAY = 8;
const TYPE_I18NSTRING = 9;

/** The fields of one installed package's header the scanner reports. */
export interface RpmHeader {
  name: string;
  version: string;
  release: string;
  epoch?: number;
  arch?: string;
  license?: string;
  sourceRpm?: string;
}

function nulTerminated(data: Buffer, offset: number): string | undefined {
  const end = data.indexOf(0, offset);
  return end < 0 ? undefined : data.toString('utf8', offset, end);
}

/**
 * Parses an rpm header blob as rpmdb stores it (no lead magic): the index length and data length
 * (big-endian 32-bit), that many 16-byte index entries (tag, type, offset, count), then the data
 * store. Returns why it cannot, for a damaged header.
 */
export function parseRpmHeader(blob: Uint8Array): RpmHeader | string {
  const data = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  if (data.length < 8) return 'the header is shorter than its preamble';
  const entries = data.readUInt32BE(0);
  const storeLength = data.readUInt32BE(4);
  if (entries < 1 || entries > MAX_HEADER_ENTRIES) return `it claims ${entries} tags`;
  const storeStart = 8 + entries * 16;
  if (storeStart + storeLength > data.length) return 'it is shorter than its index says';
  const store = data.subarray(storeStart, storeStart + storeLength);
  const strings = new Map<number, string>();
  const numbers = new Map<number, number>();
  for (let i = 0; i < entries; i++) {
    const at = 8 + i * 16;
    const tag = data.readInt32BE(at);
    const type = data.readUInt32BE(at + 4);
    const offset = data.readInt32BE(at + 8);
    const count = data.readUInt32BE(at + 12);
    if (!WANTED_TAGS.has(tag)) continue;
    if (offset < 0 || offset >= store.length) return `tag ${tag} points outside the data`;
    if (type === TYPE_INT32) {
      if (count < 1 || offset + 4 > store.length) return `tag ${tag} points outside the data`;
      numbers.set(tag, store.readUInt32BE(offset));
    } else if (
      type === TYPE_STRING ||
      type === TYPE_I18NSTRING ||
      (type === TYPE_STRING_ARRAY && count >= 1)
    ) {
      // For arrays and translated strings, the first (the untranslated) one.
      const text = nulTerminated(store, offset);
      if (text === undefined) return `tag ${tag} is not terminated`;
      strings.set(tag, text);
    }
  }
  const name = strings.get(TAG.name);
  const version = strings.get(TAG.version);
  const release = strings.get(TAG.release);
  if (!name || !version || release === undefined) return 'it has no name, version or release';
  const epoch = numbers.get(TAG.epoch);
  const arch = strings.get(TAG.arch);
  const license = strings.get(TAG.license);
  const sourceRpm = strings.get(TAG.sourceRpm);
  return {
    name,
    version,
    release,
    ...(epoch !== undefined ? { epoch } : {}),
    ...(arch ? { arch } : {}),
    ...(license ? { license } : {}),
    ...(sourceRpm ? { sourceRpm } : {}),
  };
}

/** `name-version-release.src.rpm` split at its last two hyphens. */
export function parseSourceRpm(
  file: string,
): { name: string; version: string; release: string } | undefined {
  const match = /^(.+)-([^-]+)-([^-]+)\.(?:no)?src\.rpm$/.exec(file);
  return match ? { name: match[1]!, version: match[2]!, release: match[3]! } : undefined;
}

/** The package as the scanner reports it: `[epoch:]version-release`, and its source rpm. */
export function rpmPackage(header: RpmHeader, os: OperatingSystem | undefined, path: string) {
  const epoch = header.epoch ? `${header.epoch}:` : '';
  const version = `${epoch}${header.version}-${header.release}`;
  const source = header.sourceRpm ? parseSourceRpm(header.sourceRpm) : undefined;
  const qualifiers = [
    ...(header.arch ? [`arch=${purlPart(header.arch)}`] : []),
    ...(os?.versionId ? [`distro=${purlPart(`${os.id}-${os.versionId}`)}`] : []),
  ];
  const namespace = os ? `${purlPart(os.id)}/` : '';
  const pkg: Package = {
    type: 'rpm',
    name: header.name,
    version,
    purl: `pkg:rpm/${namespace}${purlPart(header.name)}@${purlPart(version)}${qualifiers.length ? `?${qualifiers.join('&')}` : ''}`,
    // A source rpm's file name has no epoch; the binary packages it builds carry it.
    source: source
      ? { name: source.name, version: `${epoch}${source.version}-${source.release}` }
      : { name: header.name, version },
    path: `/${path}`,
  };
  return pkg;
}

interface Materialised {
  file: string;
  layer: number;
  bytes: number;
  tooLarge: boolean;
}

/**
 * Collects rpm databases as their layers stream by (a `walkLayers` inspect sink), then lists the
 * packages of those the final image has. `dispose` deletes the temporary copies; call it always.
 */
export class RpmDatabases {
  readonly #limit: number;
  #dir: string | undefined;
  readonly #copies = new Map<string, Materialised>();
  /** Copies being written; a walk that fails mid-file leaves them to `dispose`. */
  readonly #open = new Set<number>();

  constructor(limit = MAX_RPMDB_BYTES) {
    this.#limit = limit;
  }

  /** A sink writing an rpmdb.sqlite to its private copy, or undefined for other files. */
  sink(meta: FileMeta): FileSink | undefined {
    const index = RPMDB_SQLITE_PATHS.indexOf(meta.path);
    if (index < 0) return undefined;
    this.#dir ??= mkdtempSync(join(tmpdir(), 'consign-rpmdb-'));
    const file = join(this.#dir, `rpmdb-${index}.sqlite`);
    // A later layer's version replaces the earlier copy.
    const copy: Materialised = { file, layer: meta.layer, bytes: 0, tooLarge: false };
    this.#copies.set(meta.path, copy);
    const fd = openSync(file, 'w', 0o600);
    this.#open.add(fd);
    const close = () => {
      if (this.#open.delete(fd)) closeSync(fd);
    };
    return {
      write: (chunk) => {
        if (copy.tooLarge) return;
        if (copy.bytes + chunk.length > this.#limit) {
          copy.tooLarge = true;
          close();
          return;
        }
        try {
          writeSync(fd, chunk);
        } catch (error) {
          close();
          throw error;
        }
        copy.bytes += chunk.length;
      },
      end: () => {
        close();
        return Promise.resolve();
      },
    };
  }

  /** The final image's rpm packages, and notes on databases that could not be read. */
  packages(
    view: FileView,
    os: OperatingSystem | undefined,
  ): { packages: Package[]; skipped: SkippedFile[] } {
    const packages: Package[] = [];
    const skipped: SkippedFile[] = [];
    const seen = new Set<string>();
    let found = false;
    for (const path of RPMDB_SQLITE_PATHS) {
      // var/lib/rpm is often a link to usr/lib/sysimage/rpm: read the real file once.
      const real = view.resolve(path);
      if (real === undefined || seen.has(real)) continue;
      seen.add(real);
      const meta = view.files.get(real);
      const copy = this.#copies.get(real);
      if (meta?.type !== 'file' || !copy || copy.layer !== meta.layer) continue;
      found = true;
      if (copy.tooLarge) {
        skipped.push({
          path: `/${real}`,
          reason: `the rpm database is larger than ${this.#limit} bytes; its rpm packages are not listed`,
        });
        continue;
      }
      const read = readRpmDatabase(copy.file);
      if (typeof read === 'string') {
        skipped.push({
          path: `/${real}`,
          reason: `the rpm database cannot be read (${read}); its rpm packages are not listed`,
        });
        continue;
      }
      for (const header of read.headers) {
        // Imported signing keys are stored as pseudo-packages; they are not software.
        if (header.name === 'gpg-pubkey') continue;
        packages.push(rpmPackage(header, os, real));
      }
      if (read.damaged) {
        skipped.push({
          path: `/${real}`,
          reason: `${read.damaged} package ${read.damaged === 1 ? 'header' : 'headers'} in the rpm database cannot be read (${read.firstError}); those packages are not listed`,
        });
      }
    }
    if (!found) skipped.push(...legacyDatabases(view));
    return { packages, skipped };
  }

  dispose(): void {
    for (const fd of this.#open) closeSync(fd);
    this.#open.clear();
    if (this.#dir) rmSync(this.#dir, { recursive: true, force: true });
    this.#dir = undefined;
    this.#copies.clear();
  }
}

/** The databases rpm wrote before 4.16 (BerkeleyDB) or with its ndb backend: named, not read. */
function legacyDatabases(view: FileView): SkippedFile[] {
  const notes: SkippedFile[] = [];
  const seen = new Set<string>();
  const note = (paths: string[], format: string) => {
    for (const path of paths) {
      const real = view.resolve(path);
      if (real === undefined || seen.has(real) || view.files.get(real)?.type !== 'file') continue;
      seen.add(real);
      notes.push({
        path: `/${real}`,
        reason: `this image's rpm database is in ${format} format, which Consign does not read; its rpm packages are not listed`,
      });
    }
  };
  note(BDB_PATHS, 'BerkeleyDB');
  note(NDB_PATHS, 'ndb');
  return notes;
}

/**
 * Reads every header of a materialised rpmdb.sqlite. rpm leaves its database in WAL mode, which
 * SQLite will not open read-only without a shared-memory file beside it: the copy's header is
 * set back to rollback-journal mode first (the copy is private, and the WAL was empty or
 * checkpointed when rpm closed it).
 */
export function readRpmDatabase(
  file: string,
): { headers: RpmHeader[]; damaged: number; firstError?: string } | string {
  const fd = openSync(file, 'r+');
  try {
    const head = Buffer.alloc(100);
    if (readSync(fd, head, 0, 100, 0) < 100 || !head.subarray(0, 16).equals(SQLITE_MAGIC)) {
      return 'it is not an SQLite database';
    }
    if (head[18] === 2 && head[19] === 2) writeSync(fd, Buffer.from([1, 1]), 0, 2, 18);
  } finally {
    closeSync(fd);
  }
  let db;
  try {
    db = new (loadSqlite().DatabaseSync)(file, { readOnly: true });
  } catch (error) {
    return (error as Error).message;
  }
  try {
    const headers: RpmHeader[] = [];
    let damaged = 0;
    let firstError: string | undefined;
    for (const row of db.prepare('SELECT blob FROM Packages ORDER BY hnum').iterate()) {
      const blob = (row as { blob: unknown }).blob;
      const header =
        blob instanceof Uint8Array ? parseRpmHeader(blob) : 'the entry is not a header blob';
      if (typeof header === 'string') {
        damaged++;
        firstError ??= header;
      } else {
        headers.push(header);
      }
    }
    return { headers, damaged, ...(firstError ? { firstError } : {}) };
  } catch (error) {
    return (error as Error).message;
  } finally {
    db.close();
  }
}
