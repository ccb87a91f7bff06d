/** Alpine packages from apk's database, `lib/apk/db/installed`. */
import type { FileView } from './layers';
import type { OperatingSystem } from './os-release';
import { purlPart, type Package } from './types';

export const APK_INSTALLED = 'lib/apk/db/installed';

export function apkPackages(view: FileView, os: OperatingSystem | undefined): Package[] {
  const file = view.read(APK_INSTALLED);
  if (!file) return [];
  const found: Package[] = [];
  // Stanzas of one-letter fields ("P:name", "V:version", "o:origin", "A:arch"), blank-line separated.
  for (const stanza of file.data.toString('utf8').split(/\n\s*\n/)) {
    const fields = new Map<string, string>();
    for (const line of stanza.split('\n')) {
      if (line[1] === ':' && !fields.has(line[0]!)) fields.set(line[0]!, line.slice(2).trim());
    }
    const name = fields.get('P');
    const version = fields.get('V');
    if (!name || !version) continue;
    const arch = fields.get('A');
    const qualifiers = [
      ...(arch ? [`arch=${purlPart(arch)}`] : []),
      ...(os?.versionId ? [`distro=${purlPart(os.versionId)}`] : []),
    ];
    found.push({
      type: 'apk',
      name,
      version,
      purl: `pkg:apk/alpine/${purlPart(name)}@${purlPart(version)}${qualifiers.length ? `?${qualifiers.join('&')}` : ''}`,
      source: { name: fields.get('o') || name, version },
      path: APK_INSTALLED,
    });
  }
  return found;
}
