import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { expect } from 'vitest';
import { testEnv } from './test-env';

export const CLI = resolve('out/cli/consign.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built `consign` command on this Node (22) with the given environment additions. */
export function runConsign(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: options.timeoutMs ?? 60_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', fail);
    child.on('close', (code, signal) => done({ code: code ?? (signal ? 128 : 1), stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

/**
 * `consign` on one workspace with the test keychain (the home is read at each call, so it may be
 * set in beforeAll), plus any environment of the test's own.
 */
export function workspaceCli(
  home: () => string,
  env: NodeJS.ProcessEnv = {},
  timeoutMs?: number,
): (args: string[], input?: string) => Promise<CliResult> {
  const test = testEnv();
  return (args, input) =>
    runConsign([...args, '--home', home()], {
      ...(input === undefined ? {} : { input }),
      env: {
        CONSIGN_KEYCHAIN_SERVICE: test.keychainService,
        DBUS_SESSION_BUS_ADDRESS: test.dbusSessionBusAddress,
        ...env,
      },
      ...(timeoutMs ? { timeoutMs } : {}),
    });
}

/** A command's JSON answer, after checking its exit code (its output explains a wrong one). */
export function jsonOf<T>(result: CliResult, code = 0): T {
  expect(result.code, `${result.stderr}\n${result.stdout}`).toBe(code);
  return JSON.parse(result.stdout) as T;
}

/** Copies a local Docker image to `ref` with `consign copy` and returns the reference and digest. */
export async function copyFromDaemon(
  consign: (args: string[]) => Promise<CliResult>,
  local: string,
  ref: string,
): Promise<{ ref: string; digest: string }> {
  const { digest } = jsonOf<{ digest: string }>(
    await consign(['copy', `docker-daemon:${local}`, ref, '--json']),
  );
  return { ref, digest };
}
