/**
 * Signing benchmark: 100 distinct small images on a fresh loopback registry, signed by the
 * in-process engine with a fresh workspace key, the way `consign sign REF...` signs several
 * images (same function, same concurrency), once per format: legacy, bundle, both. Each format
 * signs its own copy of the images (its own repository), so no run finds signatures already
 * there. Reports signatures per second and how much of the wall time is crypto: the same
 * signatures are made again without any registry (the legacy payload signed; the Statement signed
 * as a DSSE bundle by sigstore-js), and that time is set against the run's wall time. The engine
 * runs on one thread, so crypto time is wall time the registry round trips did not get.
 *
 *   node out/bench/signing.js [--images 100]     (bundled by scripts/bench.ts: it imports the engine)
 *
 * Needs docker-registry and a Secret Service keychain (the key lives there while the benchmark
 * runs and is revoked, which deletes it, at the end). Progress on stderr, one JSON line on stdout.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { createEngine } from '../../electron/core/engine';
import { digestOf, MediaType, type Digest } from '../../electron/core/oci';
import { RegistryClient } from '../../electron/core/registry';
import {
  imageStatement,
  SIGN_CONCURRENCY,
  SIGN_PREDICATE_TYPE,
  signImages,
  signPayload,
  signStatement,
  simpleSigningPayload,
  type SignatureFormat,
} from '../../electron/core/signing';
import { RegistryPool } from './lib/registries.ts';

export interface SigningRow {
  formats: SignatureFormat[];
  images: number;
  signatures: number;
  seconds: number;
  signaturesPerSecond: number;
  /** Time to make the same signatures with no registry, ms. */
  cryptoMs: number;
  /** cryptoMs / wall time. */
  cryptoShare: number;
}

export interface SigningResult {
  images: number;
  concurrency: number;
  keyAlgorithm: string;
  /** Reading the private key from the keychain, once per run, ms. */
  keychainReadMs: number;
  pushSeconds: number;
  /**
   * The registry's own pace on this machine: manifest HEADs answered per second at the same
   * concurrency. A signature costs about nine requests (see docs/benchmarks.md).
   */
  registryRequestsPerSecond: number;
  rows: SigningRow[];
}

const log = (line: string) => process.stderr.write(`${line}\n`);

async function upload(client: RegistryClient, repository: string, bytes: Buffer): Promise<Digest> {
  const digest = digestOf(bytes);
  await client.uploadBlob(repository, { digest, size: bytes.length }, (offset) =>
    Promise.resolve(Readable.from([bytes.subarray(offset)])),
  );
  return digest;
}

/** One small image whose single layer is random bytes, so every image has its own digest. */
async function pushImage(client: RegistryClient, repository: string, tag: string): Promise<void> {
  const layer = randomBytes(1024);
  const layerDigest = await upload(client, repository, layer);
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: [layerDigest] },
    }),
  );
  const configDigest = await upload(client, repository, config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      config: { mediaType: MediaType.ociConfig, digest: configDigest, size: config.length },
      layers: [{ mediaType: MediaType.ociLayerTar, digest: layerDigest, size: layer.length }],
    }),
  );
  await client.putManifest(repository, tag, { bytes: manifest, mediaType: MediaType.ociManifest });
}

async function eachLimited<T>(items: T[], limit: number, work: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { images: { type: 'string', default: '100' } } });
  const count = Math.max(1, Number(values.images));
  const work = mkdtempSync(join(tmpdir(), 'consign-bench-signing-'));
  const pool = new RegistryPool(work);
  const cleanup = async () => {
    await pool.stopAll();
    rmSync(work, { recursive: true, force: true });
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(
      sig,
      () => void cleanup().finally(() => process.exit(sig === 'SIGINT' ? 130 : 143)),
    );
  }
  const engine = createEngine({
    host: 'cli',
    home: join(work, 'home'),
    keychainService: `consign-bench-${randomBytes(6).toString('hex')}`,
  });
  let keyId: string | undefined;
  try {
    const registry = await pool.start('signing');
    const client = new RegistryClient({ host: registry.host });
    const formatsList: SignatureFormat[][] = [['legacy'], ['bundle'], ['legacy', 'bundle']];
    const repositories = formatsList.map((formats) => `bench/sign-${formats.join('-')}`);

    log(`pushing ${count} images to each of ${repositories.length} repositories...`);
    let started = performance.now();
    const pushes = repositories.flatMap((repository) =>
      Array.from({ length: count }, (_, i) => ({ repository, tag: `v${i}` })),
    );
    await eachLimited(pushes, SIGN_CONCURRENCY, (p) => pushImage(client, p.repository, p.tag));
    const pushSeconds = (performance.now() - started) / 1000;
    const heads = Array.from({ length: 50 * SIGN_CONCURRENCY }, (_, i) => i % count);
    started = performance.now();
    await eachLimited(heads, SIGN_CONCURRENCY, async (i) => {
      await client.headManifest(repositories[0]!, `v${i}`);
    });
    const registryRequestsPerSecond = heads.length / ((performance.now() - started) / 1000);
    client.close();

    const store = engine.requireStore();
    const key = await store.keys.generate('benchmark');
    keyId = key.id;
    started = performance.now();
    const privateKey = await store.keys.privateKey(key.id);
    const keychainReadMs = performance.now() - started;

    const rows: SigningRow[] = [];
    for (const [index, formats] of formatsList.entries()) {
      const repository = repositories[index]!;
      const refs = Array.from(
        { length: count },
        (_, i) => `docker://${registry.host}/${repository}:v${i}`,
      );
      log(`signing ${count} images, format ${formats.join(' + ')}...`);
      started = performance.now();
      const outcomes = await signImages(engine, refs, key.id, { formats });
      const seconds = (performance.now() - started) / 1000;
      const failed = outcomes.find((o) => 'error' in o);
      if (failed && 'error' in failed) throw failed.error;
      const created = outcomes.flatMap((o) =>
        'result' in o ? o.result.signatures.filter((s) => s.created) : [],
      );
      if (created.length !== count * formats.length) {
        throw new Error(`expected ${count * formats.length} new signatures, got ${created.length}`);
      }

      // The same cryptographic work with no registry: what signing costs on its own.
      const digests = outcomes.map((o) => ('result' in o ? o.result.digest : digestOf('')));
      const repo = `${registry.host}/${repository}`;
      started = performance.now();
      for (const digest of digests) {
        if (formats.includes('legacy')) signPayload(privateKey, simpleSigningPayload(repo, digest));
        if (formats.includes('bundle')) {
          await signStatement(privateKey, imageStatement(repo, digest, SIGN_PREDICATE_TYPE, {}));
        }
      }
      const cryptoMs = performance.now() - started;
      rows.push({
        formats,
        images: count,
        signatures: created.length,
        seconds,
        signaturesPerSecond: created.length / seconds,
        cryptoMs,
        cryptoShare: cryptoMs / (seconds * 1000),
      });
    }
    const result: SigningResult = {
      images: count,
      concurrency: SIGN_CONCURRENCY,
      keyAlgorithm: key.algorithm,
      keychainReadMs,
      pushSeconds,
      registryRequestsPerSecond,
      rows,
    };
    console.log(JSON.stringify(result));
  } finally {
    // Revoking deletes the private key from the keychain: the benchmark leaves nothing there.
    if (keyId)
      await engine
        .requireStore()
        .keys.revoke(keyId, 'benchmark finished')
        .catch(() => {});
    engine.close();
    await cleanup();
  }
}

await main();
