// `npm test`: every check the project has, in order, against real parts.
//
//   1. static      lint (eslint .), format (prettier --check .), typecheck (tsc for
//                  tsconfig.node.json and tsconfig.web.json), build (npm run build).
//                  Any failure stops the run here.
//   2. unit        vitest run --project unit
//   3. (env)       dockerd, three registries, token issuer, throwaway keyring, chromium
//                  (scripts/test/env.ts), only when integration or e2e is selected
//   4. integration vitest run --project integration, with the environment's variables
//   5. e2e         playwright test (skipped with a notice while there is no playwright.config.ts)
//
// The last line of output is always `tests: N passed, N failed, N skipped` (unit + integration
// + e2e) and the exit code is non-zero if a stage or a test failed.
//
// Choosing stages, for quick local runs (names: lint, format, typecheck, build, unit,
// integration, e2e, and `static` for the first four):
//   npm test -- --only unit,integration
//   npm test -- --skip static,e2e
//   CONSIGN_TEST_ONLY=integration npm test          (CONSIGN_TEST_SKIP works the same way)
//
// When the environment is needed, the runner installs missing Debian packages (as root), then
// re-executes itself as `dbus-run-session -- node scripts/test/run.ts --in-session ...` so the
// keyring's session bus ends with the run. Everything started is stopped again, also on failure,
// SIGINT and SIGTERM; logs of the services stay in .test-env/logs.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { down, LOG_DIR, ROOT, up, type EnvVars } from './env.ts';
import { writeSessionBusConfig } from './lib/dbus.ts';
import { ensurePackages } from './lib/packages.ts';
import { commandLine, findOwnedProcesses, isAlive, stopProcess, which } from './lib/proc.ts';

// Taken as early as possible: see watchParent.
const INITIAL_PPID = process.ppid;
const STAGES = ['lint', 'format', 'typecheck', 'build', 'unit', 'integration', 'e2e'] as const;
type Stage = (typeof STAGES)[number];
const STATIC_STAGES: Stage[] = ['lint', 'format', 'typecheck', 'build'];
const SCRIPT = fileURLToPath(import.meta.url);
const PLAYWRIGHT_CONFIG = join(ROOT, 'playwright.config.ts');
/** Set on every stage command, so processes a stage leaves running can be found and stopped. */
const STAGE_MARK_VAR = 'CONSIGN_TEST_STAGE_RUN';

interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

interface StageResult {
  name: string;
  status: 'passed' | 'failed' | 'skipped' | 'not run';
  seconds?: number;
  counts?: Counts;
  note?: string;
}

interface Options {
  stages: Set<Stage>;
  inSession: boolean;
  args: string[];
}

function usage(): string {
  return [
    'usage: node scripts/test/run.ts [--only STAGES] [--skip STAGES]',
    `  STAGES: comma-separated, from ${STAGES.join(', ')}, static (= lint,format,typecheck,build)`,
    '  also from the environment: CONSIGN_TEST_ONLY, CONSIGN_TEST_SKIP',
  ].join('\n');
}

function parseStageList(value: string, flag: string): Set<Stage> {
  const set = new Set<Stage>();
  for (const raw of value.split(',')) {
    const name = raw.trim();
    if (!name) continue;
    if (name === 'static') STATIC_STAGES.forEach((s) => set.add(s));
    else if ((STAGES as readonly string[]).includes(name)) set.add(name as Stage);
    else throw new Error(`unknown stage "${name}" in ${flag}\n${usage()}`);
  }
  return set;
}

export function parseOptions(argv: string[], env: NodeJS.ProcessEnv = process.env): Options {
  let only = env.CONSIGN_TEST_ONLY
    ? parseStageList(env.CONSIGN_TEST_ONLY, 'CONSIGN_TEST_ONLY')
    : undefined;
  let skip = env.CONSIGN_TEST_SKIP
    ? parseStageList(env.CONSIGN_TEST_SKIP, 'CONSIGN_TEST_SKIP')
    : new Set<Stage>();
  let inSession = false;
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.includes('=') ? arg.split(/=(.*)/s) : [arg, undefined];
    if (flag === '--in-session') {
      inSession = true;
      continue;
    }
    if (flag === '--only' || flag === '--skip') {
      const value = inline ?? argv[++i];
      if (value === undefined) throw new Error(`${flag} needs a value\n${usage()}`);
      const list = parseStageList(value, flag);
      if (flag === '--only') only = list;
      else skip = new Set([...skip, ...list]);
      args.push(flag, value);
      continue;
    }
    if (flag === '--help' || flag === '-h') {
      console.log(usage());
      process.exit(0);
    }
    throw new Error(`unknown argument "${arg}"\n${usage()}`);
  }
  const stages = new Set<Stage>(STAGES.filter((s) => (only ? only.has(s) : true) && !skip.has(s)));
  return { stages, inSession, args };
}

const hasPlaywrightConfig = () => existsSync(PLAYWRIGHT_CONFIG);
const needsEnv = (o: Options) =>
  o.stages.has('integration') || (o.stages.has('e2e') && hasPlaywrightConfig());

/**
 * Call `onOrphan` once if our parent process goes away. npm, for one, exits on SIGTERM without
 * passing the signal on to the script, which would leave the run going on its own.
 */
function watchParent(onOrphan: () => void): void {
  const check = () => {
    if (process.ppid !== INITIAL_PPID) {
      clearInterval(timer);
      onOrphan();
    }
  };
  const timer = setInterval(check, 500);
  timer.unref();
  check();
}

function banner(text: string): void {
  console.log(`\n\x1b[1m==> ${text}\x1b[0m`);
}

function finalLine(totals: Counts): string {
  return `tests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`;
}

/** Print the last line and exit once stdout has taken it. */
function finish(totals: Counts, code: number): never {
  process.stdout.write(`${finalLine(totals)}\n`, () => process.exit(code));
  // Keep the event loop waiting for the write callback.
  setTimeout(() => process.exit(code), 10_000);
  return undefined as never;
}

// ---------------------------------------------------------------------------------------------
// outer process: packages, then re-exec inside dbus-run-session

async function runInSession(opts: Options): Promise<never> {
  try {
    ensurePackages((line) => console.log(line));
  } catch (err) {
    console.error(`\nCannot set up the test environment: ${(err as Error).message}`);
    return finish({ passed: 0, failed: 0, skipped: 0 }, 1);
  }
  const controlDir = mkdtempSync(join(tmpdir(), 'consign-test-run-'));
  const pidFile = join(controlDir, 'inner.pid');
  const resultFile = join(controlDir, 'result.json');
  const innerPid = () => {
    try {
      return Number(readFileSync(pidFile, 'utf8'));
    } catch {
      return 0;
    }
  };
  const busConfig = writeSessionBusConfig(join(controlDir, 'session.conf'));
  const child = spawn(
    which('dbus-run-session')!,
    [`--config-file=${busConfig}`, '--', process.execPath, SCRIPT, '--in-session', ...opts.args],
    { stdio: 'inherit', env: { ...process.env, CONSIGN_TEST_CONTROL_DIR: controlDir } },
  );
  let pending: NodeJS.Signals | null = null;
  const forward = (sig: NodeJS.Signals) => {
    pending = sig;
    const pid = innerPid();
    if (pid && isAlive(pid)) process.kill(pid, 'SIGTERM');
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, forward);
  watchParent(() => {
    console.error('\nThe parent process exited: stopping the test run.');
    forward('SIGTERM');
  });
  // A signal that arrives before the inner runner wrote its PID is delivered once it has.
  const retry = setInterval(() => {
    if (pending && innerPid()) {
      forward(pending);
      clearInterval(retry);
    }
  }, 200);
  const exit = await new Promise<number>((resolve) => {
    child.on('error', (err) => {
      console.error(`could not start dbus-run-session: ${err.message}`);
      resolve(1);
    });
    child.on('exit', (code, sig) => resolve(code ?? (sig ? 128 : 1)));
  });
  clearInterval(retry);
  // dbus-run-session can end (e.g. on Ctrl-C) before the runner has finished cleaning up.
  const pid = innerPid();
  const deadline = Date.now() + 120_000;
  while (pid && isAlive(pid) && Date.now() < deadline) await sleep(100);
  let result: { code: number } | null;
  try {
    result = JSON.parse(readFileSync(resultFile, 'utf8')) as { code: number };
  } catch {
    result = null;
  }
  rmSync(controlDir, { recursive: true, force: true });
  if (!result) {
    console.error(`\nThe test run ended without a result (exit ${exit}).`);
    return finish({ passed: 0, failed: 0, skipped: 0 }, exit || 1);
  }
  // The inner runner already printed the closing line; only the exit code is left to pass on.
  process.exit(result.code);
}

// ---------------------------------------------------------------------------------------------
// the stages

class Runner {
  readonly opts: Options;
  readonly results: StageResult[] = [];
  readonly controller = new AbortController();
  readonly reportDir = mkdtempSync(join(tmpdir(), 'consign-test-reports-'));
  readonly mark = `${process.pid}-${Date.now()}`;
  interrupted: NodeJS.Signals | null = null;
  current: ChildProcess | null = null;
  envVars: EnvVars | null = null;

  constructor(opts: Options) {
    this.opts = opts;
  }

  baseEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    const path = [join(ROOT, 'node_modules', '.bin'), dirname(process.execPath), process.env.PATH]
      .filter(Boolean)
      .join(delimiter);
    return {
      ...process.env,
      ...(this.envVars ?? {}),
      ...extra,
      PATH: path,
      [STAGE_MARK_VAR]: this.mark,
    };
  }

  onSignal = (sig: NodeJS.Signals) => {
    if (this.interrupted) return;
    this.interrupted = sig;
    console.error(`\n${sig} received: stopping the current stage and the test environment`);
    this.controller.abort(new Error(`interrupted by ${sig}`));
    this.killCurrent();
  };

  killCurrent(): void {
    const child = this.current;
    if (!child?.pid) return;
    const pid = child.pid;
    try {
      process.kill(-pid, 'SIGTERM');
    } catch {
      // gone
    }
    setTimeout(() => {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // gone
      }
    }, 10_000).unref();
  }

  /** Run one command in its own process group, output straight to ours. */
  exec(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
    if (this.interrupted) return Promise.resolve(1);
    console.log(`$ ${[cmd, ...args].join(' ')}`);
    return new Promise((resolve) => {
      const child = spawn(cmd, args, {
        cwd: ROOT,
        env,
        stdio: ['ignore', 'inherit', 'inherit'],
        detached: true,
      });
      this.current = child;
      child.on('error', (err) => {
        console.error(`could not run ${cmd}: ${err.message}`);
        this.current = null;
        resolve(127);
      });
      child.on('exit', (code, sig) => {
        this.current = null;
        // Anything the command left in its group goes with it.
        try {
          if (child.pid) process.kill(-child.pid, 'SIGKILL');
        } catch {
          // nothing left
        }
        void this.stopLeftovers(cmd).then(() => resolve(code ?? (sig ? 128 : 1)));
      });
    });
  }

  /** Stop processes a command left running (e.g. a server its tests did not close). */
  async stopLeftovers(cmd: string): Promise<void> {
    const pids = findOwnedProcesses(this.mark, STAGE_MARK_VAR);
    if (pids.length === 0) return;
    console.error(`warning: ${cmd} left ${pids.length} process(es) running; stopping them:`);
    for (const pid of pids) console.error(`  ${pid}: ${commandLine(pid).slice(0, 200)}`);
    await Promise.all(pids.map((pid) => stopProcess(pid, { group: false, timeoutMs: 5_000 })));
  }

  bin(name: string): string {
    return join(ROOT, 'node_modules', '.bin', name);
  }

  async commandStage(name: Stage, commands: [string, string[]][]): Promise<boolean> {
    banner(name);
    const started = Date.now();
    let ok = true;
    for (const [cmd, args] of commands) {
      if ((await this.exec(cmd, args, this.baseEnv())) !== 0) ok = false;
    }
    this.results.push({
      name,
      status: ok && !this.interrupted ? 'passed' : 'failed',
      seconds: (Date.now() - started) / 1000,
    });
    return ok;
  }

  async vitestStage(project: 'unit' | 'integration'): Promise<void> {
    banner(`${project} tests`);
    const started = Date.now();
    const report = join(this.reportDir, `vitest-${project}.json`);
    const args = [
      'run',
      '--project',
      project,
      '--reporter=default',
      '--reporter=json',
      `--outputFile.json=${report}`,
    ];
    if (project === 'unit') args.push('--passWithNoTests');
    const code = await this.exec(this.bin('vitest'), args, this.baseEnv());
    const counts = vitestCounts(report);
    this.results.push({
      name: project,
      status: code === 0 && counts !== null && !this.interrupted ? 'passed' : 'failed',
      seconds: (Date.now() - started) / 1000,
      counts: counts ?? undefined,
      note: counts === null ? 'no JSON report (vitest did not finish)' : undefined,
    });
  }

  async e2eStage(): Promise<void> {
    banner('end-to-end tests');
    if (!hasPlaywrightConfig()) {
      console.log('No playwright.config.ts yet: skipping the end-to-end stage.');
      this.results.push({ name: 'e2e', status: 'skipped', note: 'no playwright.config.ts' });
      return;
    }
    const started = Date.now();
    const report = join(this.reportDir, 'playwright.json');
    const code = await this.exec(
      this.bin('playwright'),
      ['test', '--reporter=list,json'],
      this.baseEnv({
        PLAYWRIGHT_JSON_OUTPUT_NAME: report,
        PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1',
      }),
    );
    const counts = playwrightCounts(report, code);
    this.results.push({
      name: 'e2e',
      status: code === 0 && counts !== null && !this.interrupted ? 'passed' : 'failed',
      seconds: (Date.now() - started) / 1000,
      counts: counts ?? undefined,
      note: counts === null ? 'no JSON report (playwright did not finish)' : undefined,
    });
  }

  async envStage(): Promise<boolean> {
    banner('test environment');
    const started = Date.now();
    try {
      this.envVars = await up({
        ownBus: false,
        signal: this.controller.signal,
        log: (l) => console.log(l),
      });
      const seconds = (Date.now() - started) / 1000;
      console.log(`environment up in ${seconds.toFixed(1)} s`);
      const v = this.envVars;
      console.log(
        `  dockerd ${v.DOCKER_HOST}\n  registries: plain ${v.CONSIGN_TEST_REGISTRY_PLAIN}, ` +
          `tls ${v.CONSIGN_TEST_REGISTRY_TLS}, token ${v.CONSIGN_TEST_REGISTRY_TOKEN} ` +
          `(issuer ${v.CONSIGN_TEST_TOKEN_REALM})\n  keychain service ${v.CONSIGN_KEYCHAIN_SERVICE}`,
      );
      this.results.push({ name: 'environment', status: 'passed', seconds, note: 'up' });
      return true;
    } catch (err) {
      console.error(`\nThe test environment failed to start:\n${(err as Error).message}`);
      console.error(`(service logs: ${LOG_DIR})`);
      this.results.push({
        name: 'environment',
        status: 'failed',
        seconds: (Date.now() - started) / 1000,
        note: this.interrupted ? `interrupted by ${this.interrupted}` : 'failed to start',
      });
      return false;
    }
  }

  async envDown(): Promise<void> {
    banner('stopping the test environment');
    const started = Date.now();
    try {
      await down((l) => console.log(l));
      const seconds = (Date.now() - started) / 1000;
      console.log(`environment down in ${seconds.toFixed(1)} s (logs kept in ${LOG_DIR})`);
      const env = this.results.find((r) => r.name === 'environment');
      if (env) env.note = `${env.note ?? ''}, down in ${seconds.toFixed(1)} s`;
    } catch (err) {
      console.error(`stopping the test environment failed: ${(err as Error).message}`);
      this.results.push({ name: 'environment down', status: 'failed' });
    }
  }

  notRun(names: string[], why: string): void {
    for (const name of names) this.results.push({ name, status: 'not run', note: why });
  }

  async main(): Promise<number> {
    const o = this.opts;
    const selected = (s: Stage) => o.stages.has(s) && !this.interrupted;
    let envStarted = false;
    try {
      // 1. static checks
      const checks: [Stage, [string, string[]][]][] = [
        ['lint', [[this.bin('eslint'), ['.']]]],
        ['format', [[this.bin('prettier'), ['--check', '.']]]],
        [
          'typecheck',
          [
            [this.bin('tsc'), ['-p', 'tsconfig.node.json']],
            [this.bin('tsc'), ['-p', 'tsconfig.web.json']],
          ],
        ],
      ];
      for (const [name, commands] of checks) {
        if (selected(name)) await this.commandStage(name, commands);
      }
      let failedStatic = this.results.filter((r) => r.status === 'failed').map((r) => r.name);
      if (failedStatic.length === 0 && selected('build')) {
        await this.commandStage('build', [[which('npm') ?? 'npm', ['run', 'build']]]);
        failedStatic = this.results.filter((r) => r.status === 'failed').map((r) => r.name);
      }
      const later = (['unit', 'integration', 'e2e'] as Stage[]).filter((s) => o.stages.has(s));
      if (failedStatic.length > 0) {
        console.error(
          `\nStatic checks failed (${failedStatic.join(', ')}): fix them first; no tests were run.`,
        );
        if (o.stages.has('build') && !this.results.some((r) => r.name === 'build')) {
          this.notRun(['build'], 'static checks failed');
        }
        this.notRun(later, 'static checks failed');
        return 1;
      }

      // 2. unit tests
      if (selected('unit')) await this.vitestStage('unit');

      // 3.-5. environment, integration, end-to-end
      if (needsEnv(o) && !this.interrupted) {
        envStarted = true;
        const ok = await this.envStage();
        if (!ok) {
          this.notRun(
            (['integration', 'e2e'] as Stage[]).filter((s) => o.stages.has(s)),
            'environment failed',
          );
        } else {
          if (selected('integration')) await this.vitestStage('integration');
          if (selected('e2e')) await this.e2eStage();
        }
      } else if (selected('e2e')) {
        await this.e2eStage();
      }
    } catch (err) {
      console.error(`\ntest runner error: ${(err as Error).stack ?? String(err)}`);
      this.results.push({ name: 'runner', status: 'failed', note: (err as Error).message });
    } finally {
      if (envStarted) await this.envDown();
      rmSync(this.reportDir, { recursive: true, force: true });
    }
    const ran = new Set(this.results.map((r) => r.name));
    this.notRun(
      STAGES.filter((s) => o.stages.has(s) && !ran.has(s)),
      this.interrupted ? `interrupted by ${this.interrupted}` : 'not reached',
    );
    const failed = this.results.some(
      (r) => r.status === 'failed' || (r.counts?.failed ?? 0) > 0 || r.status === 'not run',
    );
    if (this.interrupted) return this.interrupted === 'SIGINT' ? 130 : 143;
    return failed ? 1 : 0;
  }

  summary(): Counts {
    const totals: Counts = { passed: 0, failed: 0, skipped: 0 };
    banner('summary');
    for (const r of this.results) {
      const time = r.seconds === undefined ? '' : `${r.seconds.toFixed(1)} s`;
      const counts = r.counts
        ? `${r.counts.passed} passed, ${r.counts.failed} failed, ${r.counts.skipped} skipped`
        : '';
      const note = r.note ? `(${r.note})` : '';
      console.log(
        `  ${r.name.padEnd(12)} ${r.status.padEnd(8)} ${time.padStart(8)}  ${[counts, note]
          .filter(Boolean)
          .join(' ')}`.trimEnd(),
      );
      if (r.counts) {
        totals.passed += r.counts.passed;
        totals.failed += r.counts.failed;
        totals.skipped += r.counts.skipped;
      }
    }
    return totals;
  }
}

interface VitestReport {
  numPassedTests?: number;
  numFailedTests?: number;
  numPendingTests?: number;
  numTodoTests?: number;
  testResults?: { status?: string; assertionResults?: { status?: string }[] }[];
}

/** Counts from vitest's JSON report; a test file that failed to load counts as one failure. */
export function vitestCounts(file: string): Counts | null {
  let report: VitestReport;
  try {
    report = JSON.parse(readFileSync(file, 'utf8')) as VitestReport;
  } catch {
    return null;
  }
  const brokenFiles = (report.testResults ?? []).filter(
    (f) => f.status === 'failed' && !(f.assertionResults ?? []).some((a) => a.status === 'failed'),
  ).length;
  return {
    passed: report.numPassedTests ?? 0,
    failed: (report.numFailedTests ?? 0) + brokenFiles,
    skipped: (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0),
  };
}

interface PlaywrightReport {
  stats?: { expected?: number; unexpected?: number; flaky?: number; skipped?: number };
  errors?: unknown[];
}

/** Counts from Playwright's JSON report; flaky tests passed on retry and count as passed. */
export function playwrightCounts(file: string, code: number): Counts | null {
  let report: PlaywrightReport;
  try {
    report = JSON.parse(readFileSync(file, 'utf8')) as PlaywrightReport;
  } catch {
    return null;
  }
  const s = report.stats ?? {};
  let failed = s.unexpected ?? 0;
  // Errors outside tests (config, global setup, a spec that does not load) fail the stage.
  if (failed === 0 && code !== 0) failed = Math.max(1, report.errors?.length ?? 0);
  return {
    passed: (s.expected ?? 0) + (s.flaky ?? 0),
    failed,
    skipped: s.skipped ?? 0,
  };
}

async function main(): Promise<void> {
  let opts: Options;
  try {
    opts = parseOptions(process.argv.slice(2));
  } catch (err) {
    console.error((err as Error).message);
    return finish({ passed: 0, failed: 0, skipped: 0 }, 2);
  }
  if (needsEnv(opts) && !opts.inSession) {
    await runInSession(opts);
    return;
  }
  const controlDir = process.env.CONSIGN_TEST_CONTROL_DIR;
  if (opts.inSession && controlDir)
    writeFileSync(join(controlDir, 'inner.pid'), String(process.pid));
  const runner = new Runner(opts);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, runner.onSignal);
  watchParent(() => runner.onSignal('SIGTERM'));
  console.log(`Stages: ${[...opts.stages].join(', ') || '(none)'}`);
  const started = Date.now();
  const code = await runner.main();
  const totals = runner.summary();
  console.log(`  total time ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (opts.inSession && controlDir) {
    writeFileSync(join(controlDir, 'result.json'), JSON.stringify({ code, ...totals }));
  }
  finish(totals, code);
}

if (import.meta.main) void main();
