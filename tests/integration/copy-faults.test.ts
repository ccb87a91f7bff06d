import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../electron/core/registry';
import { CLI, runConsign } from '../support/consign-cli';
import { FaultProxy } from '../support/fault-proxy';
import {
  bufferSource,
  imageManifest,
  jsonBlob,
  randomBlob,
  uniqueRepository,
  type TestBlob,
} from '../support/registry-fixtures';
import { testEnv } from '../support/test-env';

interface CopyJson {
  digest: string;
  destinations: {
    status: string;
    digest: string;
    blobsUploaded: number;
    blobsPresent: number;
    error?: { message: string };
  }[];
}

describe('consign copy when registries fail', () => {
  const env = testEnv();
  const plain = new RegistryClient({ host: env.registryPlain });
  let home: string;
  let proxy: FaultProxy;
  // A second door to the same registry: a different host, so blobs are copied, not mounted.
  let destinationProxy: FaultProxy;
  let repo: string;
  let digest: string;
  let layers: TestBlob[];

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'consign-copy-faults-'));
    proxy = await FaultProxy.start(env.registryPlain);
    destinationProxy = await FaultProxy.start(env.registryPlain);
    // Five incompressible layers of 4 MiB: big enough to be cut mid-transfer.
    repo = uniqueRepository('faults');
    const config = jsonBlob({ architecture: 'amd64', os: 'linux', note: repo });
    layers = Array.from({ length: 5 }, () => randomBlob(4 * 1024 * 1024));
    for (const blob of [config, ...layers]) await plain.uploadBlob(repo, blob, bufferSource(blob));
    const manifest = imageManifest(config, layers);
    await plain.putManifest(repo, 'v1', manifest);
    digest = manifest.digest;
  });
  afterAll(async () => {
    plain.close();
    await proxy.close();
    await destinationProxy.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('completes through resets, 5xx and 429 with the right digest', async () => {
    proxy.reset();
    destinationProxy.reset();
    proxy.add({
      method: 'GET',
      path: /\/blobs\/sha256:/,
      times: 2,
      action: { kind: 'reset-response', afterBytes: 1_000_000 },
    });
    destinationProxy.add({
      method: 'PUT',
      path: /\/blobs\/uploads\//,
      times: 1,
      action: { kind: 'status', status: 503 },
    });
    destinationProxy.add({
      method: 'HEAD',
      path: /\/blobs\//,
      times: 2,
      action: { kind: 'status', status: 429, retryAfter: '1' },
    });
    const target = `docker://${destinationProxy.host}/${uniqueRepository('faults-dst')}:v1`;
    const result = await runConsign([
      'copy',
      `docker://${proxy.host}/${repo}:v1`,
      target,
      '--json',
      '--home',
      home,
    ]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const copy = JSON.parse(result.stdout) as CopyJson;
    expect(copy.destinations[0]).toMatchObject({ status: 'copied', digest });
    expect(proxy.records.some((r) => r.fault === 'reset-response')).toBe(true);
    expect(destinationProxy.records.some((r) => r.fault === 'status')).toBe(true);
    const inspect = await runConsign(['inspect', target, '--json', '--home', home]);
    expect((JSON.parse(inspect.stdout) as { digest: string }).digest).toBe(digest);
  });

  it('refuses a source that returns altered bytes, and tags nothing', async () => {
    proxy.reset();
    proxy.add({
      method: 'GET',
      path: /\/blobs\/sha256:/,
      times: 1000,
      action: { kind: 'corrupt', at: 12_345 },
    });
    const targetRepo = uniqueRepository('faults-lie');
    const result = await runConsign([
      'copy',
      `docker://${proxy.host}/${repo}:v1`,
      `docker://${env.registryPlain}/${targetRepo}:v1`,
      '--home',
      home,
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/does not match its digest/);
    expect(await plain.headManifest(targetRepo, 'v1')).toBeNull();
  });

  it('resumes after the process is killed mid-copy without re-sending finished blobs', async () => {
    proxy.reset();
    destinationProxy.reset();
    // Through the second door, so the layers are really sent rather than mounted in an instant.
    const targetRepo = uniqueRepository('faults-kill');
    const target = `docker://${destinationProxy.host}/${targetRepo}:v1`;
    const child = spawn(
      process.execPath,
      [CLI, 'copy', `docker://${env.registryPlain}/${repo}:v1`, target, '--home', home],
      {
        stdio: 'ignore',
      },
    );
    // Listen from the start: a fast copy may be over before the kill below.
    let running = true;
    const exited = new Promise((resolve) => child.once('exit', resolve)).then(() => {
      running = false;
    });
    // Kill it as soon as the first layer has fully arrived at the destination.
    const deadline = Date.now() + 60_000;
    while (running && Date.now() < deadline) {
      const present = await Promise.all(layers.map((l) => plain.hasBlob(targetRepo, l.digest)));
      if (present.some((size) => size !== null)) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    child.kill('SIGKILL');
    await exited;
    // The tag is written last: a killed copy never leaves a tag on an incomplete image.
    const tagged = await plain.headManifest(targetRepo, 'v1');
    if (tagged) expect(tagged.digest).toBe(digest);

    const again = await runConsign([
      'copy',
      `docker://${env.registryPlain}/${repo}:v1`,
      target,
      '--json',
      '--home',
      home,
    ]);
    expect(again.code, again.stderr).toBe(0);
    const copy = JSON.parse(again.stdout) as CopyJson;
    expect(copy.destinations[0]!.digest).toBe(digest);
    expect(copy.destinations[0]!.blobsPresent).toBeGreaterThanOrEqual(1);
    expect(copy.destinations[0]!.blobsUploaded).toBeLessThan(layers.length + 1);
  });

  it('fails cleanly when a destination keeps failing, leaving its tag absent and others done', async () => {
    proxy.reset();
    proxy.add({
      method: 'PUT',
      path: /\/manifests\//,
      times: 1000,
      action: { kind: 'status', status: 500 },
    });
    const brokenRepo = uniqueRepository('faults-broken');
    const goodRepo = uniqueRepository('faults-good');
    const result = await runConsign([
      'copy',
      `docker://${env.registryPlain}/${repo}:v1`,
      `docker://${proxy.host}/${brokenRepo}:v1`,
      `docker://${env.registryPlain}/${goodRepo}:v1`,
      '--json',
      '--home',
      home,
    ]);
    expect(result.code).toBe(3);
    const copy = JSON.parse(result.stdout) as CopyJson;
    expect(copy.destinations.map((d) => d.status)).toEqual(['failed', 'copied']);
    expect(copy.destinations[0]!.error?.message).toBeTruthy();
    expect(await plain.headManifest(brokenRepo, 'v1')).toBeNull();
    expect((await plain.headManifest(goodRepo, 'v1'))?.digest).toBe(digest);
  }, 300_000);
});
