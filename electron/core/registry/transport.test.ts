import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { ReadBuffers } from './read-buffers';
import { readBody, Transport } from './transport';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** A loopback server echoing the request body's length and digest-free bytes back. */
async function echoServer(): Promise<URL> {
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (part: Buffer) => parts.push(part));
    req.on('end', () => {
      const body = Buffer.concat(parts);
      res.writeHead(req.method === 'GET' ? 200 : 201, { 'content-length': body.length });
      res.end(req.method === 'GET' ? Buffer.alloc(0) : body);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/upload`);
}

describe('Transport', () => {
  it('sends a streamed body whole and reports the bytes as they reach the socket', async () => {
    const url = await echoServer();
    const transport = new Transport();
    const payload = randomBytes(5 * 1024 * 1024 + 3);
    const reports: number[] = [];
    const res = await transport.request({
      method: 'PUT',
      url,
      headers: { 'content-length': String(payload.length) },
      body: Readable.from(
        Array.from({ length: 6 }, (_, i) =>
          payload.subarray(i * 1024 * 1024, (i + 1) * 1024 * 1024),
        ),
      ),
      timeoutMs: 5_000,
      onBodySent: (bytes) => reports.push(bytes),
    });
    const echoed = await readBody(res, 16 * 1024 * 1024, () => new Error('too large'));
    expect(res.status).toBe(201);
    expect(echoed.equals(payload)).toBe(true);
    expect(reports.at(-1)).toBe(payload.length);
    expect(reports).toEqual([...reports].sort((a, b) => a - b));
    transport.close();
  });

  it('reads a GET with read buffers through the pooled reader', async () => {
    const payload = randomBytes(300_000);
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-length': payload.length });
      res.end(payload);
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/blob`);
    const buffers = new ReadBuffers();
    const res = await new Transport().request({
      method: 'GET',
      url,
      timeoutMs: 5_000,
      readBuffers: buffers,
    });
    expect(res.url).toBe(url);
    expect((await readBody(res, 1024 * 1024, () => new Error('too large'))).equals(payload)).toBe(
      true,
    );
    expect(buffers.stats.created).toBeGreaterThan(0);
  });
});
