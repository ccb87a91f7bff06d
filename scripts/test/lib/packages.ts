// Debian packages the test environment needs, and installing the missing ones (as root on
// Debian/Ubuntu) with apt-get. Nothing else is ever downloaded.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, readSync } from 'node:fs';
import { which } from './proc.ts';

export const CHROMIUM_CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

/** True if the file is an ELF executable without a program interpreter (statically linked). */
export function isStaticElf(file: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const head = Buffer.alloc(64);
    if (readSync(fd, head, 0, 64, 0) < 52) return false;
    if (head.readUInt32BE(0) !== 0x7f454c46) return false;
    const is64 = head[4] === 2;
    const le = head[5] === 1;
    const u16 = (b: Buffer, o: number) => (le ? b.readUInt16LE(o) : b.readUInt16BE(o));
    const u32 = (b: Buffer, o: number) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
    const phoff = is64
      ? Number(le ? head.readBigUInt64LE(32) : head.readBigUInt64BE(32))
      : u32(head, 28);
    const phentsize = u16(head, is64 ? 54 : 42);
    const phnum = u16(head, is64 ? 56 : 44);
    const table = Buffer.alloc(phentsize * phnum);
    readSync(fd, table, 0, table.length, phoff);
    for (let i = 0; i < phnum; i++) {
      if (u32(table, i * phentsize) === 3 /* PT_INTERP */) return false;
    }
    return true;
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** A statically linked busybox (from busybox-static), or null. */
export function staticBusybox(): string | null {
  const candidates = ['/bin/busybox', '/usr/bin/busybox', which('busybox')];
  for (const file of candidates) if (file && isStaticElf(file)) return file;
  return null;
}

export function chromiumPath(): string | null {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv && existsSync(fromEnv)) return fromEnv;
  return CHROMIUM_CANDIDATES.find((f) => existsSync(f)) ?? null;
}

interface Requirement {
  pkg: string;
  what: string;
  present: () => boolean;
}

const has = (cmd: string) => () => which(cmd) !== null;

export const REQUIREMENTS: Requirement[] = [
  {
    pkg: 'docker.io',
    what: 'dockerd, docker',
    present: () => !!which('dockerd') && !!which('docker'),
  },
  { pkg: 'docker-registry', what: 'docker-registry', present: has('docker-registry') },
  { pkg: 'gnome-keyring', what: 'gnome-keyring-daemon', present: has('gnome-keyring-daemon') },
  { pkg: 'libsecret-tools', what: 'secret-tool', present: has('secret-tool') },
  {
    pkg: 'dbus',
    what: 'dbus-run-session, dbus-daemon, dbus-send',
    present: () => !!which('dbus-run-session') && !!which('dbus-daemon') && !!which('dbus-send'),
  },
  { pkg: 'chromium', what: '/usr/bin/chromium', present: () => chromiumPath() !== null },
  { pkg: 'busybox-static', what: 'static /bin/busybox', present: () => staticBusybox() !== null },
  { pkg: 'skopeo', what: 'skopeo', present: has('skopeo') },
  { pkg: 'openssl', what: 'openssl', present: has('openssl') },
  { pkg: 'apache2-utils', what: 'htpasswd', present: has('htpasswd') },
  { pkg: 'time', what: '/usr/bin/time (benchmarks)', present: () => existsSync('/usr/bin/time') },
  {
    pkg: 'ca-certificates',
    what: '/etc/ssl/certs/ca-certificates.crt',
    present: () => existsSync('/etc/ssl/certs/ca-certificates.crt'),
  },
  // The real version comparators the vulnerability matcher's orderings are tested against.
  {
    pkg: 'libdpkg-perl',
    what: 'Dpkg::Version (version oracle)',
    present: () => existsSync('/usr/share/perl5/Dpkg/Version.pm'),
  },
  {
    pkg: 'python3-rpm',
    what: "rpm's Python bindings (version oracle)",
    present: () => existsSync('/usr/lib/python3/dist-packages/rpm/__init__.py'),
  },
  {
    pkg: 'python3-packaging',
    what: 'Python packaging (PEP 440 oracle)',
    present: () => existsSync('/usr/lib/python3/dist-packages/packaging/version.py'),
  },
  {
    pkg: 'default-jdk-headless',
    what: 'java, javac (Maven version oracle)',
    present: () => !!which('java') && !!which('javac'),
  },
  {
    pkg: 'libmaven3-core-java',
    what: 'maven-artifact jar (Maven version oracle)',
    present: () => existsSync('/usr/share/java/maven3-artifact.jar'),
  },
  { pkg: 'golang-go', what: 'go (Go version oracle)', present: has('go') },
  {
    pkg: 'golang-golang-x-mod-dev',
    what: 'golang.org/x/mod/semver source (Go version oracle)',
    present: () => existsSync('/usr/share/gocode/src/golang.org/x/mod/semver/semver.go'),
  },
  // rpm databases for the scanner's tests: tiny packages built and installed into a SQLite rpmdb.
  {
    pkg: 'rpm',
    what: 'rpm, rpmbuild (rpm database test images)',
    present: () => !!which('rpm') && !!which('rpmbuild'),
  },
  // A real Debian 12 root file system for the scanner's tests (from Debian's own archive).
  { pkg: 'debootstrap', what: 'debootstrap (Debian test image)', present: has('debootstrap') },
];

export function missingPackages(): Requirement[] {
  return REQUIREMENTS.filter((r) => !r.present());
}

function isDebianLike(): boolean {
  try {
    const osr = readFileSync('/etc/os-release', 'utf8');
    return /^ID(_LIKE)?=.*\b(debian|ubuntu)\b/m.test(osr);
  } catch {
    return existsSync('/etc/debian_version');
  }
}

/**
 * Make sure every needed command is installed. As root on Debian/Ubuntu, runs `apt-get update`
 * once and installs what is missing; otherwise throws naming the packages.
 */
export function ensurePackages(log: (line: string) => void = console.log): void {
  const missing = missingPackages();
  if (missing.length === 0) return;
  const names = missing.map((r) => r.pkg);
  const detail = missing.map((r) => `${r.pkg} (${r.what})`).join(', ');
  const isRoot = process.getuid?.() === 0;
  if (!isRoot || !isDebianLike() || !which('apt-get')) {
    throw new Error(
      `the test environment needs these packages: ${detail}.\n` +
        `Install them with: sudo apt-get install -y --no-install-recommends ${names.join(' ')}`,
    );
  }
  log(`Installing missing packages: ${detail}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const aptGet = which('apt-get')!;
  const update = spawnSync(aptGet, ['update'], { stdio: 'inherit', env });
  if (update.status !== 0) throw new Error('apt-get update failed');
  const install = spawnSync(aptGet, ['install', '-y', '--no-install-recommends', ...names], {
    stdio: 'inherit',
    env,
  });
  if (install.status !== 0) throw new Error(`apt-get install ${names.join(' ')} failed`);
  const still = missingPackages();
  if (still.length > 0) {
    throw new Error(
      `still missing after apt-get install: ${still.map((r) => `${r.pkg} (${r.what})`).join(', ')}`,
    );
  }
}
