/**
 * The image's operating system from os-release (`etc/os-release`, else `usr/lib/os-release`), and
 * the OSV ecosystem its packages' advisories are published under.
 */
import type { FileView } from './layers';

export const OS_RELEASE_PATHS = ['etc/os-release', 'usr/lib/os-release'];

export interface OperatingSystem {
  id: string;
  versionId?: string;
  prettyName?: string;
  codename?: string;
  /** The OSV ecosystem of its packages (`Debian:12`, `Alpine:v3.20`), when advisories exist for it. */
  ecosystem?: string;
}

/** Parses os-release's shell-style `KEY=value` lines (quotes and backslash escapes). */
export function parseOsRelease(text: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^\s*([A-Z0-9_]+)=(.*)$/.exec(line);
    if (!match) continue;
    let value = match[2]!.trim();
    const quote = value[0];
    if ((quote === '"' || quote === "'") && value.endsWith(quote) && value.length >= 2) {
      value = value.slice(1, -1);
      if (quote === '"') value = value.replace(/\\(["\\$`])/g, '$1');
    }
    values.set(match[1]!, value);
  }
  return values;
}

function ecosystemOf(id: string, versionId: string | undefined): string | undefined {
  if (!versionId) return undefined;
  switch (id) {
    case 'debian':
      return `Debian:${versionId.split('.')[0]}`;
    case 'ubuntu':
      return `Ubuntu:${versionId}`;
    case 'alpine': {
      const [major, minor] = versionId.split('.');
      return minor === undefined ? undefined : `Alpine:v${major}.${minor}`;
    }
    case 'rocky':
      return `Rocky Linux:${versionId.split('.')[0]}`;
    case 'almalinux':
      return `AlmaLinux:${versionId.split('.')[0]}`;
    // Red Hat's advisories are split by repository ("Red Hat:enterprise_linux:9::appstream"); the
    // database matches this prefix against each of them.
    case 'rhel':
      return `Red Hat:enterprise_linux:${versionId.split('.')[0]}`;
    case 'opensuse-leap':
      return `openSUSE:Leap ${versionId}`;
    case 'opensuse-tumbleweed':
      return 'openSUSE:Tumbleweed';
    case 'sles': {
      const [major, servicePack] = versionId.split('.');
      return `SUSE:Linux Enterprise Server ${major}${servicePack && servicePack !== '0' ? ` SP${servicePack}` : ''}`;
    }
    case 'mageia':
      return `Mageia:${versionId}`;
    default:
      return undefined;
  }
}

export function detectOs(view: FileView): OperatingSystem | undefined {
  for (const path of OS_RELEASE_PATHS) {
    const file = view.read(path);
    if (!file) continue;
    const values = parseOsRelease(file.data.toString('utf8'));
    const id = values.get('ID')?.toLowerCase();
    if (!id) continue;
    const versionId = values.get('VERSION_ID');
    const ecosystem = ecosystemOf(id, versionId);
    return {
      id,
      ...(versionId ? { versionId } : {}),
      ...(values.get('PRETTY_NAME') ? { prettyName: values.get('PRETTY_NAME')! } : {}),
      ...(values.get('VERSION_CODENAME') ? { codename: values.get('VERSION_CODENAME')! } : {}),
      ...(ecosystem ? { ecosystem } : {}),
    };
  }
  return undefined;
}
