/**
 * Files that the OS package manager installed: dpkg's `var/lib/dpkg/info/*.list` and apk's
 * `F:`/`R:` entries in its database. An application package whose file is one of them (a
 * python3-xyz dist-info, a Go tool shipped in a deb, a Java library from a libxyz-java package)
 * is the OS package's content: its fixes come through the distribution's advisories, which name
 * the OS package, and its version is often patched without changing the upstream one. So, as
 * other scanners do, it is left out of the report: the OS package already lists and matches it,
 * and matching it again against PyPI or Go data would report what the distribution has fixed.
 * (rpm databases are read for their headers only, so rpm-owned files are not known here.)
 */
import { posix } from 'node:path';
import { APK_INSTALLED } from './apk';
import type { FileView } from './layers';
import type { Package } from './types';

export const DPKG_INFO = 'var/lib/dpkg/info';

/** One package's file list is at most a few hundred KiB; larger is not one. */
export const MAX_FILE_LIST_BYTES = 16 * 1024 * 1024;

export const isDpkgFileList = (path: string) =>
  path.startsWith(`${DPKG_INFO}/`) &&
  path.endsWith('.list') &&
  !path.slice(DPKG_INFO.length + 1).includes('/');

/**
 * The image's path for a listed one: relative, and with /usr merged, as Debian 12 and later
 * images are (/bin is a link to usr/bin, and package lists may still name /bin/…).
 */
export function canonicalPath(path: string): string {
  const relative = path.replace(/^\/+/, '').replace(/\/+$/, '');
  return /^(bin|sbin|lib|lib32|lib64|libx32)(\/|$)/.test(relative) ? `usr/${relative}` : relative;
}

/** Every path (files and directories) the OS package manager says it installed. */
export function osOwnedPaths(view: FileView): Set<string> {
  const owned = new Set<string>();
  for (const [, file] of view.readUnder(DPKG_INFO)) {
    for (const line of file.data.toString('utf8').split('\n')) {
      if (line && line !== '/.') owned.add(canonicalPath(line));
    }
  }
  const apk = view.read(APK_INSTALLED);
  if (apk) {
    let folder = '';
    for (const line of apk.data.toString('utf8').split('\n')) {
      if (line.startsWith('F:')) {
        folder = line.slice(2).trim();
        owned.add(canonicalPath(folder));
      } else if (line.startsWith('R:')) {
        owned.add(canonicalPath(`${folder}/${line.slice(2).trim()}`));
      } else if (line.trim() === '') folder = '';
    }
  }
  return owned;
}

/**
 * Whether a package's file belongs to an OS package: the file itself is listed, or (a Python
 * distribution's METADATA/PKG-INFO) the .dist-info/.egg-info folder holding it is.
 */
export function isOsOwned(pkg: Package, owned: ReadonlySet<string>): boolean {
  if (!pkg.path) return false;
  const path = canonicalPath(pkg.path);
  if (owned.has(path)) return true;
  return pkg.type === 'pypi' && owned.has(posix.dirname(path));
}

/** The application packages that no OS package installed. */
export function withoutOsOwned(packages: Package[], owned: ReadonlySet<string>): Package[] {
  return owned.size ? packages.filter((pkg) => !isOsOwned(pkg, owned)) : packages;
}
