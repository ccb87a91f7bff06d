import { randomBytes } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { pieces } from './chunks';
import { pooledGet } from './pooled-get';
import { ReadBuffers } from './read-buffers';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** A loopback server that answers every connection with `respond`, after reading the request. */
async function rawServer(respond: (socket: Socket, request: string) => unknown): Promise<URL> {
  const server = createServer((socket) => {
    let request = '';
    socket.on('error', () => {});
    socket.on('data', (data) => {
      request += data.toString('latin1');
      if (request.includes('\r\n\r\n')) void respond(socket, request);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/v2/r/blobs/x`);
}

function get(url: URL, buffers = new ReadBuffers(), extra: { signal?: AbortSignal } = {}) {
  return pooledGet({
    url,
    headers: { 'user-agent': 'test' },
    buffers,
    timeoutMs: 2_000,
    onTimeout: () => Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' }),
    ...extra,
  });
}

async function collect(body: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of pieces(body)) parts.push(part);
  return Buffer.concat(parts);
}

describe('pooledGet', () => {
  it('reads a Content-Length body into the recycled memory, announcing each piece', async () => {
    const payload = randomBytes(3 * 1024 * 1024 + 17);
    let seen = '';
    const url = await rawServer((socket, request) => {
      seen = request;
      socket.end(
        Buffer.concat([
          Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${payload.length}\r\nX-A: 1\r\n\r\n`),
          payload,
        ]),
      );
    });
    const buffers = new ReadBuffers();
    const memory = new Set<ArrayBufferLike>();
    const handedOut = buffers.handedOut.bind(buffers);
    buffers.handedOut = (piece) => {
      memory.add(piece.buffer);
      handedOut(piece);
    };
    const res = await get(url, buffers);
    expect(res.status).toBe(200);
    expect(res.headers['x-a']).toBe('1');
    const parts: Buffer[] = [];
    for await (const part of pieces(res.body)) {
      expect(memory.has(part.buffer)).toBe(true);
      parts.push(Buffer.from(part));
    }
    expect(Buffer.concat(parts).equals(payload)).toBe(true);
    expect(seen).toMatch(/^GET \/v2\/r\/blobs\/x HTTP\/1\.1\r\n/);
    expect(seen).toMatch(/\r\nhost: 127\.0\.0\.1:\d+\r\n/);
    expect(seen).toMatch(/\r\nuser-agent: test\r\n/);
  });

  it('parses a head and chunked body cut into one-byte writes', async () => {
    const url = await rawServer(async (socket) => {
      const text =
        'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n' +
        '5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\nTrailer: x\r\n\r\n';
      for (const byte of Buffer.from(text)) {
        socket.write(Buffer.of(byte));
        await sleep(1);
      }
      socket.end();
    });
    const res = await get(url);
    expect((await collect(res.body)).toString()).toBe('hello, world');
  });

  it('reads a chunked body from node:http in large pieces', async () => {
    const payload = randomBytes(2 * 1024 * 1024);
    const server = createHttpServer((_req: IncomingMessage, res) => {
      res.write(payload.subarray(0, 1000));
      res.write(payload.subarray(1000, 900_000));
      res.end(payload.subarray(900_000));
    });
    servers.push(server as unknown as Server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    const res = await get(url);
    expect((await collect(res.body)).equals(payload)).toBe(true);
  });

  it('reads a body that ends with the connection, and skips an interim 100 answer', async () => {
    const url = await rawServer((socket) => {
      socket.end(
        'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 404 Not Found\r\nX: y\r\n\r\n{"errors":[]}',
      );
    });
    const res = await get(url);
    expect(res.status).toBe(404);
    expect((await collect(res.body)).toString()).toBe('{"errors":[]}');
  });

  it('fails the body with a retryable reset when the connection closes mid-body', async () => {
    const url = await rawServer((socket) => {
      socket.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly some');
    });
    const res = await get(url);
    const error = await collect(res.body).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ECONNRESET' });
    expect(String(error)).toMatch(/closed in the middle of a body/);
  });

  it('keeps up with a slow consumer without losing or reordering bytes', async () => {
    const payload = randomBytes(8 * 1024 * 1024);
    const url = await rawServer((socket) => {
      socket.end(
        Buffer.concat([
          Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${payload.length}\r\n\r\n`),
          payload,
        ]),
      );
    });
    const res = await get(url);
    const parts: Buffer[] = [];
    let i = 0;
    for await (const part of pieces(res.body)) {
      parts.push(Buffer.from(part));
      if (i++ % 8 === 0) await sleep(5);
    }
    expect(Buffer.concat(parts).equals(payload)).toBe(true);
  });

  it('refuses malformed answers and header injection', async () => {
    const bad = await rawServer((socket) => socket.end('HTTP/2 200\r\n\r\n'));
    await expect(get(bad)).rejects.toThrow(/malformed HTTP response: bad status line/);
    const badLength = await rawServer((socket) =>
      socket.end('HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n'),
    );
    await expect(get(badLength)).rejects.toThrow(/bad content-length/);
    const badChunk = await rawServer((socket) =>
      socket.end('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'),
    );
    const res = await get(badChunk);
    await expect(collect(res.body)).rejects.toThrow(/bad chunk size/);
    const url = await rawServer((socket) => socket.end('HTTP/1.1 200 OK\r\n\r\n'));
    await expect(
      pooledGet({
        url,
        headers: { authorization: 'Bearer x\r\nX-Evil: 1' },
        buffers: new ReadBuffers(),
        timeoutMs: 1_000,
        onTimeout: () => new Error('timeout'),
      }),
    ).rejects.toThrow(/Invalid HTTP header/);
  });

  it('stops on abort and on a silent server', async () => {
    const silent = await rawServer(() => {});
    const controller = new AbortController();
    const pending = get(silent, new ReadBuffers(), { signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    const slow = await pooledGet({
      url: await rawServer((socket) =>
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n'),
      ),
      headers: {},
      buffers: new ReadBuffers(),
      timeoutMs: 200,
      onTimeout: () => Object.assign(new Error('no data'), { code: 'ETIMEDOUT' }),
    });
    await expect(collect(slow.body)).rejects.toMatchObject({ code: 'ETIMEDOUT' });
  });
});
