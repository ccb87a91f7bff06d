/**
 * `npm run bench`: measures the engine against its targets and prints a table (and JSON with
 * --json). Each benchmark runs in its own Node process, so one cannot warm or slow another.
 *
 *   npm run bench [-- --only audit,copy,signing,scan] [--events N] [--copy-size-mb 336]
 *                 [--copy-layers 6] [--copy-runs 3] [--signing-images 100] [--scan-runs 3]
 *                 [--json]
 *
 * audit  append N audit events, verify them (chain and signed checkpoints), filter them as the
 *        Audit page does, export and verify the export (bundled with esbuild: it imports the engine)
 * signing scripts/bench/signing.ts: 100 small images on a throwaway loopback registry signed
 *        in-process per format (legacy, bundle, both): signatures/s and the share spent in crypto
 *        (bundled with esbuild; needs docker-registry and a Secret Service keychain)
 * copy   scripts/bench/copy.ts: an image of incompressible data copied between throwaway loopback
 *        registries by skopeo, oras and `consign copy` (needs docker-registry, skopeo, GNU time,
 *        and a build for the consign rows: `npm run build`)
 * scan   scripts/bench/scan.ts: an application image of this machine's files (and a larger one)
 *        scanned by `consign scan`, against `gzip -dc` of its layers (the floor), then again from
 *        the cache (bundled with esbuild; needs GNU time, gzip and a build: `npm run build`)
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import type { CopyResult, CopyRow } from './bench/copy.ts';
import type { ScanBenchResult } from './bench/scan.ts';
import type { SigningResult } from './bench/signing.ts';

const BENCHMARKS = ['audit', 'copy', 'signing', 'scan'] as const;

const { values } = parseArgs({
  options: {
    only: { type: 'string', default: BENCHMARKS.join(',') },
    events: { type: 'string', default: '100000' },
    'copy-size-mb': { type: 'string', default: '336' },
    'copy-layers': { type: 'string', default: '6' },
    'copy-runs': { type: 'string', default: '3' },
    'signing-images': { type: 'string', default: '100' },
    'scan-runs': { type: 'string', default: '3' },
    json: { type: 'boolean' },
  },
});

const selected = new Set(values.only.split(',').map((s) => s.trim()));
for (const name of selected) {
  if (!(BENCHMARKS as readonly string[]).includes(name)) {
    console.error(`unknown benchmark "${name}" (choose from ${BENCHMARKS.join(', ')})`);
    process.exit(2);
  }
}

type Row = [string, string, string, string, string];
const rows: Row[] = [];
const json: Record<string, unknown> = {};
let failed = false;

/**
 * Bundles a benchmark that imports the engine (esbuild; dependencies stay external), runs it in
 * its own Node process and reads the JSON document it prints last; undefined (and a failed row)
 * when it fails. Its progress goes to this terminal's stderr.
 */
async function runBundled<T>(name: string, args: string[]): Promise<T | undefined> {
  await build({
    entryPoints: { [name]: `scripts/bench/${name}.ts` },
    outdir: 'out/bench',
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    packages: 'external',
    logLevel: 'warning',
  });
  const child = spawnSync(process.execPath, [`out/bench/${name}.js`, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
  });
  let result: T | undefined;
  try {
    result = JSON.parse(child.stdout.trim().split('\n').pop() ?? '') as T;
  } catch {
    result = undefined;
  }
  if (child.status !== 0 || !result) {
    failed = true;
    rows.push([name, '', `failed (exit ${child.status ?? child.signal})`, '', '']);
    return undefined;
  }
  return result;
}

if (selected.has('audit')) {
  await build({
    entryPoints: { audit: 'scripts/bench/audit.ts' },
    outdir: 'out/bench',
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    packages: 'external',
    logLevel: 'warning',
  });

  const audit = JSON.parse(
    execFileSync(process.execPath, ['out/bench/audit.js', values.events], { encoding: 'utf8' }),
  ) as {
    events: number;
    appendMs: number;
    appendPerSecond: number;
    checkpoints: number;
    verifyMs: number;
    filterMs: Record<string, number>;
    filterMaxMs: number;
    exportMs: number;
    verifyExportMs: number;
  };
  json.audit = audit;
  rows.push(
    [
      'audit: append',
      `${audit.events} events`,
      `${audit.appendMs} ms`,
      `${audit.appendPerSecond}/s, ${audit.checkpoints} checkpoints`,
      '',
    ],
    [
      'audit: verify chain + checkpoints',
      `${audit.events} events`,
      `${audit.verifyMs} ms`,
      '',
      'target < 1000 ms',
    ],
    [
      'audit: filter (count + page)',
      `${audit.events} events`,
      `${audit.filterMaxMs} ms (slowest)`,
      Object.entries(audit.filterMs)
        .map(([name, ms]) => `${name} ${ms}`)
        .join(', '),
      'target < 100 ms',
    ],
    ['audit: export JSONL', `${audit.events} events`, `${audit.exportMs} ms`, '', ''],
    ['audit: verify export', `${audit.events} events`, `${audit.verifyExportMs} ms`, '', ''],
  );
}

function copyRows(copy: CopyResult): Row[] {
  const find = (tool: string, mode: CopyRow['mode']) =>
    copy.rows.find((r) => r.tool === tool && r.mode === mode);
  const skopeo = find('skopeo', 'single');
  const skopeo4 = find('skopeo', 'sequential');
  const consign = find('consign', 'single');
  const size = `${(copy.image.bytes / 1e6).toFixed(0)} MB, ${copy.image.layers} layers`;
  const ratio = (a?: number, b?: number) => (a && b ? `${(a / b).toFixed(2)}x` : '?');
  const label: Record<CopyRow['mode'], (r: CopyRow) => string> = {
    single: (r) => `copy: ${r.tool}`,
    sequential: (r) => `copy: ${r.tool} x${r.destinations} (one by one)`,
    'fan-out': (r) => `copy: ${r.tool} fan-out to ${r.destinations}`,
  };
  return copy.rows.map((r): Row => {
    const work = `${size}, ${r.destinations} dest`;
    if (r.seconds === undefined) return [label[r.mode](r), work, r.note ?? 'not run', '', ''];
    const result = `${r.seconds.toFixed(2)} s${r.ok ? '' : ' FAILED'}`;
    // The registries hash and store what they receive on the same cores: with the tool's own CPU
    // this gives the shortest time the machine allows (all CPU work spread over every core).
    const cpuWork = (r.cpuSeconds ?? 0) + (r.registryCpuSeconds ?? 0);
    const rss =
      `peak RSS ${r.peakRssMiB?.toFixed(0)} MiB, CPU ${r.cpuSeconds?.toFixed(2)} s + ` +
      `registries ${r.registryCpuSeconds?.toFixed(2)} s (>= ${(cpuWork / copy.cores).toFixed(2)} s on ${copy.cores} cores)`;
    if (r.mode === 'single') {
      const target = r.tool === 'consign' ? 'target <= 1.00x skopeo' : '';
      return [
        label.single(r),
        work,
        result,
        `${ratio(r.seconds, skopeo?.seconds)} skopeo, ${rss}`,
        target,
      ];
    }
    if (r.mode === 'sequential') {
      return [
        label.sequential(r),
        work,
        result,
        `${ratio(r.seconds, skopeo?.seconds)} skopeo, ${rss}`,
        '',
      ];
    }
    return [
      label['fan-out'](r),
      work,
      result,
      `${ratio(r.seconds, consign?.seconds)} single, ${ratio(r.seconds, skopeo4?.seconds)} skopeo x${r.destinations}, ${rss}`,
      'target < 2x single',
    ];
  });
}

if (selected.has('copy')) {
  // Progress on stderr goes straight through; the result is the JSON on stdout. Signals are
  // passed on so the benchmark stops its registries and removes its files.
  const child = spawn(
    process.execPath,
    [
      'scripts/bench/copy.ts',
      '--size-mb',
      values['copy-size-mb'],
      '--layers',
      values['copy-layers'],
      '--runs',
      values['copy-runs'],
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const forward = (sig: NodeJS.Signals) => child.kill(sig);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, forward);
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  const res = await new Promise<{ status: number | null; signal: NodeJS.Signals | null }>(
    (resolve) => {
      child.on('error', () => resolve({ status: 127, signal: null }));
      child.on('close', (status, signal) => resolve({ status, signal }));
    },
  );
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.off(sig, forward);
  let copy: CopyResult | undefined;
  try {
    copy = JSON.parse(stdout.trim().split('\n').pop() ?? '') as CopyResult;
  } catch {
    copy = undefined;
  }
  if (res.status !== 0 || !copy) {
    failed = true;
    rows.push([
      'copy',
      '',
      `failed (exit ${res.status ?? res.signal})`,
      'see the messages above',
      '',
    ]);
  } else {
    json.copy = copy;
    rows.push(...copyRows(copy));
    if (copy.rows.some((r) => r.ok === false)) failed = true;
  }
}

if (selected.has('signing')) {
  const signing = await runBundled<SigningResult>('signing', [
    '--images',
    values['signing-images'],
  ]);
  if (signing) {
    json.signing = signing;
    rows.push([
      'signing: registry pace',
      `manifest HEADs, ${signing.concurrency} at a time`,
      `${signing.registryRequestsPerSecond.toFixed(0)} requests/s`,
      `key read from the keychain once: ${signing.keychainReadMs.toFixed(0)} ms`,
      '',
    ]);
    for (const row of signing.rows) {
      rows.push([
        `signing: ${row.formats.join(' + ')}`,
        `${row.images} images, ${row.signatures} signatures, ${signing.concurrency} at a time`,
        `${row.seconds.toFixed(2)} s (${row.signaturesPerSecond.toFixed(0)}/s)`,
        `crypto ${row.cryptoMs.toFixed(0)} ms (${(row.cryptoShare * 100).toFixed(1)}%)`,
        'target: hundreds/s',
      ]);
    }
  }
}

if (selected.has('scan')) {
  const scan = await runBundled<ScanBenchResult>('scan', ['--runs', values['scan-runs']]);
  if (scan) {
    json.scan = scan;
    for (const image of scan.images) {
      const work = `${image.name}: ${(image.compressedBytes / 1e6).toFixed(0)} MB gzip, ${(image.uncompressedBytes / 1e6).toFixed(0)} MB tar, ${image.layers} layers`;
      rows.push(
        ['scan: gzip -dc (floor)', work, `${image.floor.seconds.toFixed(2)} s`, '', ''],
        [
          'scan: consign scan --no-cache',
          `${work}, ${image.packages} packages`,
          `${image.full.seconds.toFixed(2)} s`,
          `${image.ratio.toFixed(2)}x floor, peak RSS ${image.full.peakRssMiB.toFixed(0)} MiB`,
          'target <= 1.30x floor',
        ],
        [
          'scan: the engine, in-process',
          work,
          `${image.fullInProcessSeconds.toFixed(2)} s`,
          `${image.inProcessRatio.toFixed(2)}x floor (no command start-up)`,
          '',
        ],
        [
          'scan: cached re-scan',
          work,
          `${image.cachedInProcessMs.toFixed(0)} ms in-process`,
          `CLI ${(image.cachedCli.seconds * 1000).toFixed(0)} ms (node alone ${(scan.nodeStartSeconds * 1000).toFixed(0)} ms)`,
          'target < 100 ms',
        ],
      );
    }
  }
}

if (values.json) {
  console.log(JSON.stringify(json, null, 2));
} else {
  const widths = [0, 1, 2, 3, 4].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const row of rows)
    console.log(
      row
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    );
}
if (failed) process.exitCode = 1;
