// Runs a command under GNU time (package `time`) for its wall time and peak resident memory.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const GNU_TIME = '/usr/bin/time';

const running = new Set<ChildProcess>();

/** Kill the commands being measured, with everything they started (on interruption). */
export function killMeasured(): void {
  for (const child of running) {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** The middle value (the mean of the two middle ones for an even count). */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export interface Measured {
  /** Wall-clock seconds, measured around the process. */
  seconds: number;
  /** Peak resident set size in MiB (of the largest process, as getrusage reports it). */
  peakRssMiB: number;
  /** CPU seconds the command used, user plus system, its children included. */
  cpuSeconds: number;
  code: number;
  /** Last lines of stderr when the command failed. */
  error?: string;
}

export function measure(
  cmd: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {},
): Promise<Measured> {
  if (!existsSync(GNU_TIME)) throw new Error(`${GNU_TIME} not found (Debian package time)`);
  const dir = mkdtempSync(join(tmpdir(), 'consign-bench-time-'));
  const out = join(dir, 'time.txt');
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(GNU_TIME, ['-f', '%e %M %U %S', '-o', out, cmd, ...args], {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['ignore', 'ignore', 'pipe'],
      // Its own process group, so an interruption can stop the command and its children.
      detached: true,
    });
    running.add(child);
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr = (stderr + d).slice(-8192);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 600_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      running.delete(child);
      rmSync(dir, { recursive: true, force: true });
      reject(err);
    });
    child.on('close', (code, sig) => {
      clearTimeout(timer);
      running.delete(child);
      const seconds = (performance.now() - started) / 1000;
      let peakKiB = 0;
      let cpuSeconds = 0;
      try {
        const last = readFileSync(out, 'utf8').trim().split('\n').pop() ?? '';
        const [, rss, user, system] = last.split(' ');
        peakKiB = Number(rss) || 0;
        cpuSeconds = (Number(user) || 0) + (Number(system) || 0);
      } catch {
        // time did not write (killed)
      }
      rmSync(dir, { recursive: true, force: true });
      const exit = code ?? (sig ? 128 : 1);
      resolve({
        seconds,
        peakRssMiB: peakKiB / 1024,
        cpuSeconds,
        code: exit,
        error: exit === 0 ? undefined : stderr.trim().split('\n').slice(-5).join('\n'),
      });
    });
  });
}
