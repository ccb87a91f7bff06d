// The real-parts test environment: a private dockerd, three CNCF distribution registries (plain
// HTTP; TLS with a throwaway CA + htpasswd basic auth; token auth with our token issuer), an
// unlocked throwaway gnome-keyring on a D-Bus session bus, and Debian's chromium.
//
//   node scripts/test/env.ts up       start everything, write .test-env/env.json, leave it running
//   node scripts/test/env.ts down     stop everything we started and remove the state (logs stay);
//                                     --force also when a running `npm test` brought it up
//   node scripts/test/env.ts status   show what is running
//
// `up` also makes sure cosign and oras from Debian trixie are in .tools/ (scripts/test/lib/tools.ts),
// which `down` keeps, and exports their paths as CONSIGN_TEST_COSIGN and CONSIGN_TEST_ORAS.
//
// After `up`, `npx vitest run --project integration` finds the services through
// tests/support/test-env.ts, which reads .test-env/env.json. `npm test` (scripts/test/run.ts) uses
// the same functions inside a `dbus-run-session`, so the bus dies with the run.
//
// Every service runs in its own process group with the environment variable
// CONSIGN_TEST_ENV_OWNER=<absolute .test-env path>; `down` (and every `up`, first) stops the recorded
// PIDs and any other process carrying that marker, so nothing from an earlier run survives.
import type { ChildProcess } from 'node:child_process';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeSessionBusConfig } from './lib/dbus.ts';
import { basicAuth, parseChallenge, request } from './lib/http.ts';
import { chromiumPath, ensurePackages, staticBusybox } from './lib/packages.ts';
import { createPki, htpasswdLine, type TestPki } from './lib/pki.ts';
import { ensureDebianRootfs, importDebianImage } from './lib/debian-rootfs.ts';
import { ensureThirdPartyTools } from './lib/tools.ts';
import {
  commandLine,
  findOwnedProcesses,
  freePort,
  isAlive,
  isOwnedBy,
  logTailMessage,
  OWNER_VAR,
  requireCommand,
  run,
  runChecked,
  spawnService,
  stopProcess,
  tail,
  waitFor,
} from './lib/proc.ts';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const STATE_DIR = join(ROOT, '.test-env');
export const ENV_FILE = join(STATE_DIR, 'env.json');
export const LOG_DIR = join(STATE_DIR, 'logs');
/** cosign and oras from Debian trixie; outside STATE_DIR so `down` keeps them. */
export const TOOLS_DIR = join(ROOT, '.tools');
const STATE_FILE = join(STATE_DIR, 'state.json');
export const BASE_IMAGE = 'consign-test/busybox:base';
const TOKEN_SERVICE = 'consign-test-registry';
const TOKEN_ISSUER = 'consign-test-issuer';
const START_TIMEOUT_MS = 60_000;

/** Variables exported to the test processes (and written to .test-env/env.json). */
export const ENV_KEYS = [
  'CONSIGN_TEST_ENV',
  'CONSIGN_TEST_ENV_FILE',
  'DOCKER_HOST',
  'CONSIGN_TEST_REGISTRY_PLAIN',
  'CONSIGN_TEST_REGISTRY_TLS',
  'CONSIGN_TEST_REGISTRY_TLS_USER',
  'CONSIGN_TEST_REGISTRY_TLS_PASSWORD',
  'CONSIGN_TEST_CA_FILE',
  'CONSIGN_TEST_REGISTRY_TOKEN',
  'CONSIGN_TEST_TOKEN_REALM',
  'CONSIGN_TEST_TOKEN_SERVICE',
  'CONSIGN_TEST_TOKEN_USER',
  'CONSIGN_TEST_TOKEN_PASSWORD',
  'CONSIGN_TEST_TOKEN_READONLY_USER',
  'CONSIGN_TEST_TOKEN_READONLY_PASSWORD',
  'CONSIGN_TEST_BASE_IMAGE',
  'CHROMIUM_PATH',
  'DBUS_SESSION_BUS_ADDRESS',
  'CONSIGN_KEYCHAIN_SERVICE',
] as const;
/** Set when the third-party tools could be fetched (absent e.g. off Debian). */
export const OPTIONAL_ENV_KEYS = [
  'CONSIGN_TEST_COSIGN',
  'CONSIGN_TEST_ORAS',
  'CONSIGN_TEST_DEBIAN_IMAGE',
] as const;
export type EnvVars = Record<(typeof ENV_KEYS)[number], string> &
  Partial<Record<(typeof OPTIONAL_ENV_KEYS)[number], string>>;

interface ServiceRecord {
  name: string;
  pid: number;
  log: string;
}

interface State {
  owner: string;
  /** The process that ran `up` (the test runner, or `env.ts up` which exits right away). */
  holderPid: number;
  runDir: string;
  startedAt: string;
  services: ServiceRecord[];
}

export interface UpOptions {
  /**
   * Start a private dbus-daemon for the keyring (for `env.ts up` by hand). When false, the
   * keyring joins the session bus in DBUS_SESSION_BUS_ADDRESS (the orchestrator's
   * dbus-run-session).
   */
  ownBus: boolean;
  /** Let the services outlive this process (`env.ts up`). */
  detach?: boolean;
  signal?: AbortSignal;
  log?: (line: string) => void;
}

/**
 * Directory for sockets and dockerd's exec-root. Unix socket paths are limited to ~108 bytes and
 * containerd puts its sockets a few levels below the exec-root, so fall back to a short /tmp path.
 */
function runDirFor(): string {
  const local = join(STATE_DIR, 'run');
  if (local.length <= 48) return local;
  const hash = createHash('sha256').update(ROOT).digest('hex').slice(0, 10);
  return join('/tmp', `consign-test-${hash}`);
}

function readState(): State | null {
  try {
    return JSON.parse(readFileSync(STATE_FILE, 'utf8')) as State;
  } catch {
    return null;
  }
}

/** A random password; hex, so it never starts with "-" and is never read as an option. */
function secret(): string {
  return randomBytes(18).toString('hex');
}

/** Environment for a service: ours minus variables that would reconfigure it, plus the marker. */
function serviceEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('REGISTRY_') || k.startsWith('DOCKER_') || k.startsWith('CONSIGN_')) continue;
    if (k === 'NOTIFY_SOCKET' || k === 'GNOME_KEYRING_CONTROL' || k === 'SSH_AUTH_SOCK') continue;
    env[k] = v;
  }
  return { ...env, ...extra, [OWNER_VAR]: STATE_DIR };
}

class StartError extends Error {}

function startError(what: string, err: unknown, name: string, log: string): StartError {
  const reason = err instanceof Error ? err.message : String(err);
  return new StartError(`${what} failed: ${reason}\n${logTailMessage(name, log)}`);
}

/** Bookkeeping for one `up`: records every started process in state.json as soon as it exists. */
class Session {
  readonly state: State;
  readonly opts: UpOptions;
  readonly children: ChildProcess[] = [];

  constructor(opts: UpOptions, runDir: string) {
    this.opts = opts;
    this.state = {
      owner: STATE_DIR,
      holderPid: process.pid,
      runDir,
      startedAt: new Date().toISOString(),
      services: [],
    };
    this.save();
  }

  save(): void {
    writeFileSync(STATE_FILE, JSON.stringify(this.state, null, 2));
  }

  log(line: string): void {
    (this.opts.log ?? console.log)(line);
  }

  /** Spawn a recorded service; returns the child and a function telling whether it has exited. */
  start(
    name: string,
    cmd: string,
    args: string[],
    env: NodeJS.ProcessEnv,
    stdin?: string,
  ): { child: ChildProcess; log: string; exited: () => string | undefined } {
    const log = join(LOG_DIR, `${name}.log`);
    writeFileSync(log, `# ${new Date().toISOString()} ${cmd} ${args.join(' ')}\n`, { flag: 'a' });
    const child = spawnService({ cmd, args, env, log, stdin, cwd: STATE_DIR });
    let exitReason: string | undefined;
    child.once('exit', (code, sig) => {
      exitReason = `process exited (${sig ?? `code ${code}`})`;
    });
    child.once('error', (err) => {
      exitReason = `could not start ${cmd}: ${err.message}`;
    });
    if (child.pid) {
      this.state.services.push({ name, pid: child.pid, log });
      this.save();
    }
    this.children.push(child);
    return { child, log, exited: () => exitReason };
  }
}

// ---------------------------------------------------------------------------------------------
// dockerd

async function startDocker(s: Session): Promise<{ host: string; socket: string }> {
  const dockerd = requireCommand('dockerd');
  const dataRoot = join(STATE_DIR, 'docker', 'data');
  const execRoot = join(s.state.runDir, 'docker');
  const socket = join(s.state.runDir, 'docker.sock');
  const pidFile = join(s.state.runDir, 'docker.pid');
  const config = join(STATE_DIR, 'docker', 'daemon.json');
  mkdirSync(dataRoot, { recursive: true });
  writeFileSync(config, '{}\n');
  const ns = `consign-test-${createHash('sha256').update(STATE_DIR).digest('hex').slice(0, 8)}`;
  const svc = s.start(
    'dockerd',
    dockerd,
    [
      '--data-root',
      dataRoot,
      '--exec-root',
      execRoot,
      '--host',
      `unix://${socket}`,
      '--pidfile',
      pidFile,
      '--config-file',
      config,
      '--containerd-namespace',
      ns,
      '--containerd-plugins-namespace',
      `${ns}-plugins`,
      '--iptables=false',
      '--ip-forward=false',
      '--ip-masq=false',
      '--bridge=none',
      '--log-level=info',
    ],
    serviceEnv(),
  );
  try {
    await waitFor(
      'dockerd to answer /_ping',
      async () => {
        const res = await request('http://docker/_ping', { socketPath: socket, timeoutMs: 2000 });
        return res.status === 200 ? true : undefined;
      },
      { timeoutMs: START_TIMEOUT_MS, signal: s.opts.signal, failFast: svc.exited },
    );
  } catch (err) {
    throw startError('starting dockerd', err, 'dockerd', svc.log);
  }
  return { host: `unix://${socket}`, socket };
}

/** Build consign-test/busybox:base FROM scratch with the static busybox (nothing is pulled). */
async function buildBaseImage(s: Session, docker: { host: string; socket: string }): Promise<void> {
  const busybox = staticBusybox();
  if (!busybox) throw new Error('no statically linked busybox found (package busybox-static)');
  const ctx = join(STATE_DIR, 'docker', 'base-image');
  const rootfs = join(ctx, 'rootfs');
  rmSync(ctx, { recursive: true, force: true });
  mkdirSync(join(rootfs, 'bin'), { recursive: true });
  mkdirSync(join(rootfs, 'etc'), { recursive: true });
  mkdirSync(join(rootfs, 'tmp'), { recursive: true });
  chmodSync(join(rootfs, 'tmp'), 0o1777);
  copyFileSync(busybox, join(rootfs, 'bin', 'busybox'));
  chmodSync(join(rootfs, 'bin', 'busybox'), 0o755);
  const applets = (await runChecked(busybox, ['--list'])).split('\n').filter(Boolean);
  for (const applet of applets) {
    if (applet === 'busybox' || applet.includes('/')) continue;
    symlinkSync('busybox', join(rootfs, 'bin', applet));
  }
  writeFileSync(join(rootfs, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  writeFileSync(join(rootfs, 'etc', 'group'), 'root:x:0:\n');
  writeFileSync(
    join(ctx, 'Dockerfile'),
    [
      'FROM scratch',
      'COPY rootfs/ /',
      'LABEL org.opencontainers.image.title="consign test busybox"',
      'ENV PATH=/bin',
      'CMD ["/bin/sh"]',
      '',
    ].join('\n'),
  );
  const log = join(LOG_DIR, 'docker-build.log');
  const clientConfig = join(STATE_DIR, 'docker', 'client');
  mkdirSync(clientConfig, { recursive: true });
  const res = await run(requireCommand('docker'), ['build', '-t', BASE_IMAGE, ctx], {
    env: {
      ...serviceEnv(),
      DOCKER_HOST: docker.host,
      DOCKER_BUILDKIT: '0',
      DOCKER_CONFIG: clientConfig,
    },
    timeoutMs: 120_000,
  });
  writeFileSync(log, `${res.stdout}\n${res.stderr}`);
  if (res.code !== 0) {
    throw new StartError(
      `docker build of ${BASE_IMAGE} failed (${res.signal ?? `exit ${res.code}`})\n` +
        logTailMessage('docker build', log),
    );
  }
  const inspect = await request(`http://docker/images/${BASE_IMAGE}/json`, {
    socketPath: docker.socket,
  });
  if (inspect.status !== 200) {
    throw new StartError(`${BASE_IMAGE} is missing after the build (HTTP ${inspect.status})`);
  }
}

// ---------------------------------------------------------------------------------------------
// registries

interface RegistrySpec {
  name: string;
  tls?: { cert: string; key: string; ca: string };
  auth?: string;
}

function registryConfig(spec: RegistrySpec, port: number, storage: string): string {
  const lines = [
    'version: 0.1',
    'log:',
    '  level: info',
    '  fields:',
    `    service: ${spec.name}`,
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${JSON.stringify(storage)}`,
    '  delete:',
    '    enabled: true',
    '  cache:',
    '    blobdescriptor: inmemory',
    '  maintenance:',
    '    uploadpurging:',
    '      enabled: false',
    'http:',
    `  addr: 127.0.0.1:${port}`,
    `  secret: ${secret()}`,
    '  headers:',
    '    X-Content-Type-Options: [nosniff]',
  ];
  if (spec.tls) {
    lines.push(
      '  tls:',
      `    certificate: ${JSON.stringify(spec.tls.cert)}`,
      `    key: ${JSON.stringify(spec.tls.key)}`,
    );
  }
  if (spec.auth) lines.push(spec.auth);
  lines.push('health:', '  storagedriver:', '    enabled: false', '');
  return lines.join('\n');
}

/** Start a registry on a free port; retries on another port if the chosen one got taken. */
async function startRegistry(s: Session, spec: RegistrySpec): Promise<string> {
  const bin = requireCommand('docker-registry');
  const dir = join(STATE_DIR, 'registries', spec.name);
  const storage = join(dir, 'data');
  mkdirSync(storage, { recursive: true });
  const ca = spec.tls ? readFileSync(spec.tls.ca) : undefined;
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const config = join(dir, 'config.yml');
    writeFileSync(config, registryConfig(spec, port, storage));
    const name = `registry-${spec.name}`;
    const svc = s.start(name, bin, ['serve', config], serviceEnv());
    const scheme = spec.tls ? 'https' : 'http';
    try {
      await waitFor(
        `${name} on ${scheme}://127.0.0.1:${port}/v2/`,
        async () => {
          const res = await request(`${scheme}://127.0.0.1:${port}/v2/`, { ca, timeoutMs: 2000 });
          return res.status === 200 || res.status === 401 ? true : undefined;
        },
        { timeoutMs: START_TIMEOUT_MS, signal: s.opts.signal, failFast: svc.exited },
      );
      return `127.0.0.1:${port}`;
    } catch (err) {
      const busy = /address already in use/.test(tail(svc.log, 10));
      if (svc.child.pid) await stopProcess(svc.child.pid);
      if (busy && attempt < 3) {
        s.log(`  ${name}: port ${port} was taken, retrying on another port`);
        continue;
      }
      throw startError(`starting ${name}`, err, name, svc.log);
    }
  }
}

async function startIssuer(
  s: Session,
  pki: TestPki,
  users: { name: string; password: string; actions: string[] }[],
): Promise<string> {
  const dir = join(STATE_DIR, 'token-issuer');
  mkdirSync(dir, { recursive: true });
  const portFile = join(dir, 'port');
  const config = join(dir, 'config.json');
  writeFileSync(
    config,
    JSON.stringify(
      {
        host: '127.0.0.1',
        port: 0,
        portFile,
        issuer: TOKEN_ISSUER,
        service: TOKEN_SERVICE,
        keyFile: pki.issuerKey,
        certFile: pki.issuerCert,
        expiresIn: 900,
        users,
      },
      null,
      2,
    ),
    { mode: 0o600 },
  );
  const script = join(ROOT, 'scripts', 'test', 'token-issuer.ts');
  const svc = s.start('token-issuer', process.execPath, [script, '--config', config], serviceEnv());
  try {
    const port = await waitFor(
      'the token issuer to listen',
      () => (existsSync(portFile) ? readFileSync(portFile, 'utf8').trim() || undefined : undefined),
      { timeoutMs: START_TIMEOUT_MS, signal: s.opts.signal, failFast: svc.exited },
    );
    return `http://127.0.0.1:${port}/token`;
  } catch (err) {
    throw startError('starting the token issuer', err, 'token-issuer', svc.log);
  }
}

/** Prove the token flow end to end: 401 + Bearer challenge, token, 200. */
async function verifyTokenFlow(
  registry: string,
  realm: string,
  user: string,
  password: string,
): Promise<void> {
  const first = await request(`http://${registry}/v2/`);
  const challenge = parseChallenge(first.headers['www-authenticate'] as string | undefined);
  if (first.status !== 401 || challenge.scheme !== 'Bearer' || challenge.params.realm !== realm) {
    throw new StartError(
      `token registry: expected 401 with a Bearer challenge for ${realm}, got ${first.status} ` +
        `${String(first.headers['www-authenticate'])}`,
    );
  }
  const url = new URL(realm);
  url.searchParams.set('service', challenge.params.service ?? TOKEN_SERVICE);
  const tokenRes = await request(url.toString(), {
    headers: { authorization: basicAuth(user, password) },
  });
  if (tokenRes.status !== 200) {
    throw new StartError(`token issuer refused the test user: HTTP ${tokenRes.status}`);
  }
  const { token } = JSON.parse(tokenRes.body) as { token: string };
  const second = await request(`http://${registry}/v2/`, {
    headers: { authorization: `Bearer ${token}` },
  });
  if (second.status !== 200) {
    throw new StartError(
      `token registry refused the issuer's token: HTTP ${second.status} ${second.body.trim()}`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// D-Bus and the keyring

async function dbusSend(address: string, args: string[]): Promise<string> {
  return runChecked(
    requireCommand('dbus-send'),
    [`--bus=${address}`, '--print-reply', '--reply-timeout=2000', ...args],
    { timeoutMs: 5000 },
  );
}

async function startBus(s: Session): Promise<string> {
  const socket = join(s.state.runDir, 'bus');
  const address = `unix:path=${socket}`;
  const svc = s.start(
    'dbus',
    requireCommand('dbus-daemon'),
    [
      `--config-file=${writeSessionBusConfig(join(STATE_DIR, 'dbus-session.conf'))}`,
      '--nofork',
      '--nopidfile',
      `--address=${address}`,
      '--print-address=1',
    ],
    serviceEnv(),
  );
  try {
    await waitFor(
      'the private D-Bus session bus',
      async () => {
        if (!existsSync(socket)) return undefined;
        await dbusSend(address, [
          '--dest=org.freedesktop.DBus',
          '/org/freedesktop/DBus',
          'org.freedesktop.DBus.GetId',
        ]);
        return true;
      },
      { timeoutMs: START_TIMEOUT_MS, signal: s.opts.signal, failFast: svc.exited },
    );
  } catch (err) {
    throw startError('starting dbus-daemon', err, 'dbus', svc.log);
  }
  return address;
}

async function startKeyring(s: Session, busAddress: string): Promise<void> {
  const dataHome = join(STATE_DIR, 'keyring', 'data');
  const configHome = join(STATE_DIR, 'keyring', 'config');
  const runtimeDir = join(s.state.runDir, 'xdg');
  rmSync(join(STATE_DIR, 'keyring'), { recursive: true, force: true });
  mkdirSync(dataHome, { recursive: true });
  mkdirSync(configHome, { recursive: true });
  mkdirSync(runtimeDir, { recursive: true, mode: 0o700 });
  chmodSync(runtimeDir, 0o700);
  const env = serviceEnv({
    DBUS_SESSION_BUS_ADDRESS: busAddress,
    XDG_DATA_HOME: dataHome,
    XDG_CONFIG_HOME: configHome,
    XDG_RUNTIME_DIR: runtimeDir,
  });
  // --foreground rather than --daemonize: the PID we record is the daemon itself, and its
  // messages land in our log. The password on stdin creates and unlocks the default keyring.
  const svc = s.start(
    'keyring',
    requireCommand('gnome-keyring-daemon'),
    ['--foreground', '--unlock', '--components=secrets'],
    env,
    secret(),
  );
  const pid = svc.child.pid;
  try {
    await waitFor(
      'gnome-keyring-daemon to own org.freedesktop.secrets',
      async () => {
        const out = await dbusSend(busAddress, [
          '--dest=org.freedesktop.DBus',
          '/org/freedesktop/DBus',
          'org.freedesktop.DBus.GetConnectionUnixProcessID',
          'string:org.freedesktop.secrets',
        ]);
        const owner = Number(/uint32 (\d+)/.exec(out)?.[1]);
        if (owner !== pid) throw new Error(`org.freedesktop.secrets is owned by PID ${owner}`);
        return true;
      },
      { timeoutMs: START_TIMEOUT_MS, signal: s.opts.signal, failFast: svc.exited },
    );
    // A store / lookup / clear round trip proves the default collection is unlocked.
    const tool = requireCommand('secret-tool');
    const probe = secret();
    const attrs = ['consign-test-probe', probe];
    const toolEnv = { ...env, DBUS_SESSION_BUS_ADDRESS: busAddress };
    await runChecked(tool, ['store', '--label=consign test probe', ...attrs], {
      env: toolEnv,
      input: probe,
      timeoutMs: 20_000,
    });
    const back = await runChecked(tool, ['lookup', ...attrs], { env: toolEnv, timeoutMs: 20_000 });
    if (back.trim() !== probe) throw new Error('secret-tool lookup returned a different value');
    await runChecked(tool, ['clear', ...attrs], { env: toolEnv, timeoutMs: 20_000 });
  } catch (err) {
    throw startError('starting gnome-keyring-daemon', err, 'keyring', svc.log);
  }
}

// ---------------------------------------------------------------------------------------------
// up / down / status

/** PID of a still-running test runner (not us) that brought the environment up, or 0. */
function otherLiveHolder(state: State | null): number {
  const pid = state?.holderPid ?? 0;
  if (!pid || pid === process.pid || !isAlive(pid)) return 0;
  return /scripts\/test\/(run|env)\.ts/.test(commandLine(pid)) ? pid : 0;
}

function mountPointsUnder(dirs: string[]): string[] {
  let info: string;
  try {
    info = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return [];
  }
  const points: string[] = [];
  for (const line of info.split('\n')) {
    const field = line.split(' ')[4];
    if (!field) continue;
    const mp = field.replace(/\\([0-7]{3})/g, (_, o: string) =>
      String.fromCharCode(parseInt(o, 8)),
    );
    if (dirs.some((d) => mp.startsWith(`${d}/`))) points.push(mp);
  }
  return points.sort((a, b) => b.length - a.length);
}

/**
 * Stop everything a previous or the current `up` started (recorded PIDs first, then anything else
 * carrying our marker), unmount leftovers and remove the state, keeping the logs.
 */
export async function down(
  log: (line: string) => void = console.log,
  opts: { force?: boolean } = {},
): Promise<void> {
  const state = readState();
  const holder = otherLiveHolder(state);
  if (holder && !opts.force) {
    log(`  not stopping: the environment belongs to another test run (pid ${holder})`);
    return;
  }
  const runDir = state?.runDir ?? runDirFor();
  const services = [...(state?.services ?? [])].reverse();
  // dockerd gets longer to shut down cleanly (it stops containerd and unmounts its layers).
  await Promise.all(
    services.map(async (svc) => {
      if (!isAlive(svc.pid) || !isOwnedBy(svc.pid, STATE_DIR)) return;
      const killed = await stopProcess(svc.pid, {
        timeoutMs: svc.name === 'dockerd' ? 30_000 : 10_000,
      });
      log(`  stopped ${svc.name} (pid ${svc.pid})${killed ? ' with SIGKILL' : ''}`);
    }),
  );
  for (let round = 0; round < 3; round++) {
    const leftovers = findOwnedProcesses(STATE_DIR);
    if (leftovers.length === 0) break;
    await Promise.all(
      leftovers.map(async (pid) => {
        log(`  stopping leftover process ${pid}: ${commandLine(pid)}`);
        await stopProcess(pid, { group: false, timeoutMs: 5_000 });
      }),
    );
  }
  if (process.getuid?.() === 0) {
    for (const mp of mountPointsUnder([STATE_DIR, runDir])) {
      spawnSync('umount', ['-l', mp], { stdio: 'ignore' });
    }
  }
  if (existsSync(STATE_DIR)) {
    for (const entry of readdirSync(STATE_DIR)) {
      if (entry === 'logs') continue;
      try {
        rmSync(join(STATE_DIR, entry), { recursive: true, force: true, maxRetries: 3 });
      } catch (err) {
        log(`  warning: could not remove ${entry}: ${(err as Error).message}`);
      }
    }
  }
  if (!runDir.startsWith(`${STATE_DIR}/`)) rmSync(runDir, { recursive: true, force: true });
}

/** Bring the whole environment up and return the variables for the test processes. */
export async function up(opts: UpOptions): Promise<EnvVars> {
  if (process.getuid?.() !== 0) {
    throw new Error('the test environment starts its own dockerd and must run as root');
  }
  const log = opts.log ?? console.log;
  const chromium = chromiumPath();
  if (!chromium) throw new Error('chromium not found (Debian package chromium)');
  const holder = otherLiveHolder(readState());
  if (holder) {
    throw new Error(
      `another test run (pid ${holder}) is using ${STATE_DIR}; wait for it or stop it first`,
    );
  }
  // Whatever an earlier run left behind goes first (including a dockerd of ours).
  let announced = false;
  await down(
    (line) => {
      if (!announced) log('cleaning up after an earlier run:');
      announced = true;
      log(line);
    },
    { force: true },
  );
  rmSync(LOG_DIR, { recursive: true, force: true });
  mkdirSync(LOG_DIR, { recursive: true });
  const runDir = runDirFor();
  mkdirSync(runDir, { recursive: true, mode: 0o700 });
  const s = new Session(opts, runDir);

  let busAddress = process.env.DBUS_SESSION_BUS_ADDRESS ?? '';
  if (!opts.ownBus && !busAddress) {
    throw new Error('DBUS_SESSION_BUS_ADDRESS is not set (run inside dbus-run-session)');
  }

  try {
    const pkiDir = join(STATE_DIR, 'pki');
    mkdirSync(pkiDir, { recursive: true });
    const pki = await createPki(pkiDir);
    const tlsUser = 'consign-tls';
    const tlsPassword = secret();
    const tokenUser = 'consign-token';
    const tokenPassword = secret();
    const readonlyUser = 'consign-reader';
    const readonlyPassword = secret();
    const htpasswd = join(STATE_DIR, 'registries', 'tls', 'htpasswd');
    mkdirSync(dirname(htpasswd), { recursive: true });
    writeFileSync(htpasswd, `${await htpasswdLine(tlsUser, tlsPassword)}\n`, { mode: 0o600 });

    const dockerP = startDocker(s);
    const plainP = startRegistry(s, { name: 'plain' });
    const tlsP = startRegistry(s, {
      name: 'tls',
      tls: { cert: pki.serverCert, key: pki.serverKey, ca: pki.caCert },
      auth: [
        'auth:',
        '  htpasswd:',
        '    realm: consign-test-basic',
        `    path: ${JSON.stringify(htpasswd)}`,
      ].join('\n'),
    });
    const tokenP = (async () => {
      const realm = await startIssuer(s, pki, [
        { name: tokenUser, password: tokenPassword, actions: ['pull', 'push', 'delete', '*'] },
        { name: readonlyUser, password: readonlyPassword, actions: ['pull'] },
      ]);
      const registry = await startRegistry(s, {
        name: 'token',
        auth: [
          'auth:',
          '  token:',
          `    realm: ${realm}`,
          `    service: ${TOKEN_SERVICE}`,
          `    issuer: ${TOKEN_ISSUER}`,
          `    rootcertbundle: ${JSON.stringify(pki.issuerCert)}`,
        ].join('\n'),
      });
      await verifyTokenFlow(registry, realm, tokenUser, tokenPassword);
      return { realm, registry };
    })();
    const keyringP = (async () => {
      if (opts.ownBus) busAddress = await startBus(s);
      await startKeyring(s, busAddress);
    })();
    // Optional: tests needing them skip when the packages cannot be fetched.
    const toolsP = ensureThirdPartyTools(TOOLS_DIR, (line) => s.log(line)).catch((err: unknown) => {
      s.log(`  warning: no cosign/oras for interoperability tests: ${(err as Error).message}`);
      return null;
    });

    // Optional too: the scanner's tests skip without a Debian image.
    const debianP = ensureDebianRootfs(TOOLS_DIR, (line) => s.log(line)).catch((err: unknown) => {
      s.log(`  warning: no Debian test image for the scanner: ${(err as Error).message}`);
      return null;
    });

    const settled = await Promise.allSettled([dockerP, plainP, tlsP, tokenP, keyringP]);
    opts.signal?.throwIfAborted();
    const failures = settled.filter((r) => r.status === 'rejected');
    if (failures.length > 0) {
      throw new Error(failures.map((f) => String((f.reason as Error).message)).join('\n'));
    }
    const docker = await dockerP;
    await buildBaseImage(s, docker);
    opts.signal?.throwIfAborted();
    const token = await tokenP;

    const vars: EnvVars = {
      CONSIGN_TEST_ENV: '1',
      CONSIGN_TEST_ENV_FILE: ENV_FILE,
      DOCKER_HOST: docker.host,
      CONSIGN_TEST_REGISTRY_PLAIN: await plainP,
      CONSIGN_TEST_REGISTRY_TLS: await tlsP,
      CONSIGN_TEST_REGISTRY_TLS_USER: tlsUser,
      CONSIGN_TEST_REGISTRY_TLS_PASSWORD: tlsPassword,
      CONSIGN_TEST_CA_FILE: pki.caCert,
      CONSIGN_TEST_REGISTRY_TOKEN: token.registry,
      CONSIGN_TEST_TOKEN_REALM: token.realm,
      CONSIGN_TEST_TOKEN_SERVICE: TOKEN_SERVICE,
      CONSIGN_TEST_TOKEN_USER: tokenUser,
      CONSIGN_TEST_TOKEN_PASSWORD: tokenPassword,
      CONSIGN_TEST_TOKEN_READONLY_USER: readonlyUser,
      CONSIGN_TEST_TOKEN_READONLY_PASSWORD: readonlyPassword,
      CONSIGN_TEST_BASE_IMAGE: BASE_IMAGE,
      CHROMIUM_PATH: chromium,
      DBUS_SESSION_BUS_ADDRESS: busAddress,
      CONSIGN_KEYCHAIN_SERVICE: `consign-test-${randomBytes(6).toString('hex')}`,
    };
    const debianTar = await debianP;
    if (debianTar) {
      try {
        vars.CONSIGN_TEST_DEBIAN_IMAGE = await importDebianImage(debianTar, docker.host);
      } catch (err) {
        s.log(`  warning: the Debian test image could not be imported: ${(err as Error).message}`);
      }
    }
    const tools = await toolsP;
    if (tools) {
      vars.CONSIGN_TEST_COSIGN = tools.cosign;
      vars.CONSIGN_TEST_ORAS = tools.oras;
    }
    writeFileSync(ENV_FILE, `${JSON.stringify(vars, null, 2)}\n`, { mode: 0o600 });
    if (opts.detach) for (const child of s.children) child.unref();
    return vars;
  } catch (err) {
    if (opts.detach) for (const child of s.children) child.unref();
    throw err;
  }
}

export function status(): { up: boolean; lines: string[] } {
  const state = readState();
  const lines: string[] = [];
  if (!state) return { up: false, lines: ['test environment: down (no .test-env/state.json)'] };
  let allAlive = state.services.length > 0;
  const latest = new Map<string, ServiceRecord>();
  for (const svc of state.services) latest.set(svc.name, svc);
  for (const svc of latest.values()) {
    const alive = isAlive(svc.pid) && isOwnedBy(svc.pid, STATE_DIR);
    if (!alive) allAlive = false;
    lines.push(
      `  ${svc.name.padEnd(16)} pid ${String(svc.pid).padEnd(8)} ${alive ? 'running' : 'DEAD'}`,
    );
  }
  const envReady = existsSync(ENV_FILE);
  const upNow = allAlive && envReady;
  lines.unshift(
    `test environment: ${upNow ? 'up' : 'not (fully) up'} (started ${state.startedAt})` +
      (envReady ? `, variables in ${ENV_FILE}` : ''),
  );
  return { up: upNow, lines };
}

async function main(): Promise<void> {
  const cmd = process.argv[2];
  if (cmd === 'up') {
    ensurePackages();
    const controller = new AbortController();
    const onSignal = (sig: NodeJS.Signals) => {
      console.error(`\n${sig}: stopping the test environment`);
      controller.abort(new Error(`interrupted by ${sig}`));
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    const started = Date.now();
    try {
      const vars = await up({ ownBus: true, detach: true, signal: controller.signal });
      console.log(`test environment up in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      for (const key of ENV_KEYS) console.log(`  ${key}=${vars[key]}`);
      for (const key of OPTIONAL_ENV_KEYS) if (vars[key]) console.log(`  ${key}=${vars[key]}`);
      console.log(`\nVariables written to ${ENV_FILE}; now: npx vitest run --project integration`);
      console.log('Stop with: node scripts/test/env.ts down');
      process.exit(0);
    } catch (err) {
      console.error(`test environment failed to start:\n${(err as Error).message}`);
      await down();
      process.exit(1);
    }
  } else if (cmd === 'down') {
    const started = Date.now();
    await down(console.log, { force: process.argv.includes('--force') });
    console.log(`test environment down in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } else if (cmd === 'status') {
    const st = status();
    console.log(st.lines.join('\n'));
    process.exit(st.up ? 0 : 1);
  } else {
    console.error('usage: node scripts/test/env.ts up|down|status');
    process.exit(2);
  }
}

if (import.meta.main) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  });
}
