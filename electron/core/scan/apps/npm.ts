/**
 * npm packages: lockfiles (`package-lock.json` and `npm-shrinkwrap.json` of lockfileVersion 1, 2
 * and 3, and the hidden `node_modules/.package-lock.json`) and installed
 * `node_modules/<name>/package.json` files. An installed tree is the truth about what is there;
 * a lockfile fills in for projects whose `node_modules` is not in the image.
 */
import { posix } from 'node:path';
import { purlPart, type Package } from '../types';

/** A lockfile's entry, keyed by its install location relative to the project folder. */
export interface LockEntry {
  /** `node_modules/a/node_modules/@s/b` */
  location: string;
  name: string;
  version: string;
  dev: boolean;
}

export interface Lockfile {
  path: string;
  /** The project folder the locations are relative to ('' for the root). */
  base: string;
  entries: LockEntry[];
}

const LOCKFILE = /(^|\/)(package-lock|npm-shrinkwrap)\.json$/;
const HIDDEN_LOCKFILE = /(^|\/)node_modules\/\.package-lock\.json$/;
/** A package's own manifest: directly in `node_modules/<name>/` or `node_modules/@scope/<name>/`. */
const INSTALLED = /(^|\/)node_modules\/(@[^/.][^/]*\/)?[^/.@][^/]*\/package\.json$/;

export const isNpmLockfile = (path: string) => LOCKFILE.test(path) || HIDDEN_LOCKFILE.test(path);
export const isNpmManifest = (path: string) => INSTALLED.test(path);

/** `pkg:npm/%40scope/name@1.0.0`: the scope is the namespace, its `@` percent-encoded. */
export function npmPurl(name: string, version: string): string {
  const slash = name.startsWith('@') ? name.indexOf('/') : -1;
  const id =
    slash > 0
      ? `${purlPart(name.slice(0, slash))}/${purlPart(name.slice(slash + 1))}`
      : purlPart(name);
  return `pkg:npm/${id}@${purlPart(version)}`;
}

const record = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;

/** The installed name from a location: what follows its last `node_modules/`. */
function nameAt(location: string): string {
  const at = location.lastIndexOf('node_modules/');
  return at < 0 ? location : location.slice(at + 'node_modules/'.length);
}

/** v1 spells aliases `npm:real-name@1.2.3`; the package is the real one. */
function unalias(name: string, version: string): { name: string; version: string } {
  if (!version.startsWith('npm:')) return { name, version };
  const spec = version.slice(4);
  const at = spec.lastIndexOf('@');
  return at > 0 ? { name: spec.slice(0, at), version: spec.slice(at + 1) } : { name, version };
}

/** Parses a lockfile; undefined when it is not one (not JSON, or no packages map). */
export function parseLockfile(path: string, text: string): Lockfile | undefined {
  let json: Record<string, unknown> | undefined;
  try {
    json = record(JSON.parse(text));
  } catch {
    return undefined;
  }
  if (!json) return undefined;
  const hidden = HIDDEN_LOCKFILE.test(path);
  // The hidden lockfile sits inside node_modules; its locations start at the project folder.
  const dir = posix.dirname(path);
  const base = hidden ? posix.dirname(dir) : dir;
  const entries: LockEntry[] = [];
  const packages = record(json.packages);
  if (packages) {
    // lockfileVersion 2 and 3: a flat map of install locations; "" is the project itself, and
    // locations outside node_modules are workspace folders, linked rather than installed.
    for (const [location, value] of Object.entries(packages)) {
      const entry = record(value);
      if (!entry || !location.includes('node_modules/') || entry.link === true) continue;
      if (typeof entry.version !== 'string') continue;
      const name = typeof entry.name === 'string' ? entry.name : nameAt(location);
      entries.push({ location, name, version: entry.version, dev: entry.dev === true });
    }
  } else {
    // lockfileVersion 1: nested `dependencies`, each level one node_modules deeper.
    const walk = (deps: unknown, parent: string, depth: number) => {
      const map = record(deps);
      if (!map || depth > 64) return;
      for (const [key, value] of Object.entries(map)) {
        const entry = record(value);
        if (!entry || typeof entry.version !== 'string') continue;
        const location = `${parent ? `${parent}/` : ''}node_modules/${key}`;
        entries.push({ location, ...unalias(key, entry.version), dev: entry.dev === true });
        walk(entry.dependencies, location, depth + 1);
      }
    };
    if (!record(json.dependencies)) return undefined;
    walk(json.dependencies, '', 0);
  }
  return { path, base: base === '.' ? '' : base, entries };
}

/** Name and version of an installed package's manifest, if it has both. */
export function parseManifest(text: string): { name: string; version: string } | undefined {
  try {
    const json = record(JSON.parse(text));
    if (typeof json?.name === 'string' && typeof json.version === 'string' && json.name) {
      return { name: json.name, version: json.version };
    }
  } catch {
    // Not JSON: not a package manifest.
  }
  return undefined;
}

export function npmPackage(name: string, version: string, path: string): Package {
  return { type: 'npm', name, version, purl: npmPurl(name, version), path };
}

/**
 * Installed packages, plus lockfile entries for trees that are not installed. Where a lockfile's
 * project has a node_modules tree, entries missing from it were left out on purpose (dev
 * dependencies under `--omit=dev`, other platforms' optional packages) and are not reported.
 */
export function npmInventory(
  installed: Map<string, { name: string; version: string }>,
  lockfiles: Lockfile[],
): Package[] {
  const found: Package[] = [];
  const dirs = new Set<string>();
  for (const [path, pkg] of installed) {
    dirs.add(posix.dirname(path));
    found.push(npmPackage(pkg.name, pkg.version, path));
  }
  const hasTree = (base: string) => {
    const prefix = `${base ? `${base}/` : ''}node_modules/`;
    for (const dir of dirs) if (dir.startsWith(prefix)) return true;
    return false;
  };
  const seen = new Set<string>();
  for (const lockfile of lockfiles) {
    const installedTree = hasTree(lockfile.base);
    for (const entry of lockfile.entries) {
      const dir = lockfile.base ? `${lockfile.base}/${entry.location}` : entry.location;
      const key = `${dir}@${entry.version}`;
      if (installedTree || dirs.has(dir) || seen.has(key)) continue;
      seen.add(key);
      found.push(npmPackage(entry.name, entry.version, lockfile.path));
    }
  }
  return found;
}
