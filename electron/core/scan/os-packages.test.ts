import { describe, expect, it } from 'vitest';
import { apkPackages } from './apk';
import { dpkgPackages, parseControl } from './dpkg';
import { FileView, type FileMeta } from './layers';
import { detectOs, parseOsRelease } from './os-release';

function viewOf(files: Record<string, string | { link: string }>): FileView {
  const view = new FileView();
  for (const [path, value] of Object.entries(files)) {
    const meta: FileMeta = {
      path,
      type: typeof value === 'string' ? 'file' : 'symlink',
      size: typeof value === 'string' ? value.length : 0,
      mode: 0o644,
      uid: 0,
      gid: 0,
      layer: 0,
      ...(typeof value === 'string' ? {} : { linkname: value.link }),
    };
    view.files.set(path, meta);
    if (typeof value === 'string') {
      view.contents.set(path, { data: Buffer.from(value), truncated: false });
    }
  }
  return view;
}

const DEBIAN_OS = `PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
`;

describe('os-release', () => {
  it('parses quoted values and escapes', () => {
    const values = parseOsRelease('A="x \\"y\\""\nB=\'single\'\n# comment\nC=plain\n');
    expect(Object.fromEntries(values)).toEqual({ A: 'x "y"', B: 'single', C: 'plain' });
  });

  it('finds the OS through the usual symlink and names its OSV ecosystem', () => {
    const view = viewOf({
      'usr/lib/os-release': DEBIAN_OS,
      'etc/os-release': { link: '../usr/lib/os-release' },
    });
    expect(detectOs(view)).toEqual({
      id: 'debian',
      versionId: '12',
      prettyName: 'Debian GNU/Linux 12 (bookworm)',
      codename: 'bookworm',
      ecosystem: 'Debian:12',
    });
    const alpine = viewOf({ 'etc/os-release': 'ID=alpine\nVERSION_ID=3.20.3\n' });
    expect(detectOs(alpine)?.ecosystem).toBe('Alpine:v3.20');
    expect(detectOs(viewOf({}))).toBeUndefined();
  });
});

describe('dpkg', () => {
  const status = `Package: libc6
Status: install ok installed
Priority: optional
Architecture: amd64
Multi-Arch: same
Source: glibc
Version: 2.36-9+deb12u4
Description: GNU C Library: Shared libraries
 Contains the standard libraries that are used by nearly all programs on
 the system.

Package: zlib1g
Status: install ok installed
Architecture: amd64
Source: zlib (1:1.2.13.dfsg-1)
Version: 1:1.2.13.dfsg-1

Package: removed-one
Status: deinstall ok config-files
Architecture: amd64
Version: 1.0-1

Package: base-files
Status: hold ok installed
Architecture: amd64
Version: 12.4+deb12u5
`;

  it('folds continuation lines into fields', () => {
    const [first] = parseControl(status);
    expect(first?.get('description')).toContain('\nthe system.');
  });

  it('lists installed packages with their source package and purl', () => {
    const view = viewOf({ 'var/lib/dpkg/status': status, 'etc/os-release': DEBIAN_OS });
    const packages = dpkgPackages(view, detectOs(view));
    expect(packages.map((p) => [p.name, p.version, p.source])).toEqual([
      ['libc6', '2.36-9+deb12u4', { name: 'glibc', version: '2.36-9+deb12u4' }],
      ['zlib1g', '1:1.2.13.dfsg-1', { name: 'zlib', version: '1:1.2.13.dfsg-1' }],
      ['base-files', '12.4+deb12u5', { name: 'base-files', version: '12.4+deb12u5' }],
    ]);
    expect(packages[1]!.purl).toBe(
      'pkg:deb/debian/zlib1g@1%3A1.2.13.dfsg-1?arch=amd64&distro=debian-12',
    );
  });

  it('reads distroless status.d files and skips their md5sums', () => {
    const view = viewOf({
      'var/lib/dpkg/status.d/tzdata':
        'Package: tzdata\nVersion: 2024a-0+deb12u1\nArchitecture: all\n',
      'var/lib/dpkg/status.d/tzdata.md5sums': 'abc  usr/share/zoneinfo/UTC\n',
    });
    expect(dpkgPackages(view, undefined).map((p) => [p.name, p.path])).toEqual([
      ['tzdata', 'var/lib/dpkg/status.d/tzdata'],
    ]);
  });
});

describe('apk', () => {
  it('lists installed packages with origin and purl', () => {
    const view = viewOf({
      'lib/apk/db/installed': `C:Q1abc=
P:musl
V:1.2.5-r0
A:x86_64
o:musl
T:the musl c library

P:libcrypto3
V:3.3.2-r0
A:x86_64
o:openssl
`,
    });
    const packages = apkPackages(view, { id: 'alpine', versionId: '3.20.3' });
    expect(packages.map((p) => [p.name, p.version, p.source?.name, p.purl])).toEqual([
      ['musl', '1.2.5-r0', 'musl', 'pkg:apk/alpine/musl@1.2.5-r0?arch=x86_64&distro=3.20.3'],
      [
        'libcrypto3',
        '3.3.2-r0',
        'openssl',
        'pkg:apk/alpine/libcrypto3@3.3.2-r0?arch=x86_64&distro=3.20.3',
      ],
    ]);
  });
});
