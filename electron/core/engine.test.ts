import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, schemaVersion } from './db';
import { migrations } from './db/migrations';
import { createEngine, type Engine } from './engine';
import { ConsignError } from './errors';
import { engineDispatcher } from './handlers';

describe('createEngine', () => {
  let dir: string;
  const engines: Engine[] = [];
  const make = (home: string) => {
    const engine = createEngine({
      host: 'test',
      home,
      env: { DOCKER_HOST: 'unix:///nonexistent.sock' },
    });
    engines.push(engine);
    return engine;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'consign-engine-'));
  });
  afterEach(() => {
    for (const engine of engines.splice(0)) engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates the workspace with a migrated WAL database and a first audit event', () => {
    const home = join(dir, 'ws');
    const store = make(home).requireStore();
    expect(store.workspace.path).toBe(home);
    const mode = store.db.prepare('PRAGMA journal_mode').get() as { journal_mode: string };
    expect(mode.journal_mode).toBe('wal');
    expect(schemaVersion(store.db)).toBe(migrations.length);
    expect(store.audit.list().map((e) => e.action)).toEqual(['workspace.created']);
  });

  it('opens an existing workspace without recording its creation again', () => {
    const home = join(dir, 'ws');
    make(home).close();
    engines.length = 0;
    const store = make(home).requireStore();
    expect(store.audit.count()).toBe(1);
    expect(store.audit.verify().ok).toBe(true);
  });

  it('refuses a workspace written by a newer schema, naming the remedy', () => {
    const home = join(dir, 'ws');
    make(home).close();
    engines.length = 0;
    const db = openDatabase(join(home, 'consign.db'));
    db.exec(`PRAGMA user_version = ${migrations.length + 5}`);
    db.close();
    const engine = make(home);
    expect(engine.store).toBeInstanceOf(ConsignError);
    expect(() => engine.requireStore()).toThrow(/newer Consign/);
  });

  it('keeps serving when the workspace cannot be used', async () => {
    const blocker = join(dir, 'file');
    writeFileSync(blocker, '');
    const engine = make(join(blocker, 'ws'));
    expect(engine.store).toBeInstanceOf(ConsignError);
    const dispatch = engineDispatcher(engine);
    const verify = await dispatch('audit.verify', {});
    expect(verify).toMatchObject({
      ok: false,
      error: {
        code: 'WORKSPACE_UNAVAILABLE',
        remedy: expect.stringMatching(/--home|CONSIGN_HOME/),
      },
    });
    expect(await dispatch('app.info', {})).toMatchObject({ ok: true, data: { host: 'test' } });
  });

  it('reports an unreachable Docker engine as an environment error with a remedy', async () => {
    const dispatch = engineDispatcher(make(join(dir, 'ws')));
    expect(await dispatch('images.list', {})).toMatchObject({
      ok: false,
      error: {
        code: 'DOCKER_UNAVAILABLE',
        message: expect.stringContaining('unix:///nonexistent.sock'),
        remedy: expect.stringMatching(/Start the Docker engine/),
      },
    });
  });
});
