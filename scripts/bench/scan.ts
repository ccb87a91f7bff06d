/**
 * Scan benchmark: an application image built from real files of this machine (Debian's package
 * database and documentation, Python's dist-packages, Java archives, Node modules, a Go binary),
 * written as an OCI layout of gzip layers (level 6, as `docker push` compresses), then:
 *
 * - the floor: `gzip -dc` of the same layer blobs once, to /dev/null;
 * - a full scan: `consign scan oci:LAYOUT:TAG --no-cache --json` (the built CLI), as a ratio to
 *   the floor, with its peak RSS;
 * - a cached re-scan: the same command without --no-cache, and `scanImage` in this process (the
 *   engine alone, without Node's start-up);
 * - the same for a larger image (the first plus the machine's shared libraries and JVM), to show
 *   that memory does not grow with the image.
 *
 * Wall time and peak RSS come from GNU time; each scenario runs --runs times, interleaved, and
 * the median is reported. No OSV data is imported, so vulnerability matching is not measured.
 *
 *   node out/bench/scan.js [--runs 3] [--cli out/cli/consign.js] [--small-only]
 *                                          (bundled by scripts/bench.ts: it imports the engine)
 *
 * Needs GNU time and gzip. Progress on stderr, one JSON line on stdout.
 */
import { spawn } from 'node:child_process';
import { createHash, type Hash } from 'node:crypto';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { createGzip } from 'node:zlib';
import { createEngine } from '../../electron/core/engine';
import { scanImage } from '../../electron/core/scan';
import { measure, median, type Measured } from './lib/measure.ts';

export interface ScanImageRow {
  name: string;
  layers: number;
  compressedBytes: number;
  uncompressedBytes: number;
  packages: number;
  floor: Measured;
  full: Measured;
  /** full / floor, wall time. */
  ratio: number;
  /** Median of scanImage() with the cache off, in this process (no CLI start-up). */
  fullInProcessSeconds: number;
  /** fullInProcessSeconds / floor. */
  inProcessRatio: number;
  cachedCli: Measured;
  /** Median of scanImage() answered from the cache, in this process. */
  cachedInProcessMs: number;
}

export interface ScanBenchResult {
  runs: number;
  nodeStartSeconds: number;
  images: ScanImageRow[];
}

const log = (line: string) => process.stderr.write(`${line}\n`);

/** Paths (relative to /) of each layer; missing ones are left out. */
const SMALL: string[][] = [
  ['etc/os-release', 'usr/lib/os-release', 'var/lib/dpkg/status', 'usr/bin', 'usr/share/doc'],
  ['usr/lib/python3/dist-packages', 'usr/share/java', 'usr/lib/node_modules'],
];
const LARGE_EXTRA: string[][] = [['usr/lib/x86_64-linux-gnu'], ['usr/lib/jvm']];

class Hasher extends Transform {
  readonly hash: Hash = createHash('sha256');
  size = 0;
  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    this.size += chunk.length;
    done(null, chunk);
  }
}

function writeBlob(layout: string, data: string): { digest: string; size: number } {
  const hex = createHash('sha256').update(data).digest('hex');
  writeFileSync(join(layout, 'blobs', 'sha256', hex), data);
  return { digest: `sha256:${hex}`, size: Buffer.byteLength(data) };
}

/** One layer: `tar` of real paths, hashed before and after gzip, streamed to a blob file. */
async function writeLayer(layout: string, paths: string[], n: number) {
  const present = paths.filter((p) => existsSync(join('/', p)));
  if (!present.length) throw new Error(`none of ${paths.join(', ')} exists on this machine`);
  const tar = spawn('tar', ['-C', '/', '--warning=no-file-changed', '-cf', '-', ...present], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | null>((done) => tar.on('close', done));
  const tmp = join(layout, 'blobs', `.layer-${n}`);
  const diff = new Hasher();
  const blob = new Hasher();
  await pipeline(tar.stdout, diff, createGzip({ level: 6 }), blob, createWriteStream(tmp));
  const code = await exited;
  if (code !== 0 && code !== 1) throw new Error(`tar of ${present.join(', ')} failed (${code})`);
  const hex = blob.hash.digest('hex');
  const file = join(layout, 'blobs', 'sha256', hex);
  renameSync(tmp, file);
  return {
    file,
    digest: `sha256:${hex}`,
    size: blob.size,
    diffId: `sha256:${diff.hash.digest('hex')}`,
    uncompressed: diff.size,
  };
}

async function writeImage(folder: string, layers: string[][], go: string | undefined) {
  mkdirSync(join(folder, 'blobs', 'sha256'), { recursive: true });
  const all = go ? [...layers.slice(0, 2), [go], ...layers.slice(2)] : layers;
  const written = [];
  for (const [n, paths] of all.entries()) written.push(await writeLayer(folder, paths, n));
  const config = writeBlob(
    folder,
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: { User: '1000', Cmd: ['/usr/bin/app'], Healthcheck: { Test: ['CMD', 'true'] } },
      rootfs: { type: 'layers', diff_ids: written.map((l) => l.diffId) },
    }),
  );
  const manifest = writeBlob(
    folder,
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
      layers: written.map((l) => ({
        mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
        digest: l.digest,
        size: l.size,
      })),
    }),
  );
  writeFileSync(join(folder, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  writeFileSync(
    join(folder, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          ...manifest,
          annotations: { 'org.opencontainers.image.ref.name': 'bench' },
        },
      ],
    }),
  );
  return written;
}

/** The median run by wall time, with the highest peak RSS seen; throws on a failed run. */
function summarize(what: string, runs: Measured[]): Measured {
  const failed = runs.find((r) => r.code !== 0);
  if (failed) throw new Error(`${what} failed: ${failed.error}`);
  return {
    seconds: median(runs.map((r) => r.seconds)),
    peakRssMiB: Math.max(...runs.map((r) => r.peakRssMiB)),
    cpuSeconds: median(runs.map((r) => r.cpuSeconds)),
    code: 0,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '3' },
      cli: { type: 'string', default: 'out/cli/consign.js' },
      'small-only': { type: 'boolean' },
    },
  });
  const runs = Math.max(1, Number(values.runs));
  const cli = resolve(values.cli);
  if (!existsSync(cli)) throw new Error(`${cli} is missing: build it first (npm run build)`);
  const work = mkdtempSync(join(tmpdir(), 'consign-bench-scan-'));
  const cleanup = () => rmSync(work, { recursive: true, force: true });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      cleanup();
      process.exit(sig === 'SIGINT' ? 130 : 143);
    });
  }
  try {
    const home = join(work, 'home');
    const env = {
      ...process.env,
      CONSIGN_HOME: home,
      CONSIGN_KEYCHAIN_SERVICE: `consign-bench-${process.pid}`,
    };
    const nodeStart = summarize(
      'node',
      await Promise.all([measure(process.execPath, ['-e', '0'])]),
    ).seconds;
    const images: ScanImageRow[] = [];
    const specs = [
      { name: 'application', layers: SMALL },
      ...(values['small-only']
        ? []
        : [{ name: 'application + libraries', layers: [...SMALL, ...LARGE_EXTRA] }]),
    ];
    const goPaths = goToolchain();
    for (const spec of specs) {
      const folder = join(work, spec.name.replace(/\W+/g, '-'));
      let started = performance.now();
      log(`writing the ${spec.name} image (${spec.layers.length + (goPaths ? 1 : 0)} layers)...`);
      const layers = await writeImage(folder, spec.layers, goPaths);
      const compressed = layers.reduce((sum, l) => sum + l.size, 0);
      const uncompressed = layers.reduce((sum, l) => sum + l.uncompressed, 0);
      log(
        `  ${(compressed / 1e6).toFixed(0)} MB compressed, ${(uncompressed / 1e6).toFixed(0)} MB of tar, ` +
          `written in ${((performance.now() - started) / 1000).toFixed(1)} s`,
      );
      const ref = `oci:${folder}:bench`;
      const floors: Measured[] = [];
      const fulls: Measured[] = [];
      const inProcessFulls: number[] = [];
      // The engine in this process, for the scan without the command's start-up.
      const engine = createEngine({ host: 'cli', home, env });
      for (let run = 0; run < runs; run++) {
        floors.push(
          await measure('sh', [
            '-c',
            'gzip -dc "$@" > /dev/null',
            'sh',
            ...layers.map((l) => l.file),
          ]),
        );
        fulls.push(
          await measure(process.execPath, [cli, 'scan', ref, '--no-cache', '--json'], { env }),
        );
        started = performance.now();
        await scanImage(engine, ref, { cache: false });
        inProcessFulls.push((performance.now() - started) / 1000);
        log(
          `  run ${run + 1}: gzip -dc ${floors.at(-1)!.seconds.toFixed(2)} s, scan ${fulls.at(-1)!.seconds.toFixed(2)} s, ` +
            `in-process ${inProcessFulls.at(-1)!.toFixed(2)} s`,
        );
      }
      const floor = summarize('gzip -dc', floors);
      const full = summarize('consign scan --no-cache', fulls);
      const cachedRuns: Measured[] = [];
      for (let run = 0; run < Math.max(5, runs); run++) {
        cachedRuns.push(await measure(process.execPath, [cli, 'scan', ref, '--json'], { env }));
      }
      const cachedCli = summarize('consign scan (cached)', cachedRuns);
      let packages = 0;
      const inProcess: number[] = [];
      try {
        for (let run = 0; run < 11; run++) {
          started = performance.now();
          const result = await scanImage(engine, ref);
          inProcess.push(performance.now() - started);
          if (!result.cached) throw new Error('the re-scan did not come from the cache');
          packages = result.packages.length;
        }
      } finally {
        engine.close();
      }
      images.push({
        name: spec.name,
        layers: layers.length,
        compressedBytes: compressed,
        uncompressedBytes: uncompressed,
        packages,
        floor,
        full,
        ratio: full.seconds / floor.seconds,
        fullInProcessSeconds: median(inProcessFulls),
        inProcessRatio: median(inProcessFulls) / floor.seconds,
        cachedCli,
        cachedInProcessMs: median(inProcess),
      });
      rmSync(folder, { recursive: true, force: true });
    }
    const result: ScanBenchResult = { runs, nodeStartSeconds: nodeStart, images };
    console.log(JSON.stringify(result));
  } finally {
    cleanup();
  }
}

/** The Go toolchain's binaries (Go programs with build information), when Go is installed. */
function goToolchain(): string | undefined {
  const go = readdirSync('/usr/lib').find((name) => /^go-\d/.test(name));
  return go && existsSync(`/usr/lib/${go}/bin`) ? `usr/lib/${go}/bin` : undefined;
}

await main();
