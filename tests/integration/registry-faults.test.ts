// The registry client through a fault-injecting proxy in front of the plain registry: dropped
// connections, 5xx and 429 answers, a registry that alters bytes, and one that is not there.
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';
import { digestOf } from '../../electron/core/oci';
import { gzipHashing } from '../../electron/core/transfer';
import { RegistryClient, type RegistryClientOptions } from '../../electron/core/registry';
import { FaultProxy } from '../support/fault-proxy';
import {
  bufferSource,
  imageManifest,
  jsonBlob,
  randomBlob,
  readAll,
  uniqueRepository,
  type TestBlob,
} from '../support/registry-fixtures';
import { testEnv } from '../support/test-env';
import { failure } from '../support/failure';

const env = testEnv();
const MiB = 1024 * 1024;
const fastRetry = { attempts: 5, baseDelayMs: 20, maxDelayMs: 200, totalMs: 20_000 };

let proxy: FaultProxy;
let redirectTarget: FaultProxy;
const clients: RegistryClient[] = [];

function client(options: Partial<RegistryClientOptions> = {}): RegistryClient {
  const c = new RegistryClient({
    host: proxy.host,
    retry: fastRetry,
    timeoutMs: 10_000,
    ...options,
  });
  clients.push(c);
  return c;
}

/** Pushes a blob straight to the registry, past the proxy. */
async function seed(repository: string, blob: TestBlob): Promise<void> {
  const direct = new RegistryClient({ host: env.registryPlain });
  await direct.uploadBlob(repository, blob, bufferSource(blob));
  direct.close();
}

beforeAll(async () => {
  proxy = await FaultProxy.start(env.registryPlain);
  redirectTarget = await FaultProxy.start(env.registryPlain);
});
afterEach(() => {
  proxy.reset();
  redirectTarget.reset();
  for (const c of clients.splice(0)) c.close();
});
afterAll(async () => {
  await proxy.close();
  await redirectTarget.close();
});

describe('downloads through faults', () => {
  it('resumes a blob download reset mid-way, with a Range request, and verifies it', async () => {
    const repository = uniqueRepository('dl-reset');
    const blob = randomBlob(3 * MiB);
    await seed(repository, blob);
    proxy.add({
      method: 'GET',
      path: /\/blobs\/sha256:/,
      times: 2,
      action: { kind: 'reset-response', afterBytes: MiB },
    });
    const bytes = await readAll(await client().getBlob(repository, blob));
    expect(digestOf(bytes)).toBe(blob.digest);
    const gets = proxy.records.filter((r) => r.method === 'GET' && r.path.includes('/blobs/'));
    expect(gets).toHaveLength(3);
    expect(gets[1]!.range).toMatch(/^bytes=\d+-$/);
    expect(gets[2]!.range).toMatch(/^bytes=\d+-$/);
  });

  it('retries 500 and 503 answers for manifests and blobs', async () => {
    const repository = uniqueRepository('dl-5xx');
    const config = jsonBlob({ retry: true });
    await seed(repository, config);
    const manifest = imageManifest(config, []);
    const direct = new RegistryClient({ host: env.registryPlain });
    await direct.putManifest(repository, 'v1', manifest);
    direct.close();
    proxy.add({
      method: 'GET',
      path: /\/manifests\//,
      times: 1,
      action: { kind: 'status', status: 500 },
    });
    proxy.add({
      method: 'GET',
      path: /\/manifests\//,
      times: 1,
      action: { kind: 'status', status: 503 },
    });
    proxy.add({
      method: 'GET',
      path: /\/blobs\//,
      times: 2,
      action: { kind: 'status', status: 503 },
    });
    const c = client();
    expect((await c.getManifest(repository, 'v1')).digest).toBe(manifest.digest);
    expect(digestOf(await readAll(await c.getBlob(repository, config)))).toBe(config.digest);
    expect(proxy.records.filter((r) => r.fault === 'status')).toHaveLength(4);
  });

  it('honours Retry-After on 429', async () => {
    const repository = uniqueRepository('dl-429');
    const blob = randomBlob(1000);
    await seed(repository, blob);
    proxy.add({
      method: 'HEAD',
      times: 1,
      action: { kind: 'status', status: 429, retryAfter: '1' },
    });
    const started = Date.now();
    expect(await client().hasBlob(repository, blob.digest)).toBe(blob.size);
    const heads = proxy.records.filter((r) => r.method === 'HEAD');
    expect(heads).toHaveLength(2);
    expect(heads[1]!.at - heads[0]!.at).toBeGreaterThanOrEqual(950);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('follows a redirect of a blob read to another origin', async () => {
    const repository = uniqueRepository('dl-redirect');
    const blob = randomBlob(200_000);
    await seed(repository, blob);
    proxy.add({
      method: 'GET',
      path: /\/blobs\/sha256:/,
      times: 1,
      action: { kind: 'redirect', origin: `http://${redirectTarget.host}` },
    });
    expect(digestOf(await readAll(await client().getBlob(repository, blob)))).toBe(blob.digest);
    expect(redirectTarget.records.filter((r) => r.path.includes('/blobs/'))).toHaveLength(1);
  });

  it('catches a registry that alters a blob', async () => {
    const repository = uniqueRepository('dl-lie');
    const blob = randomBlob(500_000);
    await seed(repository, blob);
    proxy.add({
      method: 'GET',
      path: /\/blobs\/sha256:/,
      times: 1,
      action: { kind: 'corrupt', at: 123_456 },
    });
    const error = await failure(readAll(await client().getBlob(repository, blob)));
    expect(error.code).toBe('CHECK_FAILED');
    expect(error.message).toMatch(new RegExp(`does not match its digest ${blob.digest}`));
    expect(error.remedy).toBeTruthy();
  });

  it('catches a manifest whose bytes do not match the digest asked for', async () => {
    const repository = uniqueRepository('dl-lie-manifest');
    const config = jsonBlob({ lie: true });
    await seed(repository, config);
    const manifest = imageManifest(config, []);
    const direct = new RegistryClient({ host: env.registryPlain });
    await direct.putManifest(repository, 'v1', manifest);
    direct.close();
    proxy.add({
      method: 'GET',
      path: /\/manifests\//,
      times: 1,
      action: { kind: 'corrupt', at: 20 },
    });
    const error = await failure(client().getManifest(repository, manifest.digest));
    expect(error.code).toBe('CHECK_FAILED');
    expect(error.message).toMatch(/hash to sha256:[0-9a-f]{64}, not to the announced/);
  });
});

describe('uploads through faults', () => {
  it('resumes an interrupted chunked upload at the registry offset without re-sending finished chunks', async () => {
    const repository = uniqueRepository('ul-resume');
    const blob = randomBlob(3 * MiB);
    // The second chunk is cut after 300 KB; the registry never sees any of it.
    proxy.add({
      method: 'PATCH',
      skip: 1,
      times: 1,
      action: { kind: 'reset-request', afterBytes: 300 * 1024 },
    });
    const opened: number[] = [];
    const result = await client().uploadBlob(repository, blob, bufferSource(blob, opened), {
      chunkSize: MiB,
    });
    expect(result).toMatchObject({ uploaded: true, resumes: 1, restarts: 0 });
    expect(opened).toEqual([0, MiB]);
    const bytes = proxy.uploadBytes();
    expect(bytes.forwarded).toBe(blob.size);
    // Only the cut chunk was sent twice (at most one chunk more than the blob).
    expect(bytes.received).toBeGreaterThan(blob.size);
    expect(bytes.received).toBeLessThanOrEqual(blob.size + MiB);
    const status = proxy.records.filter((r) => r.method === 'GET' && r.path.includes('/uploads/'));
    expect(status).toHaveLength(1);
    const direct = new RegistryClient({ host: env.registryPlain });
    expect(digestOf(await readAll(await direct.getBlob(repository, blob)))).toBe(blob.digest);
    direct.close();
  });

  it('starts over when the registry lost the session after a partial chunk, and stores the right bytes', async () => {
    const repository = uniqueRepository('ul-restart');
    const blob = randomBlob(3 * MiB);
    proxy.add({
      method: 'PATCH',
      skip: 1,
      times: 1,
      action: { kind: 'reset-request-forwarded', afterBytes: 200 * 1024 },
    });
    const result = await client().uploadBlob(repository, blob, bufferSource(blob), {
      chunkSize: MiB,
    });
    // Distribution 2.8 invalidates a session whose stored size no longer matches the offset in
    // its upload URL's signed state, so the client has to notice and start over.
    expect(result).toMatchObject({ uploaded: true, resumes: 0, restarts: 1 });
    const direct = new RegistryClient({ host: env.registryPlain });
    expect(digestOf(await readAll(await direct.getBlob(repository, blob)))).toBe(blob.digest);
    direct.close();
  });

  it('resumes a monolithic upload cut mid-body and one answered 500, 503 and 429', async () => {
    const repository = uniqueRepository('ul-mono');
    const blob = randomBlob(800 * 1024);
    proxy.add({
      method: 'PUT',
      path: /\/uploads\//,
      times: 1,
      action: { kind: 'reset-request', afterBytes: 100 * 1024 },
    });
    const c = client();
    expect((await c.uploadBlob(repository, blob, bufferSource(blob))).uploaded).toBe(true);

    const other = randomBlob(600 * 1024);
    proxy.add({
      method: 'PUT',
      path: /\/uploads\//,
      times: 1,
      action: { kind: 'status', status: 500 },
    });
    proxy.add({
      method: 'PUT',
      path: /\/uploads\//,
      times: 1,
      action: { kind: 'status', status: 503 },
    });
    proxy.add({
      method: 'POST',
      path: /\/uploads\//,
      times: 1,
      action: { kind: 'status', status: 429, retryAfter: '1' },
    });
    const started = Date.now();
    expect((await c.uploadBlob(repository, other, bufferSource(other))).uploaded).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);

    const direct = new RegistryClient({ host: env.registryPlain });
    for (const b of [blob, other]) {
      expect(digestOf(await readAll(await direct.getBlob(repository, b)))).toBe(b.digest);
    }
    direct.close();
  });

  it('resumes chunked uploads answered 503 and follows relative Locations', async () => {
    const repository = uniqueRepository('ul-relative');
    const blob = randomBlob(2 * MiB + 7);
    proxy.relativeLocations = true;
    proxy.add({ method: 'PATCH', skip: 1, times: 2, action: { kind: 'status', status: 503 } });
    const result = await client().uploadBlob(repository, blob, bufferSource(blob), {
      chunkSize: 700 * 1024,
    });
    expect(result).toMatchObject({ uploaded: true, resumes: 2, restarts: 0 });
    expect(proxy.uploadBytes().forwarded).toBe(blob.size);
    expect(proxy.records.some((r) => r.method === 'PATCH' && r.path.startsWith('/v2/'))).toBe(true);
    const manifest = imageManifest(blob, []);
    expect(await client().putManifest(repository, 'rel', manifest)).toBe(manifest.digest);
  });
});

describe('streamed uploads, whose digest is known at their end', () => {
  /** A layer compressed on each opening, as the copy engine does, from `offset` on. */
  function compressingSource(data: Buffer, opened: number[]) {
    return {
      open(offset: number) {
        opened.push(offset);
        const pieces: Buffer[] = [];
        for (let i = 0; i < data.length; i += 64 * 1024)
          pieces.push(data.subarray(i, i + 64 * 1024));
        const { stream, result } = gzipHashing(Readable.from(pieces, { objectMode: false }));
        if (offset === 0) return Promise.resolve({ stream, result });
        let skip = offset;
        const rest = stream.filter((chunk: Buffer) => {
          skip -= chunk.length;
          return skip < 0;
        });
        return Promise.resolve({ stream: rest, result });
      },
    };
  }
  const layer = Buffer.concat([
    Buffer.from('etc/os-release usr/bin/env\n'.repeat(60_000)),
    randomBlob(MiB).bytes,
  ]);
  const expected = gzipSync(layer, { level: 6 });

  it('sends one streamed PATCH and names the digest in the final PUT', async () => {
    const repository = uniqueRepository('ul-streamed');
    const opened: number[] = [];
    const result = await client().uploadStreamedBlob(repository, compressingSource(layer, opened));
    expect(result).toMatchObject({ uploaded: true, resumes: 0, restarts: 0 });
    expect(result.digest).toBe(digestOf(expected));
    expect(result.size).toBe(expected.length);
    expect(opened).toEqual([0]);
    expect(proxy.records.map((r) => r.method)).toEqual(['POST', 'PATCH', 'PUT']);
    expect(proxy.records[2]!.path).toContain(`digest=${encodeURIComponent(result.digest)}`);
    const direct = new RegistryClient({ host: env.registryPlain });
    const stored = await readAll(await direct.getBlob(repository, result));
    expect(gunzipSync(stored).equals(layer)).toBe(true);
    direct.close();
  });

  it('compresses again after a cut PATCH and a 503 to the final PUT, to the same digest', async () => {
    const repository = uniqueRepository('ul-streamed-cut');
    proxy.add({
      method: 'PATCH',
      times: 1,
      action: { kind: 'reset-request', afterBytes: 200 * 1024 },
    });
    proxy.add({
      method: 'PUT',
      path: /\/uploads\//,
      times: 1,
      action: { kind: 'status', status: 503 },
    });
    const opened: number[] = [];
    const result = await client().uploadStreamedBlob(repository, compressingSource(layer, opened));
    expect(result.digest).toBe(digestOf(expected));
    expect(result.resumes + result.restarts).toBeGreaterThanOrEqual(1);
    expect(opened.length).toBeGreaterThanOrEqual(2);
    const direct = new RegistryClient({ host: env.registryPlain });
    expect(digestOf(await readAll(await direct.getBlob(repository, result)))).toBe(result.digest);
    direct.close();
  });

  it('fails at once, without retrying, when the source fails', async () => {
    const repository = uniqueRepository('ul-streamed-source');
    let opens = 0;
    const broken = {
      open() {
        opens++;
        const source = new Readable({
          read() {
            this.destroy(new Error('layer file vanished'));
          },
        });
        return Promise.resolve(gzipHashing(source));
      },
    };
    await expect(client().uploadStreamedBlob(repository, broken)).rejects.toThrow(
      /layer file vanished/,
    );
    expect(opens).toBe(1);
  });
});

describe('giving up', () => {
  it('stops at once when the caller aborts, without retrying further', async () => {
    const repository = uniqueRepository('abort');
    const blob = randomBlob(2 * MiB);
    proxy.add({ method: 'PATCH', times: 100, action: { kind: 'status', status: 503 } });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 150);
    const slow = client({ retry: { ...fastRetry, baseDelayMs: 1000, maxDelayMs: 1000 } });
    const started = Date.now();
    const error = await slow
      .uploadBlob(repository, blob, bufferSource(blob), {
        chunkSize: MiB,
        signal: controller.signal,
      })
      .catch((e: unknown) => e);
    expect((error as Error).name).toBe('AbortError');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('reports REGISTRY_UNAVAILABLE once retries are exhausted', async () => {
    const repository = uniqueRepository('exhausted');
    proxy.add({ method: 'GET', times: 100, action: { kind: 'status', status: 503 } });
    const error = await failure(
      client({ retry: { ...fastRetry, attempts: 3 } }).getManifest(repository, 'v1'),
    );
    expect(error.code).toBe('REGISTRY_UNAVAILABLE');
    expect(error.message).toMatch(/kept failing to read manifest v1 .*HTTP 503 \(3 attempts\)/);
    expect(error.remedy).toBeTruthy();
    expect(proxy.records).toHaveLength(3);
  });

  it('gives up at once when Retry-After asks for longer than it will wait', async () => {
    proxy.add({
      method: 'GET',
      times: 100,
      action: { kind: 'status', status: 429, retryAfter: '3600' },
    });
    const started = Date.now();
    const error = await failure(client().getManifest(uniqueRepository('long-wait'), 'v1'));
    expect(error.code).toBe('REGISTRY_UNAVAILABLE');
    expect(error.message).toMatch(/asked to wait 3600 s/);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('reports an unreachable port as REGISTRY_UNAVAILABLE quickly, with the default policy', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const port = (server.address() as AddressInfo).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const c = new RegistryClient({ host: `127.0.0.1:${port}` });
    const started = Date.now();
    const error = await failure(c.ping());
    c.close();
    expect(error.code).toBe('REGISTRY_UNAVAILABLE');
    expect(error.message).toMatch(/connection refused/);
    expect(Date.now() - started).toBeLessThan(6000);
  });
});
