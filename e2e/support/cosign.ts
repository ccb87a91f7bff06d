import { execFile } from 'node:child_process';

export interface CosignRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs cosign as a customer would, offline: with its own empty HOME (no cached TUF root or
 * credentials) and every proxied request sent to a closed port, so it can reach nothing beyond
 * the loopback registry it is pointed at.
 */
export function runCosign(cosign: string, args: string[], home: string): Promise<CosignRun> {
  return new Promise((done) => {
    execFile(
      cosign,
      args,
      {
        cwd: home,
        timeout: 90_000,
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          HOME: home,
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
