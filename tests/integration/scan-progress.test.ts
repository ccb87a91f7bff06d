// Per-layer scan progress and cancel, through the engine dispatcher as the app calls it: a real
// Debian 12 image pushed to the test registry, progress events for every layer, and a scan
// cancelled mid-way that rejects, caches nothing and leaves the engine working.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventOf, ScanResult } from '../../shared/contract';
import { createEngine, type Engine } from '../../electron/core/engine';
import { engineDispatcher } from '../../electron/core/handlers';
import { copyImages } from '../../electron/core/images';
import type { Dispatch } from '../../electron/core/rpc/dispatch';
import { DatabaseSync } from 'node:sqlite';
import { CLI } from '../support/consign-cli';
import { testEnv } from '../support/test-env';

const env = testEnv();

describe.skipIf(!env.debianImage)('scan progress and cancel', () => {
  let work: string;
  let engine: Engine;
  let dispatch: Dispatch;
  const unexpected: unknown[] = [];
  const progress: EventOf<'progress'>[] = [];
  const ref = `docker://${env.registryPlain}/consign-test/scan-progress-${randomUUID().slice(0, 8)}:1`;
  let layers: number;

  const cacheRows = () =>
    (
      engine.requireStore().db.prepare('SELECT count(*) AS n FROM scan_cache').get() as {
        n: number;
      }
    ).n;
  const eventsOf = (taskId: string) => progress.filter((e) => e.taskId === taskId);

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'consign-scan-progress-'));
    engine = createEngine({
      host: 'test',
      home: join(work, 'home'),
      keychainService: env.keychainService,
      env: { ...process.env, DOCKER_HOST: env.dockerHost },
    });
    engine.events.subscribe((event, payload) => {
      if (event === 'progress') progress.push(payload as EventOf<'progress'>);
    });
    dispatch = engineDispatcher(engine, (_channel, error) => unexpected.push(error));
    const copied = await copyImages(engine, `docker-daemon:${env.debianImage}`, [ref]);
    expect(copied.destinations[0]?.status).toBe('copied');
    const inspected = await dispatch('images.inspect', { ref });
    expect(inspected.ok).toBe(true);
    layers = (inspected as { data: { layers: unknown[] } }).data.layers.length;
    expect(layers).toBeGreaterThan(0);
  }, 300_000);

  afterAll(() => {
    engine?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('cancels a running scan: it rejects, caches nothing, and ends its layers cancelled', async () => {
    const taskId = randomUUID();
    let cancel: Promise<unknown> | undefined;
    const stop = engine.events.subscribe((event, payload) => {
      const e = payload as EventOf<'progress'>;
      if (event === 'progress' && e.taskId === taskId && e.state === 'running' && !cancel) {
        cancel = dispatch('tasks.cancel', { taskId });
      }
    });
    try {
      const answer = await dispatch('images.scan', { ref, taskId });
      expect(answer).toEqual({
        ok: false,
        error: {
          code: 'BAD_REQUEST',
          message: 'The scan was cancelled.',
          remedy: 'Start it again when you want the result.',
        },
      });
    } finally {
      stop();
    }
    expect(await cancel).toEqual({ ok: true, data: { cancelled: true } });
    expect(cacheRows()).toBe(0);
    const mine = eventsOf(taskId);
    expect(mine.some((e) => e.state === 'cancelled')).toBe(true);
    expect(mine.some((e) => e.state === 'done')).toBe(false);
    // The task is over: cancelling it again finds nothing.
    expect(await dispatch('tasks.cancel', { taskId })).toEqual({
      ok: true,
      data: { cancelled: false },
    });
    expect(unexpected).toEqual([]);
  }, 120_000);

  it('reports every layer in bytes up to its size, each ending done, then scans from the cache', async () => {
    const taskId = randomUUID();
    const answer = await dispatch('images.scan', { ref, taskId });
    expect(answer.ok, JSON.stringify(answer)).toBe(true);
    const result = (answer as { data: ScanResult }).data;
    expect(result.cached).toBe(false);
    expect(result.image.layers).toBe(layers);
    expect(result.image.os?.id).toBe('debian');
    expect(cacheRows()).toBe(1);

    const mine = eventsOf(taskId);
    const byLayer = new Map<string, EventOf<'progress'>[]>();
    for (const e of mine) {
      expect(e.unit).toBe('bytes');
      expect(e.item).toMatch(/^sha256:[0-9a-f]{64}$/);
      byLayer.set(e.item!, [...(byLayer.get(e.item!) ?? []), e]);
    }
    expect(byLayer.size).toBe(layers);
    for (const [, seen] of byLayer) {
      const total = seen[0]!.total!;
      expect(total).toBeGreaterThan(0);
      expect(seen[0]!.state).toBe('queued');
      expect(seen.at(-1)).toMatchObject({ state: 'done', done: total, total });
      // Bytes only grow, and never past the layer's size.
      const done = seen.map((e) => e.done);
      expect(done).toEqual([...done].sort((a, b) => a - b));
      expect(Math.max(...done)).toBe(total);
      expect(seen.every((e) => e.total === total && /^Layer \d+ of \d+$/.test(e.label))).toBe(true);
    }

    // Unchanged: answered from the cache, which one event says.
    const again = randomUUID();
    const cached = await dispatch('images.scan', { ref, taskId: again });
    expect(cached).toMatchObject({ ok: true, data: { cached: true } });
    expect(eventsOf(again)).toEqual([
      {
        taskId: again,
        label: 'From the scan cache',
        state: 'done',
        done: layers,
        total: layers,
        unit: 'items',
        message: 'cached',
      },
    ]);
    expect(unexpected).toEqual([]);
  }, 180_000);

  it('refuses a task id that is already running', async () => {
    const taskId = randomUUID();
    const [first, second] = await Promise.all([
      dispatch('images.scan', { ref, taskId }),
      dispatch('images.scan', { ref, taskId }),
    ]);
    expect(first.ok).toBe(true);
    expect(second).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
  }, 120_000);

  it('stops `consign scan` cleanly on Ctrl-C: exit 130, the error as JSON, nothing cached', async () => {
    const home = join(work, 'cli-home');
    const child = spawn(process.execPath, [CLI, 'scan', ref, '--json', '--home', home], {
      env: {
        ...process.env,
        CONSIGN_KEYCHAIN_SERVICE: env.keychainService,
        DBUS_SESSION_BUS_ADDRESS: env.dbusSessionBusAddress,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const closed = new Promise<number | null>((done) => child.on('close', (code) => done(code)));
    // The workspace is opened once the scan has begun, after Ctrl-C is wired.
    const database = join(home, 'consign.db');
    const started = Date.now();
    while (!existsSync(database) && Date.now() - started < 60_000) {
      await new Promise((done) => setTimeout(done, 20));
    }
    child.kill('SIGINT');
    expect(await closed, stderr).toBe(130);
    expect(JSON.parse(stdout)).toEqual({
      error: {
        code: 'BAD_REQUEST',
        message: 'The scan was cancelled.',
        remedy: 'Start it again when you want the result.',
      },
    });
    const db = new DatabaseSync(database, { readOnly: true });
    try {
      expect(db.prepare('SELECT count(*) AS n FROM scan_cache').get()).toEqual({ n: 0 });
    } finally {
      db.close();
    }
  }, 120_000);
});
