/**
 * Go binaries: the build information the Go linker embeds (Go 1.18 and later), found while the
 * file streams by. It starts with the 14-byte magic `\xff Go buildinf:`, then a pointer size, a
 * flags byte and padding to 32 bytes; with the "inline" flag two varint-prefixed strings follow:
 * the toolchain version and the module information (`path`, `mod`, `dep`, `=>` lines).
 * Only a sliding window and the small blob are kept, never the binary.
 */
import { purlPart, type Package } from '../types';

const MAGIC = Buffer.from('\xff Go buildinf:', 'latin1');
const HEADER_BYTES = 32;
const FLAG_INLINE = 0x2;
/** Real module information is a few KiB; this bounds what a candidate may make us keep. */
export const MAX_BUILDINFO_BYTES = 1024 * 1024;
const ELF = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);

export interface GoBuildInfo {
  /** The toolchain, `go1.22.1`. */
  goVersion: string;
  /** The main package's import path. */
  path?: string;
  main?: GoModule;
  deps: GoModule[];
}

export interface GoModule {
  path: string;
  version: string;
  /** The module that replaced it (`=>`), when one did. */
  replace?: GoModule;
}

type Varint = { value: number; next: number } | undefined;

/** Go's unsigned LEB128; undefined when it runs past the data or is absurdly long. */
function uvarint(data: Buffer, at: number): Varint | 'short' {
  let value = 0;
  for (let i = 0; i < 5; i++) {
    if (at + i >= data.length) return 'short';
    const byte = data[at + i]!;
    value += (byte & 0x7f) * 2 ** (7 * i);
    if (byte < 0x80) return { value, next: at + i + 1 };
  }
  return undefined;
}

/** Parses the module information text the linker writes. */
export function parseModinfo(goVersion: string, modinfo: string): GoBuildInfo {
  const info: GoBuildInfo = { goVersion, deps: [] };
  let last: GoModule | undefined;
  for (const line of modinfo.split('\n')) {
    const [kind, path, version] = line.split('\t');
    if (kind === 'path' && path) info.path = path;
    else if ((kind === 'mod' || kind === 'dep') && path) {
      last = { path, version: version ?? '' };
      if (kind === 'mod') info.main = last;
      else info.deps.push(last);
    } else if (kind === '=>' && path && last) {
      last.replace = { path, version: version ?? '' };
    }
  }
  return info;
}

/** Decodes a candidate at the start of `data`: the info, 'short' for more bytes, or invalid. */
function decode(data: Buffer): GoBuildInfo | 'short' | 'invalid' | 'old' {
  if (data.length < HEADER_BYTES) return 'short';
  const pointerSize = data[MAGIC.length]!;
  const flags = data[MAGIC.length + 1]!;
  if (pointerSize !== 4 && pointerSize !== 8) return 'invalid';
  // Before Go 1.18 the header holds pointers into the data segment, which a stream cannot follow.
  if (!(flags & FLAG_INLINE)) return 'old';
  const versionLength = uvarint(data, HEADER_BYTES);
  if (versionLength === 'short') return 'short';
  if (!versionLength || versionLength.value > 256) return 'invalid';
  const versionEnd = versionLength.next + versionLength.value;
  const modLength = uvarint(data, versionEnd);
  if (modLength === 'short') return 'short';
  if (!modLength || modLength.value > MAX_BUILDINFO_BYTES) return 'invalid';
  const end = modLength.next + modLength.value;
  if (data.length < end) return 'short';
  const version = data.toString('utf8', versionLength.next, versionEnd);
  if (!/^(go1|devel )/.test(version)) return 'invalid';
  let mod = data.subarray(modLength.next, end);
  // The module text is framed by 16-byte sentinels around a newline-ended body.
  if (mod.length >= 33 && mod[mod.length - 17] === 0x0a) mod = mod.subarray(16, mod.length - 16);
  return parseModinfo(version, mod.toString('utf8'));
}

/**
 * Fed a file's chunks in order; `result` is the build info once found. Non-ELF files are
 * dropped at the first four bytes.
 */
export class GoBuildInfoFinder {
  result: GoBuildInfo | undefined;
  /** Why a Go binary's information could not be read, when that is the case. */
  problem: string | undefined;
  #state: 'head' | 'search' | 'collect' | 'done' = 'head';
  #pending = Buffer.alloc(0);

  write(chunk: Buffer): void {
    if (this.#state === 'done') return;
    if (this.#state === 'head') {
      const data = this.#pending.length ? Buffer.concat([this.#pending, chunk]) : chunk;
      if (data.length < ELF.length) {
        this.#pending = Buffer.from(data);
        return;
      }
      if (!data.subarray(0, ELF.length).equals(ELF)) {
        this.#finish();
        return;
      }
      this.#state = 'search';
      this.#pending = Buffer.alloc(0);
      this.#search(data);
      return;
    }
    if (this.#state === 'collect') {
      this.#search(Buffer.concat([this.#pending, chunk]));
      return;
    }
    // The common case: search the chunk where it lies. Only a magic that straddles the
    // previous chunk's last bytes needs them joined, and then only from where it starts.
    if (chunk.length < MAGIC.length) {
      // Tiny chunks: joining is cheap, and the tail must outlive them.
      this.#search(Buffer.concat([this.#pending, chunk]));
      return;
    }
    if (this.#pending.length) {
      const seam = Buffer.concat([this.#pending, chunk.subarray(0, MAGIC.length - 1)]);
      const at = seam.indexOf(MAGIC);
      if (at >= 0) {
        this.#search(Buffer.concat([this.#pending.subarray(at), chunk]));
        return;
      }
    }
    this.#search(chunk);
  }

  /** Looks for a valid header in `data`, keeping only a short tail or one pending candidate. */
  #search(data: Buffer): void {
    let from = 0;
    for (;;) {
      const at = data.indexOf(MAGIC, from);
      if (at < 0) {
        this.#state = 'search';
        this.#pending = Buffer.from(data.subarray(Math.max(from, data.length - MAGIC.length + 1)));
        return;
      }
      const outcome = decode(data.subarray(at));
      if (outcome === 'short') {
        if (data.length - at > MAX_BUILDINFO_BYTES + 64) {
          from = at + 1;
          continue;
        }
        this.#state = 'collect';
        this.#pending = Buffer.from(data.subarray(at));
        return;
      }
      if (outcome === 'invalid') {
        from = at + 1;
        continue;
      }
      if (outcome === 'old')
        this.problem = 'built with Go before 1.18, whose build information is not read';
      else this.result = outcome;
      this.#finish();
      return;
    }
  }

  #finish() {
    this.#state = 'done';
    this.#pending = Buffer.alloc(0);
  }
}

/** `pkg:golang/github.com/a/b@v1.2.3`: path segments are the namespace, each encoded. */
export function goPurl(module: string, version: string): string {
  return `pkg:golang/${module.split('/').map(purlPart).join('/')}@${purlPart(version)}`;
}

function goPackage(module: GoModule, path: string): Package {
  // A replacement with a version is the code that was built; a local folder keeps the original.
  const built = module.replace?.version ? module.replace : module;
  const version = built.version || '(devel)';
  return { type: 'go', name: built.path, version, purl: goPurl(built.path, version), path };
}

/** The main module, its dependencies and the standard library (as `stdlib`). */
export function goPackages(info: GoBuildInfo, path: string): Package[] {
  const found: Package[] = [];
  if (info.main) found.push(goPackage(info.main, path));
  for (const dep of info.deps) found.push(goPackage(dep, path));
  if (info.goVersion.startsWith('go1')) {
    // Toolchain versions may carry suffixes (`go1.22.1 X:nocoverageredesign`): the first word.
    const version = info.goVersion.split(/\s/)[0]!;
    found.push({
      type: 'go',
      name: 'stdlib',
      version,
      purl: goPurl('stdlib', version),
      path,
    });
  }
  return found;
}

/** The standard library's version as OSV's Go ecosystem spells it: `go1.21` → `1.21.0`. */
export function stdlibVersion(goVersion: string): string {
  const bare = goVersion.replace(/^go/, '');
  const [major, minor = '0', patch = '0'] = bare.split(/[-+]/)[0]!.split('.');
  const suffix = bare.slice(bare.split(/[-+]/)[0]!.length);
  // Go's own pre-releases (`go1.21rc2`) are spelled without a dash.
  const pre = /^(\d+)(rc|beta|alpha)(\d+)$/.exec(minor);
  if (pre) return `${major}.${pre[1]}.0-${pre[2]}.${pre[3]}`;
  return `${major}.${minor}.${patch}${suffix}`;
}
