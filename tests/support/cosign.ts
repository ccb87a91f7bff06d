// cosign run offline for interop tests: its own HOME (no cached TUF root, no docker config), every
// proxy variable pointed at a closed loopback port (anything beyond loopback fails loudly), and a
// minimal trusted root so key-based bundle verification needs no Sigstore infrastructure.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CliResult } from './consign-cli';

/** Flags that let cosign talk to a plain-HTTP loopback registry. */
export const COSIGN_REGISTRY_FLAGS = ['--allow-http-registry', '--allow-insecure-registry'];

export function runCosign(
  cosign: string,
  args: string[],
  options: { cwd: string; password?: string },
): Promise<CliResult> {
  return new Promise((done) => {
    execFile(
      cosign,
      args,
      {
        cwd: options.cwd,
        timeout: 90_000,
        maxBuffer: 16 * 1024 * 1024,
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          HOME: options.cwd,
          DOCKER_CONFIG: join(options.cwd, 'docker'),
          ...(options.password !== undefined ? { COSIGN_PASSWORD: options.password } : {}),
          HTTPS_PROXY: 'http://127.0.0.1:9',
          HTTP_PROXY: 'http://127.0.0.1:9',
          NO_PROXY: '',
        },
      },
      (error, stdout, stderr) =>
        done({
          code: error ? (typeof error.code === 'number' ? error.code : 1) : 0,
          stdout,
          stderr,
        }),
    );
  });
}

/**
 * Writes a trusted root with no authorities at all: enough for `--key` verification, and it
 * keeps cosign from fetching the public-good TUF root. Returns its path.
 */
export function writeMinimalTrustedRoot(dir: string): string {
  const path = join(dir, 'trusted-root.json');
  writeFileSync(
    path,
    JSON.stringify({ mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1' }),
  );
  return path;
}
