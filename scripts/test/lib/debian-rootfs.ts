// A real Debian 12 root file system for the scanner's tests: `debootstrap --variant=minbase`
// from the same Debian mirror the machine uses, packed as a tar once and kept beside the other
// fetched tools, so later runs only `docker import` it.
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { requireCommand, runChecked } from './proc.ts';
import { debianMirror } from './tools.ts';

export const DEBIAN_SUITE = 'bookworm';
export const DEBIAN_IMAGE = 'consign-test/debian:12-minbase';
const DEBOOTSTRAP_TIMEOUT_MS = 20 * 60_000;

/** The path of the packed root file system, building it when it is not there yet. */
export async function ensureDebianRootfs(
  dir: string,
  log: (line: string) => void,
): Promise<string> {
  const tar = join(dir, `debian-${DEBIAN_SUITE}-minbase.tar`);
  if (existsSync(tar)) return tar;
  const debootstrap = requireCommand('debootstrap');
  mkdirSync(dir, { recursive: true });
  const rootfs = join(dir, `debian-${DEBIAN_SUITE}-rootfs.partial`);
  rmSync(rootfs, { recursive: true, force: true });
  const mirror = debianMirror(DEBIAN_SUITE);
  log(`  debootstrap --variant=minbase ${DEBIAN_SUITE} from ${mirror} (once; a few minutes)`);
  try {
    await runChecked(debootstrap, ['--variant=minbase', DEBIAN_SUITE, rootfs, mirror], {
      timeoutMs: DEBOOTSTRAP_TIMEOUT_MS,
    });
    // apt's downloaded .deb files are not part of what an image ships.
    rmSync(join(rootfs, 'var', 'cache', 'apt', 'archives'), { recursive: true, force: true });
    mkdirSync(join(rootfs, 'var', 'cache', 'apt', 'archives', 'partial'), { recursive: true });
    const partialTar = `${tar}.partial`;
    await runChecked('tar', ['--numeric-owner', '--xattrs', '-C', rootfs, '-cf', partialTar, '.'], {
      timeoutMs: 10 * 60_000,
    });
    renameSync(partialTar, tar);
  } finally {
    rmSync(rootfs, { recursive: true, force: true });
  }
  return tar;
}

/** `docker import` of the packed root file system into the test engine. */
export async function importDebianImage(tar: string, dockerHost: string): Promise<string> {
  await runChecked(requireCommand('docker'), ['import', tar, DEBIAN_IMAGE], {
    env: { ...process.env, DOCKER_HOST: dockerHost },
    timeoutMs: 10 * 60_000,
  });
  return DEBIAN_IMAGE;
}
