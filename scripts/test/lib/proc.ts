// Process helpers for the test environment: spawning detached services with their output in a log
// file, liveness checks that treat zombies as dead (PID 1 in containers often does not reap), and
// stopping whole process groups with a SIGKILL fallback.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** Environment variable set on every service we start, so leftovers can be found and stopped. */
export const OWNER_VAR = 'CONSIGN_TEST_ENV_OWNER';

const EXTRA_PATH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/** Absolute path of an executable on PATH (plus the sbin directories), or null. */
export function which(cmd: string): string | null {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...EXTRA_PATH];
  for (const dir of dirs) {
    const file = join(dir, cmd);
    try {
      const st = statSync(file);
      if (st.isFile() && (st.mode & 0o111) !== 0) return file;
    } catch {
      // not here
    }
  }
  return null;
}

export function requireCommand(cmd: string): string {
  const file = which(cmd);
  if (!file) throw new Error(`required command not found: ${cmd}`);
  return file;
}

/** True if the process exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return existsSync(`/proc/${pid}`);
  }
}

function readEnviron(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'latin1');
  } catch {
    return '';
  }
}

/** True if the process carries our owner marker (guards against PID reuse). */
export function isOwnedBy(pid: number, owner: string, variable = OWNER_VAR): boolean {
  return `\0${readEnviron(pid)}`.includes(`\0${variable}=${owner}\0`);
}

function ancestors(): Set<number> {
  const set = new Set<number>([process.pid]);
  let pid = process.ppid;
  for (let i = 0; i < 64 && pid > 1; i++) {
    set.add(pid);
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      pid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    } catch {
      break;
    }
  }
  return set;
}

/** Live processes (other than us and our ancestors) that carry the owner marker. */
export function findOwnedProcesses(owner: string, variable = OWNER_VAR): number[] {
  const skip = ancestors();
  const found: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return found;
  }
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (skip.has(pid)) continue;
    if (isOwnedBy(pid, owner, variable) && isAlive(pid)) found.push(pid);
  }
  return found;
}

export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}

function signal(pid: number, sig: NodeJS.Signals, group: boolean): void {
  try {
    process.kill(group ? -pid : pid, sig);
  } catch {
    if (group) {
      try {
        process.kill(pid, sig);
      } catch {
        // already gone
      }
    }
  }
}

export async function waitGone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await sleep(50);
  }
  return !isAlive(pid);
}

/**
 * Stop a process (and its process group if it leads one): SIGTERM, wait, then SIGKILL.
 * Returns true if it had to be killed.
 */
export async function stopProcess(
  pid: number,
  opts: { group?: boolean; timeoutMs?: number } = {},
): Promise<boolean> {
  const group = opts.group ?? true;
  if (!isAlive(pid)) {
    if (group) signal(pid, 'SIGKILL', true); // stragglers left in the group
    return false;
  }
  signal(pid, 'SIGTERM', group);
  if (await waitGone(pid, opts.timeoutMs ?? 10_000)) {
    if (group) signal(pid, 'SIGKILL', true);
    return false;
  }
  signal(pid, 'SIGKILL', group);
  await waitGone(pid, 5_000);
  return true;
}

export function tail(file: string, lines = 30): string {
  try {
    const text = readFileSync(file, 'utf8').trimEnd();
    const all = text.split('\n');
    return all.slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

export function logTailMessage(name: string, file: string, lines = 30): string {
  return `--- last lines of ${name} log (${file}) ---\n${tail(file, lines)}\n--- end of ${name} log ---`;
}

export interface ServiceSpawn {
  cmd: string;
  args: string[];
  log: string;
  env: NodeJS.ProcessEnv;
  cwd?: string;
  /** Written to the service's stdin, which is then closed. */
  stdin?: string;
}

/** Start a long-running service in its own process group with stdout+stderr appended to a log. */
export function spawnService(spec: ServiceSpawn): ChildProcess {
  const fd = openSync(spec.log, 'a');
  try {
    const options: SpawnOptions = {
      cwd: spec.cwd,
      env: spec.env,
      detached: true,
      stdio: [spec.stdin === undefined ? 'ignore' : 'pipe', fd, fd],
    };
    const child = spawn(spec.cmd, spec.args, options);
    child.on('error', () => {
      // reported through the exit / readiness checks
    });
    if (spec.stdin !== undefined && child.stdin) {
      child.stdin.on('error', () => {});
      child.stdin.end(spec.stdin);
    }
    return child;
  } finally {
    closeSync(fd);
  }
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Run a short command to completion, capturing output. */
export function run(
  cmd: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      env: opts.env ?? process.env,
      cwd: opts.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, sig) => {
      clearTimeout(timer);
      resolve({ code, signal: sig, stdout, stderr });
    });
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');
  });
}

/** Run a command and throw with its output if it fails. */
export async function runChecked(
  cmd: string,
  args: string[],
  opts: Parameters<typeof run>[2] = {},
): Promise<string> {
  const res = await run(cmd, args, opts);
  if (res.code !== 0) {
    const out = `${res.stdout}\n${res.stderr}`.trim().split('\n').slice(-20).join('\n');
    throw new Error(
      `${cmd} ${args.join(' ')} failed (${res.signal ?? `exit ${res.code}`}):\n${out}`,
    );
  }
  return res.stdout;
}

/** A free TCP port on 127.0.0.1 (bind port 0, read it, release it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const addr = server.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('no port'))));
    });
  });
}

export class WaitTimeoutError extends Error {}

/**
 * Poll `check` until it returns a value other than undefined. Fails on timeout, on abort, or
 * early when `failFast` returns a reason (e.g. the service process exited).
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  opts: {
    timeoutMs?: number;
    intervalMs?: number;
    signal?: AbortSignal;
    failFast?: () => string | undefined;
  } = {},
): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  for (;;) {
    opts.signal?.throwIfAborted();
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
    }
    const reason = opts.failFast?.();
    if (reason) throw new Error(`${what}: ${reason}`);
    if (Date.now() >= deadline) {
      throw new WaitTimeoutError(
        `timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}` +
          (lastError ? ` (last error: ${lastError})` : ''),
      );
    }
    await sleep(opts.intervalMs ?? 100);
  }
}
