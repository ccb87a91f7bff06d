/**
 * Debian packages from dpkg's database: `var/lib/dpkg/status` (installed packages only) and the
 * one-file-per-package `var/lib/dpkg/status.d/` that distroless images use.
 */
import type { FileView } from './layers';
import type { OperatingSystem } from './os-release';
import { purlPart, type Package } from './types';

export const DPKG_STATUS = 'var/lib/dpkg/status';
export const DPKG_STATUS_D = 'var/lib/dpkg/status.d';

/** Splits deb822 control data into stanzas of fields (continuation lines folded in). */
export function parseControl(text: string): Map<string, string>[] {
  const stanzas: Map<string, string>[] = [];
  let current = new Map<string, string>();
  let last: string | undefined;
  for (const line of text.split('\n')) {
    if (line.trim() === '') {
      if (current.size) stanzas.push(current);
      current = new Map();
      last = undefined;
      continue;
    }
    if ((line[0] === ' ' || line[0] === '\t') && last) {
      current.set(last, `${current.get(last)}\n${line.trim()}`);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    last = line.slice(0, colon).trim().toLowerCase();
    current.set(last, line.slice(colon + 1).trim());
  }
  if (current.size) stanzas.push(current);
  return stanzas;
}

function packageOf(fields: Map<string, string>, os: OperatingSystem | undefined, path: string) {
  const name = fields.get('package');
  const version = fields.get('version');
  if (!name || !version) return undefined;
  // "Source: name" or "Source: name (version)" when the source version differs.
  const source = /^(\S+)(?:\s+\((\S+)\))?$/.exec(fields.get('source') ?? '');
  const arch = fields.get('architecture');
  const qualifiers = [
    ...(arch ? [`arch=${purlPart(arch)}`] : []),
    ...(os?.versionId ? [`distro=${purlPart(`${os.id}-${os.versionId}`)}`] : []),
  ];
  const vendor = os?.id === 'ubuntu' ? 'ubuntu' : 'debian';
  const pkg: Package = {
    type: 'deb',
    name,
    version,
    purl: `pkg:deb/${vendor}/${purlPart(name)}@${purlPart(version)}${qualifiers.length ? `?${qualifiers.join('&')}` : ''}`,
    source: { name: source?.[1] ?? name, version: source?.[2] ?? version },
    path,
  };
  return pkg;
}

/** Installed means dpkg's status says so: "install ok installed" (or hold). */
function installed(fields: Map<string, string>): boolean {
  const status = fields.get('status');
  // status.d stanzas carry no Status field: each file is an installed package.
  if (status === undefined) return true;
  return status.split(/\s+/)[2] === 'installed';
}

export function dpkgPackages(view: FileView, os: OperatingSystem | undefined): Package[] {
  const found: Package[] = [];
  const status = view.read(DPKG_STATUS);
  const sources: [string, string][] = status ? [[DPKG_STATUS, status.data.toString('utf8')]] : [];
  for (const [path, file] of view.readUnder(DPKG_STATUS_D)) {
    if (path.endsWith('.md5sums')) continue;
    sources.push([path, file.data.toString('utf8')]);
  }
  for (const [path, text] of sources) {
    for (const fields of parseControl(text)) {
      if (!installed(fields)) continue;
      const pkg = packageOf(fields, os, path);
      if (pkg) found.push(pkg);
    }
  }
  return found;
}

/** Whether a path is one of dpkg's database files the scanner reads. */
export function isDpkgDatabase(path: string): boolean {
  return (
    path === DPKG_STATUS || (path.startsWith(`${DPKG_STATUS_D}/`) && !path.endsWith('.md5sums'))
  );
}
