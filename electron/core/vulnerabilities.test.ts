import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventOf } from '../../shared/contract';
import { createEngine, type Engine } from './engine';
import { engineDispatcher } from './handlers';

// The app's vulnerability-data channels, through the dispatcher that checks every request and
// response against the contract, on a real workspace and its real OSV database.
describe('vulnerability data channels', () => {
  let dir: string;
  let engine: Engine;
  let dispatch: ReturnType<typeof engineDispatcher>;

  const record = (id: string, extra: object = {}) => ({
    id,
    modified: new Date().toISOString(),
    published: '2026-11-01T00:00:00Z',
    aliases: [`CVE-2099-${id.slice(-4)}`],
    summary: `Test advisory ${id}`,
    details: 'Line one.\nLine two.',
    affected: [
      {
        package: { ecosystem: 'Debian:12', name: 'glibc' },
        ranges: [
          { type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '2.36-9+deb12u99' }] },
        ],
        database_specific: { urgency: 'high' },
      },
    ],
    references: [{ type: 'ADVISORY', url: 'https://example.com/advisory' }, { bogus: true }],
    ...extra,
  });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'consign-vulns-'));
    engine = createEngine({
      host: 'test',
      home: join(dir, 'ws'),
      env: { DOCKER_HOST: 'unix:///nonexistent.sock' },
    });
    dispatch = engineDispatcher(engine);
  });
  afterEach(() => {
    engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('imports a folder with progress events, then reports status and stored records', async () => {
    const folder = join(dir, 'osv');
    mkdirSync(folder);
    writeFileSync(join(folder, 'TEST-0001.json'), JSON.stringify(record('TEST-0001')));
    writeFileSync(join(folder, 'TEST-0002.json'), JSON.stringify(record('TEST-0002')));
    writeFileSync(join(folder, 'notes.json'), JSON.stringify({ hello: 'world' }));

    const before = await dispatch('vulndb.status', {});
    expect(before).toMatchObject({ ok: true, data: { records: 0, stale: true } });
    expect(before.ok && (before.data as { warning?: string }).warning).toMatch(/No vulnerability/);

    const seen: EventOf<'progress'>[] = [];
    engine.events.subscribe((event, payload) => {
      if (event === 'progress') seen.push(payload as EventOf<'progress'>);
    });
    const imported = await dispatch('vulndb.import', { path: folder, taskId: 'import-1' });
    expect(imported).toMatchObject({
      ok: true,
      data: { kind: 'folder', imported: 2, updated: 0, skipped: 1, ecosystems: ['Debian:12'] },
    });
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((e) => e.taskId === 'import-1' && e.unit === 'items')).toBe(true);
    expect(seen.at(-1)!.state).toBe('done');

    const after = await dispatch('vulndb.status', {});
    expect(after).toMatchObject({
      ok: true,
      data: { records: 2, ecosystems: [{ name: 'Debian:12', records: 2 }], stale: false },
    });

    // By id and by alias; references without a URL are left out; the JSON is the stored record.
    for (const id of ['TEST-0001', 'CVE-2099-0001']) {
      const found = await dispatch('vulndb.record', { id });
      expect(found.ok, JSON.stringify(found)).toBe(true);
      if (!found.ok) continue;
      expect(found.data).toMatchObject({
        id: 'TEST-0001',
        aliases: ['CVE-2099-0001'],
        summary: 'Test advisory TEST-0001',
        details: 'Line one.\nLine two.',
        affected: [
          {
            ecosystem: 'Debian:12',
            name: 'glibc',
            ranges: [
              { type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '2.36-9+deb12u99' }] },
            ],
          },
        ],
        references: [{ type: 'ADVISORY', url: 'https://example.com/advisory' }],
      });
      const json = JSON.parse((found.data as { json: string }).json) as { id: string };
      expect(json.id).toBe('TEST-0001');
    }
  });

  it('says what to do for a record it does not hold and for a path that does not exist', async () => {
    const missing = await dispatch('vulndb.record', { id: 'CVE-2099-4040' });
    expect(missing).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(!missing.ok && missing.error.remedy).toMatch(/vulndb import/);

    const seen: EventOf<'progress'>[] = [];
    engine.events.subscribe((event, payload) => {
      if (event === 'progress') seen.push(payload as EventOf<'progress'>);
    });
    const nowhere = join(dir, 'no-such-osv.zip');
    const refused = await dispatch('vulndb.import', { path: nowhere, taskId: 'import-2' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'BAD_INPUT' } });
    expect(!refused.ok && refused.error.message).toContain('nothing was imported');
    expect(!refused.ok && refused.error.remedy).toMatch(/all\.zip/);
    expect(seen.at(-1)).toMatchObject({ taskId: 'import-2', state: 'failed' });
  });

  it('refuses malformed requests before anything runs', async () => {
    for (const [channel, request] of [
      ['vulndb.import', { path: '' }],
      ['vulndb.import', { path: '/x', extra: 1 }],
      ['vulndb.record', { id: '   ' }],
      ['images.scan', { ref: 'docker-daemon:a:b', platform: 'linux' }],
      ['images.scan', { ref: '' }],
    ] as const) {
      const answer = await dispatch(channel, request);
      expect(answer, `${channel} ${JSON.stringify(request)}`).toMatchObject({
        ok: false,
        error: { code: 'BAD_REQUEST' },
      });
    }
  });
});
