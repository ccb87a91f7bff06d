/**
 * Copy benchmark (issue 3's Performance section): an image of incompressible data on a loopback
 * registry, copied registry-to-registry by skopeo, oras, a bare Node.js copy (`lib/node-floor.ts`:
 * what node:http, sockets and SHA-256 cost before any product code) and `consign copy`, and fanned
 * out to four registries by `consign copy` against four separate copies. Wall time, peak RSS and
 * CPU time of each, and the CPU the registries used meanwhile: on a small machine they compete
 * with the tool for the same cores.
 *
 *   node scripts/bench/copy.ts [--size-mb 336] [--layers 6] [--runs 3] [--json]
 *                              [--cli out/cli/consign.js] [--compare-cli OTHER/out/cli/consign.js]
 *
 * `--compare-cli` adds another build of `consign` (say, of the previous commit) as `consign-b`, so
 * a change is measured A/B in the same run, on the same registries and machine load. Runs are
 * interleaved (run 1 of every scenario, then run 2, ...) so that load spikes hit all of them.
 *
 * Every measurement copies into freshly started, empty CNCF distribution registries (plain HTTP on
 * 127.0.0.1, storage deleted afterwards), so no tool can skip or mount a blob that is already
 * there. The source image is written as an OCI layout of gzip-compressed layers of /dev/urandom
 * bytes and pushed with skopeo. Needs docker-registry, skopeo and GNU time (installed as root when
 * missing) and oras from Debian trixie (fetched into .tools/). Progress goes to stderr; the result
 * is one JSON document on stdout.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT, TOOLS_DIR } from '../test/env.ts';
import { ensurePackages, missingPackages } from '../test/lib/packages.ts';
import { requireCommand } from '../test/lib/proc.ts';
import { ensureThirdPartyTools, thirdPartyToolVersions } from '../test/lib/tools.ts';
import { GNU_TIME, killMeasured, measure, median, type Measured } from './lib/measure.ts';
import { writeRandomImage } from './lib/random-image.ts';
import {
  manifestDigest,
  RegistryPool,
  registryCpuSeconds,
  type Registry,
} from './lib/registries.ts';

const SRC_REPO = 'bench/src';
const DST_REPO = 'bench/img';
const TAG = '1';
const FAN_OUT = 4;
const CONSIGN_CLI = join(ROOT, 'out', 'cli', 'consign.js');
const NODE_FLOOR = join(import.meta.dirname, 'lib', 'node-floor.ts');

export interface CopyRow {
  /**
   * skopeo | oras | node-floor (the least a Node.js program does: GET, hash, PUT) | consign |
   * consign-b (the build given with --compare-cli)
   */
  tool: string;
  /** 'single' (one destination), 'fan-out' (one command, N destinations) or 'sequential' (N commands). */
  mode: 'single' | 'fan-out' | 'sequential';
  destinations: number;
  /** Median wall time over the runs, seconds (sequential: the N copies added up). */
  seconds?: number;
  /** Highest peak RSS seen, MiB. */
  peakRssMiB?: number;
  /** Median CPU seconds (user + system) of the command itself. */
  cpuSeconds?: number;
  /** Median CPU seconds the source and destination registries used meanwhile. */
  registryCpuSeconds?: number;
  /** Every destination holds the source's manifest digest after every run. */
  ok?: boolean;
  note?: string;
}

export interface CopyResult {
  image: { layers: number; bytes: number; manifestDigest: string };
  generateSeconds: number;
  runs: number;
  /** CPU cores the tools and the registries share. */
  cores: number;
  versions: Record<string, string>;
  rows: CopyRow[];
}

const log = (line: string) => process.stderr.write(`${line}\n`);

function version(cmd: string, args: string[], pattern: RegExp): string {
  const res = spawnSync(cmd, args, { encoding: 'utf8' });
  return pattern.exec(`${res.stdout}${res.stderr}`)?.[1] ?? 'unknown';
}

function consignCopyAvailable(cli: string): boolean {
  const res = spawnSync(process.execPath, [cli, 'copy', '--help'], {
    stdio: 'ignore',
    timeout: 30_000,
  });
  return res.status === 0;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'size-mb': { type: 'string', default: '336' },
      layers: { type: 'string', default: '6' },
      runs: { type: 'string', default: '3' },
      json: { type: 'boolean' },
      cli: { type: 'string' },
      'compare-cli': { type: 'string' },
    },
  });
  const consignCli = values.cli ?? CONSIGN_CLI;
  const compareCli = values['compare-cli'];
  const layerCount = Math.max(1, Number(values.layers));
  const layerBytes = Math.ceil((Number(values['size-mb']) * 1024 * 1024) / layerCount);
  const runs = Math.max(1, Number(values.runs));
  if (!Number.isFinite(layerBytes) || layerBytes <= 0) throw new Error('bad --size-mb / --layers');

  const needed = ['docker-registry', 'skopeo', 'time'];
  if (missingPackages().some((r) => needed.includes(r.pkg))) ensurePackages(log);
  const skopeo = requireCommand('skopeo');
  const tools = await ensureThirdPartyTools(TOOLS_DIR, log);
  const consign = consignCopyAvailable(consignCli);
  if (compareCli && !consignCopyAvailable(compareCli)) {
    throw new Error(`--compare-cli ${compareCli}: its copy --help fails`);
  }

  const work = mkdtempSync(join(tmpdir(), 'consign-bench-copy-'));
  const pool = new RegistryPool(work);
  let cleaning: Promise<void> | null = null;
  const cleanup = () =>
    (cleaning ??= pool.stopAll().finally(() => rmSync(work, { recursive: true, force: true })));
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      log(`\n${sig}: stopping the benchmark registries`);
      killMeasured();
      void cleanup().finally(() => process.exit(sig === 'SIGINT' ? 130 : 143));
    });
  }

  try {
    // The source image, pushed to registry A.
    let started = performance.now();
    log(`writing a ${layerCount}-layer image of ${values['size-mb']} MiB of random data...`);
    const image = await writeRandomImage(join(work, 'layout'), layerCount, layerBytes);
    const generateSeconds = (performance.now() - started) / 1000;
    const source = await pool.start('source');
    started = performance.now();
    const push = spawnSync(
      skopeo,
      [
        'copy',
        '--quiet',
        '--dest-tls-verify=false',
        `oci:${image.layout}:${image.name}`,
        `docker://${source.host}/${SRC_REPO}:${TAG}`,
      ],
      { encoding: 'utf8' },
    );
    if (push.status !== 0) throw new Error(`pushing the source image failed:\n${push.stderr}`);
    const srcDigest = await manifestDigest(source.host, SRC_REPO, TAG);
    if (srcDigest !== image.manifestDigest) {
      throw new Error(`source registry holds ${srcDigest}, expected ${image.manifestDigest}`);
    }
    rmSync(image.layout, { recursive: true, force: true });
    log(
      `source ${source.host}/${SRC_REPO}:${TAG} ${srcDigest}: ${(image.bytes / 1e6).toFixed(0)} MB ` +
        `in ${layerCount} layers (generated in ${generateSeconds.toFixed(1)} s, ` +
        `pushed in ${((performance.now() - started) / 1000).toFixed(1)} s)`,
    );
    const src = `${source.host}/${SRC_REPO}:${TAG}`;

    const consignEnv = (): NodeJS.ProcessEnv => {
      const home = join(work, `consign-home-${randomBytes(4).toString('hex')}`);
      mkdirSync(home, { recursive: true });
      return {
        ...process.env,
        CONSIGN_HOME: home,
        CONSIGN_KEYCHAIN_SERVICE: `consign-bench-${randomBytes(6).toString('hex')}`,
      };
    };
    const consignCommand = (cli: string, dst: Registry[]): [string, string[]] => [
      process.execPath,
      [cli, 'copy', `docker://${src}`, ...dst.map((d) => `docker://${d.host}/${DST_REPO}:${TAG}`)],
    ];
    const commands = {
      skopeo: (dst: Registry[]) => [
        skopeo,
        [
          'copy',
          '--src-tls-verify=false',
          '--dest-tls-verify=false',
          `docker://${src}`,
          `docker://${dst[0]!.host}/${DST_REPO}:${TAG}`,
        ],
      ],
      oras: (dst: Registry[]) => [
        tools.oras,
        ['copy', '--from-plain-http', '--to-plain-http', src, `${dst[0]!.host}/${DST_REPO}:${TAG}`],
      ],
      'node-floor': (dst: Registry[]) => [
        process.execPath,
        [NODE_FLOOR, src, `${dst[0]!.host}/${DST_REPO}:${TAG}`],
      ],
      consign: (dst: Registry[]) => consignCommand(consignCli, dst),
      'consign-b': (dst: Registry[]) => consignCommand(compareCli ?? consignCli, dst),
    } satisfies Record<string, (dst: Registry[]) => [string, string[]]>;

    /** One command into `n` fresh registries; checks every destination's digest. */
    const once = async (
      tool: keyof typeof commands,
      n: number,
    ): Promise<Measured & { ok: boolean; registryCpuSeconds: number }> => {
      const dst: Registry[] = [];
      try {
        for (let i = 0; i < n; i++) dst.push(await pool.start(`${tool}-dst`));
        const [cmd, args] = commands[tool](dst);
        const sourceCpu = registryCpuSeconds(source);
        const m = await measure(cmd, args, {
          env: tool.startsWith('consign') ? consignEnv() : process.env,
        });
        // Read before the digest checks below add their own (small) work.
        const registryCpu =
          registryCpuSeconds(source) -
          sourceCpu +
          dst.reduce((sum, d) => sum + registryCpuSeconds(d), 0);
        const digests = await Promise.all(dst.map((d) => manifestDigest(d.host, DST_REPO, TAG)));
        return {
          ...m,
          ok: m.code === 0 && digests.every((d) => d === srcDigest),
          registryCpuSeconds: registryCpu,
        };
      } finally {
        await Promise.all(dst.map((d) => pool.stop(d)));
      }
    };

    interface Scenario {
      tool: keyof typeof commands;
      mode: CopyRow['mode'];
      destinations: number;
      row: CopyRow;
      times: number[];
      cpu: number[];
      registryCpu: number[];
      peak: number;
      ok: boolean;
    }
    const scenarios: Scenario[] = [];
    const add = (tool: keyof typeof commands, mode: CopyRow['mode'], destinations: number) => {
      const row: CopyRow = { tool, mode, destinations };
      if (tool === 'consign' && !consign) {
        row.note = 'not available yet';
        log(`consign ${mode}: not available yet (${consignCli} copy --help fails)`);
      }
      scenarios.push({
        tool,
        mode,
        destinations,
        row,
        times: [],
        cpu: [],
        registryCpu: [],
        peak: 0,
        ok: true,
      });
    };
    add('skopeo', 'single', 1);
    add('oras', 'single', 1);
    add('node-floor', 'single', 1);
    add('consign', 'single', 1);
    if (compareCli) add('consign-b', 'single', 1);
    add('skopeo', 'sequential', FAN_OUT);
    add('oras', 'sequential', FAN_OUT);
    add('consign', 'fan-out', FAN_OUT);
    if (compareCli) add('consign-b', 'fan-out', FAN_OUT);

    for (let r = 0; r < runs; r++) {
      for (const scenario of scenarios) {
        const { tool, mode, destinations, row } = scenario;
        if (row.note === 'not available yet') continue;
        const parts = mode === 'sequential' ? destinations : 1;
        let total = 0;
        let cpu = 0;
        let registryCpu = 0;
        for (let p = 0; p < parts; p++) {
          const m = await once(tool, mode === 'fan-out' ? destinations : 1);
          total += m.seconds;
          cpu += m.cpuSeconds;
          registryCpu += m.registryCpuSeconds;
          scenario.peak = Math.max(scenario.peak, m.peakRssMiB);
          scenario.ok &&= m.ok;
          if (m.code !== 0) row.note = `exit ${m.code}: ${m.error ?? ''}`.trim();
          else if (!m.ok) row.note = 'a destination does not hold the source digest';
        }
        scenario.times.push(total);
        scenario.cpu.push(cpu);
        scenario.registryCpu.push(registryCpu);
        log(
          `run ${r + 1}: ${tool} ${mode} x${destinations}: ${total.toFixed(2)} s ` +
            `(CPU ${cpu.toFixed(2)} s, registries ${registryCpu.toFixed(2)} s)`,
        );
      }
    }
    const rows: CopyRow[] = [];
    const centi = (x: number) => Math.round(x * 100) / 100;
    for (const { tool, mode, destinations, row, times, cpu, registryCpu, peak, ok } of scenarios) {
      rows.push(row);
      if (times.length === 0) continue;
      Object.assign(row, {
        seconds: Math.round(median(times) * 1000) / 1000,
        peakRssMiB: Math.round(peak * 10) / 10,
        cpuSeconds: centi(median(cpu)),
        registryCpuSeconds: centi(median(registryCpu)),
        ok,
      });
      log(
        `${tool} ${mode} x${destinations}: median ${row.seconds!.toFixed(2)} s, peak RSS ` +
          `${peak.toFixed(0)} MiB${ok ? '' : ` (FAILED: ${row.note})`}`,
      );
    }

    const versions: Record<string, string> = {
      skopeo: version(skopeo, ['--version'], /version (\S+)/),
      oras: thirdPartyToolVersions(TOOLS_DIR)?.packages.oras ?? 'unknown',
      'docker-registry': version(
        requireCommand('docker-registry'),
        ['--version'],
        /v?(\d+\.\d+\S*)/,
      ),
      node: process.version,
      time: GNU_TIME,
    };
    const result: CopyResult = {
      image: { layers: layerCount, bytes: image.bytes, manifestDigest: image.manifestDigest },
      generateSeconds: Math.round(generateSeconds * 10) / 10,
      runs,
      cores: availableParallelism(),
      versions,
      rows,
    };
    console.log(JSON.stringify(result, null, values.json ? 2 : 0));
  } finally {
    await cleanup();
  }
}

if (import.meta.main) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  });
}
