import { describe, expect, it } from 'vitest';
import { pythonPackage } from './apps/python';
import { FileView } from './layers';
import { canonicalPath, isDpkgFileList, isOsOwned, osOwnedPaths, withoutOsOwned } from './owned';
import type { Package } from './types';

function viewOf(files: Record<string, string>): FileView {
  const view = new FileView();
  for (const [path, text] of Object.entries(files)) {
    view.files.set(path, {
      path,
      type: 'file',
      size: text.length,
      mode: 0o644,
      uid: 0,
      gid: 0,
      layer: 0,
    });
    view.contents.set(path, { data: Buffer.from(text), truncated: false });
  }
  return view;
}

const goTool = (path: string): Package => ({
  type: 'go',
  name: 'example.com/tool',
  version: 'v1.2.3',
  purl: 'pkg:golang/example.com/tool@v1.2.3',
  path,
});

describe('OS-owned application files', () => {
  it('knows dpkg file lists by their path', () => {
    expect(isDpkgFileList('var/lib/dpkg/info/python3-six.list')).toBe(true);
    expect(isDpkgFileList('var/lib/dpkg/info/libc6:amd64.list')).toBe(true);
    expect(isDpkgFileList('var/lib/dpkg/info/python3-six.md5sums')).toBe(false);
    expect(isDpkgFileList('var/lib/dpkg/info/nested/x.list')).toBe(false);
    expect(isDpkgFileList('opt/var/lib/dpkg/info/x.list')).toBe(false);
  });

  it('maps listed paths to the merged-/usr image paths', () => {
    expect(canonicalPath('/bin/tool')).toBe('usr/bin/tool');
    expect(canonicalPath('/lib/python3/dist-packages/x')).toBe('usr/lib/python3/dist-packages/x');
    expect(canonicalPath('/usr/bin/tool')).toBe('usr/bin/tool');
    expect(canonicalPath('/library/x')).toBe('library/x');
    expect(canonicalPath('/opt/app/')).toBe('opt/app');
  });

  it('reads ownership from dpkg lists and apk folders and files', () => {
    const owned = osOwnedPaths(
      viewOf({
        'var/lib/dpkg/info/python3-six.list': [
          '/.',
          '/usr/lib/python3/dist-packages/six-1.16.0.dist-info',
          '/usr/lib/python3/dist-packages/six-1.16.0.dist-info/METADATA',
          '/usr/lib/python3/dist-packages/six.py',
          '',
        ].join('\n'),
        'var/lib/dpkg/info/tool.list': '/.\n/bin\n/bin/tool\n',
        'lib/apk/db/installed': [
          'P:py3-idna',
          'V:3.7-r0',
          'F:usr/lib/python3.12/site-packages/idna-3.7.dist-info',
          'R:METADATA',
          'R:RECORD',
          '',
          'P:other',
          'R:stray',
          '',
        ].join('\n'),
      }),
    );
    expect(owned.has('usr/lib/python3/dist-packages/six-1.16.0.dist-info/METADATA')).toBe(true);
    expect(owned.has('usr/bin/tool')).toBe(true);
    expect(owned.has('usr/lib/python3.12/site-packages/idna-3.7.dist-info/METADATA')).toBe(true);
    // A file line outside a folder stanza is not joined to the previous package's folder.
    expect(owned.has('usr/lib/python3.12/site-packages/idna-3.7.dist-info/stray')).toBe(false);
    expect(owned.has('')).toBe(false);
  });

  it('leaves out the language packages an OS package installed, and keeps the others', () => {
    const owned = new Set([
      'usr/lib/python3/dist-packages/six-1.16.0.dist-info',
      'usr/lib/python3/dist-packages/yaml-6.0.egg-info',
      'usr/bin/tool',
    ]);
    const debSix = pythonPackage(
      'six',
      '1.16.0',
      'usr/lib/python3/dist-packages/six-1.16.0.dist-info/METADATA',
    );
    const debYaml = pythonPackage(
      'PyYAML',
      '6.0',
      'usr/lib/python3/dist-packages/yaml-6.0.egg-info/PKG-INFO',
    );
    const pipSix = pythonPackage(
      'six',
      '1.16.0',
      'usr/local/lib/python3.11/site-packages/six-1.16.0.dist-info/METADATA',
    );
    const debTool = goTool('usr/bin/tool');
    const ownTool = goTool('app/tool');
    expect(isOsOwned(debSix, owned)).toBe(true);
    expect(isOsOwned(debYaml, owned)).toBe(true);
    expect(isOsOwned(debTool, owned)).toBe(true);
    // Only a Python distribution is owned through its metadata folder.
    expect(isOsOwned(goTool('usr/bin/tool/inner'), owned)).toBe(false);
    expect(withoutOsOwned([debSix, pipSix, debYaml, debTool, ownTool], owned)).toEqual([
      pipSix,
      ownTool,
    ]);
    expect(withoutOsOwned([debSix], new Set())).toEqual([debSix]);
  });
});
