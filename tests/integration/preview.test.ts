import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startPreviewProcess, type RunningPreview } from '../support/preview';
import { testEnv } from '../support/test-env';

function httpGet(url: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>(
    (done, fail) => {
      const req = request(url, { headers }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => done({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      req.on('error', fail);
      req.end();
    },
  );
}

/** Opens the RPC socket; resolves with the socket or the HTTP status that refused it. */
function connect(origin: string, token: string, headers: Record<string, string> = {}) {
  const ws = new WebSocket(
    `${origin.replace('http', 'ws')}/rpc?token=${encodeURIComponent(token)}`,
    {
      headers: { Origin: origin, ...headers },
    },
  );
  return new Promise<WebSocket | number>((done) => {
    ws.once('open', () => done(ws));
    ws.once('unexpected-response', (_req, res) => done(res.statusCode ?? 0));
    ws.once('error', () => done(-1));
  });
}

function rpc(ws: WebSocket, message: unknown): Promise<Record<string, unknown>> {
  return new Promise((done) => {
    ws.once('message', (data) => done(JSON.parse(String(data)) as Record<string, unknown>));
    ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  });
}

describe('browser preview host', () => {
  testEnv();
  let home: string;
  let preview: RunningPreview;
  let ws: WebSocket;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'consign-preview-'));
    preview = await startPreviewProcess(['--home', home]);
    const socket = await connect(preview.origin, preview.token);
    if (typeof socket === 'number') throw new Error(`could not connect: ${socket}`);
    ws = socket;
  });
  afterAll(async () => {
    ws?.close();
    await preview?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('listens on loopback only and serves the app with a strict CSP and the bridge', async () => {
    expect(new URL(preview.origin).hostname).toBe('127.0.0.1');
    const page = await httpGet(`${preview.origin}/`);
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toMatch(/script-src 'self'/);
    expect(page.headers['content-security-policy']).not.toMatch(/unsafe-eval/);
    expect(page.body).toMatch(/<script src="\/consign-preview-bridge\.js"><\/script>/);
    expect((await httpGet(`${preview.origin}/consign-preview-bridge.js`)).status).toBe(200);
  });

  it('refuses foreign Host headers (DNS rebinding) and paths outside the app', async () => {
    const rebound = await httpGet(`${preview.origin}/`, { Host: 'evil.example:80' });
    expect(rebound.status).toBe(421);
    expect((await httpGet(`${preview.origin}/..%2f..%2fpackage.json`)).status).toBe(404);
    expect((await httpGet(`${preview.origin}/%2e%2e/%2e%2e/package.json`)).status).toBe(404);
  });

  it('refuses sockets without the token or from another origin', async () => {
    expect(await connect(preview.origin, '')).toBe(403);
    expect(await connect(preview.origin, `${preview.token}x`)).toBe(403);
    expect(await connect(preview.origin, preview.token, { Origin: 'http://evil.example' })).toBe(
      403,
    );
  });

  it('answers contract channels with real data', async () => {
    const info = await rpc(ws, { type: 'invoke', id: 1, channel: 'app.info', request: {} });
    expect(info).toMatchObject({
      type: 'result',
      id: 1,
      result: { ok: true, data: { host: 'preview' } },
    });
    const verify = await rpc(ws, { type: 'invoke', id: 2, channel: 'audit.verify', request: {} });
    expect(verify).toMatchObject({ result: { ok: true, data: { ok: true, events: 1 } } });
  });

  it('survives malformed messages and keeps serving', async () => {
    expect(await rpc(ws, 'not json')).toMatchObject({
      type: 'error',
      error: { code: 'BAD_REQUEST' },
    });
    expect(await rpc(ws, { type: 'hello' })).toMatchObject({ type: 'error' });
    expect(await rpc(ws, { type: 'invoke', id: 3, channel: 'no.such', request: {} })).toMatchObject(
      {
        id: 3,
        result: { ok: false, error: { code: 'UNKNOWN_CHANNEL' } },
      },
    );
    expect(
      await rpc(ws, { type: 'invoke', id: 4, channel: 'images.list', request: { all: 'yes' } }),
    ).toMatchObject({ id: 4, result: { ok: false, error: { code: 'BAD_REQUEST' } } });
    expect(
      await rpc(ws, { type: 'invoke', id: 5, channel: 'images.list', request: null }),
    ).toMatchObject({ id: 5, result: { ok: true, data: expect.any(Array) } });
    expect(preview.process.exitCode).toBeNull();
  });
});
