// Throwaway CNCF distribution registries for benchmarks: plain HTTP on loopback, storage in a
// folder of their own that is deleted when the registry stops, so every measurement can start
// from an empty destination (no blob already present, nothing to mount from another repository).
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from '../../test/lib/http.ts';
import {
  findOwnedProcesses,
  freePort,
  logTailMessage,
  requireCommand,
  spawnService,
  stopProcess,
  waitFor,
} from '../../test/lib/proc.ts';

/** Set on every registry a benchmark starts, with the benchmark's work folder as value. */
export const BENCH_OWNER_VAR = 'CONSIGN_BENCH_OWNER';

export interface Registry {
  name: string;
  /** 127.0.0.1:PORT */
  host: string;
  pid: number;
  dir: string;
}

function config(port: number, storage: string): string {
  return [
    'version: 0.1',
    'log:',
    '  level: error',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${JSON.stringify(storage)}`,
    '  delete:',
    '    enabled: true',
    '  maintenance:',
    '    uploadpurging:',
    '      enabled: false',
    'http:',
    `  addr: 127.0.0.1:${port}`,
    `  secret: ${randomBytes(18).toString('base64url')}`,
    'health:',
    '  storagedriver:',
    '    enabled: false',
    '',
  ].join('\n');
}

export class RegistryPool {
  readonly workDir: string;
  readonly running = new Map<string, Registry>();
  private counter = 0;

  constructor(workDir: string) {
    this.workDir = workDir;
  }

  /** Start an empty registry; retries on another port if the chosen one got taken. */
  async start(name: string): Promise<Registry> {
    const bin = requireCommand('docker-registry');
    const dir = join(this.workDir, 'registries', `${name}-${++this.counter}`);
    const storage = join(dir, 'data');
    mkdirSync(storage, { recursive: true });
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('REGISTRY_')) env[k] = v;
    env[BENCH_OWNER_VAR] = this.workDir;
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const file = join(dir, 'config.yml');
      writeFileSync(file, config(port, storage));
      const log = join(dir, 'registry.log');
      const child = spawnService({ cmd: bin, args: ['serve', file], env, log });
      let exited: string | undefined;
      child.once('exit', (code, sig) => (exited = `exited (${sig ?? `code ${code}`})`));
      try {
        await waitFor(
          `registry ${name} on 127.0.0.1:${port}`,
          async () =>
            (await request(`http://127.0.0.1:${port}/v2/`, { timeoutMs: 2000 })).status === 200
              ? true
              : undefined,
          { timeoutMs: 30_000, failFast: () => exited },
        );
      } catch (err) {
        if (child.pid) await stopProcess(child.pid);
        if (attempt < 3) continue;
        throw new Error(`${(err as Error).message}\n${logTailMessage(name, log)}`, { cause: err });
      }
      const registry = { name, host: `127.0.0.1:${port}`, pid: child.pid!, dir };
      this.running.set(registry.host, registry);
      return registry;
    }
  }

  /** Stop a registry and delete its storage. */
  async stop(registry: Registry): Promise<void> {
    await stopProcess(registry.pid, { timeoutMs: 5_000 });
    this.running.delete(registry.host);
    rmSync(registry.dir, { recursive: true, force: true });
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.running.values()].map((r) => this.stop(r)));
    // Anything else carrying our marker (e.g. after an interrupted start).
    for (const pid of findOwnedProcesses(this.workDir, BENCH_OWNER_VAR)) {
      await stopProcess(pid, { group: false, timeoutMs: 5_000 });
    }
  }
}

/** The digest a registry answers for a manifest (HEAD, Docker-Content-Digest). */
export async function manifestDigest(host: string, repo: string, ref: string): Promise<string> {
  const res = await request(`http://${host}/v2/${repo}/manifests/${ref}`, {
    method: 'HEAD',
    headers: {
      accept: [
        'application/vnd.oci.image.manifest.v1+json',
        'application/vnd.oci.image.index.v1+json',
        'application/vnd.docker.distribution.manifest.v2+json',
        'application/vnd.docker.distribution.manifest.list.v2+json',
      ].join(', '),
    },
  });
  if (res.status !== 200) return '';
  return String(res.headers['docker-content-digest'] ?? '');
}

let clockTicks: number | undefined;

/**
 * CPU seconds (user plus system) a running registry has used so far, from /proc: what it spends
 * hashing and storing what it receives counts against the same cores as the client's work.
 */
export function registryCpuSeconds(registry: Registry): number {
  clockTicks ??= Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;
  const stat = readFileSync(`/proc/${registry.pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may hold spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / clockTicks;
}
