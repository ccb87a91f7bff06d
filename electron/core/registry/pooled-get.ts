// An HTTP/1.1 GET whose response body is read straight into recycled memory (`ReadBuffers`).
// node:http copies every body piece into a new buffer after reading the socket into another new
// one; for blob downloads that garbage is most of the CPU a copy costs (docs/benchmarks.md).
// Only what a blob GET needs: one request per connection, Content-Length, chunked or
// close-delimited bodies, TLS verified with the same trust as the rest of the transport.
import type { IncomingHttpHeaders } from 'node:http';
import type { OnReadOpts, Socket } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { Readable } from 'node:stream';
import type { ReadBufferSource } from './read-buffers';

const net = process.getBuiltinModule('node:net');
const tls = process.getBuiltinModule('node:tls');

/** A response head larger than this is refused (registries send well under 8 KiB). */
const MAX_HEAD_BYTES = 64 * 1024;
/** A chunk-size line longer than this is refused. */
const MAX_CHUNK_LINE = 1024;

export interface PooledGetRequest {
  url: URL;
  headers: Record<string, string>;
  buffers: ReadBufferSource;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Certificates to trust for https (default: Node's public roots). */
  ca?: string[];
  /** Makes the socket-silence error (the caller's own type, so retries treat it alike). */
  onTimeout: () => Error;
}

export interface PooledGetResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Readable;
}

/** A socket that closed before the response was complete: retried like a reset connection. */
class ConnectionLostError extends Error {
  readonly code = 'ECONNRESET';
  constructor(detail: string) {
    super(`the connection closed ${detail}`);
    this.name = 'ConnectionLostError';
  }
}

/** A response that is not HTTP/1.1 as the standard spells it. */
class MalformedResponseError extends Error {
  readonly code = 'HPE_INVALID';
  constructor(detail: string) {
    super(`malformed HTTP response: ${detail}`);
    this.name = 'MalformedResponseError';
  }
}

function abortError(): Error {
  const error = new Error('The operation was aborted');
  error.name = 'AbortError';
  return error;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

function requestHead(url: URL, headers: Record<string, string>): string {
  let head = `GET ${url.pathname}${url.search} HTTP/1.1\r\nhost: ${url.host}\r\n`;
  for (const [name, value] of Object.entries(headers)) {
    // Header injection guard, as node:http has.
    if (!TOKEN.test(name) || /[\r\n\0]/.test(value)) {
      throw new TypeError(`Invalid HTTP header ${JSON.stringify(name)}`);
    }
    const lower = name.toLowerCase();
    if (lower === 'host' || lower === 'connection') continue;
    head += `${name}: ${value}\r\n`;
  }
  return `${head}connection: close\r\n\r\n`;
}

/** Status and headers of a response head (without its final empty line). */
function parseHead(text: string): { status: number; headers: IncomingHttpHeaders } {
  const lines = text.split('\r\n');
  const statusLine = /^HTTP\/1\.[01] (\d{3})(?: .*)?$/.exec(lines[0] ?? '');
  if (!statusLine) throw new MalformedResponseError('bad status line');
  const headers: IncomingHttpHeaders = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new MalformedResponseError('bad header line');
    const name = line.slice(0, colon).toLowerCase();
    if (!TOKEN.test(name)) throw new MalformedResponseError('bad header name');
    const value = line.slice(colon + 1).trim();
    if (name === 'set-cookie') {
      const cookies = headers['set-cookie'] ?? [];
      cookies.push(value);
      headers['set-cookie'] = cookies;
    } else {
      const earlier = headers[name] as string | undefined;
      headers[name] = earlier === undefined ? value : `${earlier}, ${value}`;
    }
  }
  return { status: Number(statusLine[1]), headers };
}

type Framing =
  | { kind: 'length'; left: number }
  | { kind: 'chunked'; state: 'size' | 'data' | 'data-end' | 'trailer'; left: number; line: string }
  | { kind: 'close' };

function framingOf(status: number, headers: IncomingHttpHeaders): Framing {
  if (status === 204 || status === 304) return { kind: 'length', left: 0 };
  const encoding = String(headers['transfer-encoding'] ?? '').toLowerCase();
  if (encoding) {
    if (!/(^|,)\s*chunked\s*$/.test(encoding)) {
      throw new MalformedResponseError(`unsupported transfer-encoding ${encoding}`);
    }
    return { kind: 'chunked', state: 'size', left: 0, line: '' };
  }
  const length = headers['content-length'];
  if (length !== undefined) {
    if (!/^\d+$/.test(length)) throw new MalformedResponseError('bad content-length');
    return { kind: 'length', left: Number(length) };
  }
  return { kind: 'close' };
}

/**
 * Sends a GET and resolves with the response head; the body streams pieces of the reads (views
 * of `buffers`' memory, never copied), announced with `buffers.handedOut`. Errors after the head
 * destroy the body with them.
 */
export function pooledGet(request: PooledGetRequest): Promise<PooledGetResponse> {
  const { url, buffers, signal } = request;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortError());
      return;
    }
    let head: Buffer | undefined = Buffer.alloc(0);
    let framing: Framing | undefined;
    let body: Readable | undefined;
    let done = false;
    /** Reading stopped because the consumer is behind. */
    let paused = false;
    let socket: Socket;

    /** Stops for good: false when that had already happened. */
    const close = (): boolean => {
      if (done) return false;
      done = true;
      signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      return true;
    };
    const fail = (error: Error) => {
      if (!close()) return;
      if (body) body.destroy(error);
      else reject(error);
    };
    const onAbort = () => fail(abortError());
    const finish = () => {
      if (close()) body!.push(null);
    };
    /** Pushes a piece of the body; false when the consumer wants a pause. */
    const give = (piece: Buffer): boolean => {
      if (piece.length === 0) return true;
      buffers.handedOut(piece);
      return body!.push(piece);
    };

    /** Consumes body bytes by the framing; false to pause the socket. */
    const consume = (data: Buffer): boolean => {
      const framed = framing!;
      if (framed.kind === 'close') return give(data);
      if (framed.kind === 'length') {
        const piece = data.length > framed.left ? data.subarray(0, framed.left) : data;
        framed.left -= piece.length;
        const more = give(piece);
        if (framed.left === 0) finish();
        return more;
      }
      let more = true;
      let at = 0;
      while (at < data.length && !done) {
        if (framed.state === 'data') {
          const piece = data.subarray(at, at + framed.left);
          at += piece.length;
          framed.left -= piece.length;
          more = give(piece) && more;
          if (framed.left === 0) framed.state = 'data-end';
          continue;
        }
        // Line-oriented states: a chunk size, the CRLF after a chunk, trailers.
        const newline = data.indexOf(10, at);
        const end = newline < 0 ? data.length : newline;
        framed.line += data.toString('latin1', at, end);
        at = newline < 0 ? data.length : newline + 1;
        if (framed.line.length > MAX_CHUNK_LINE) throw new MalformedResponseError('chunk line');
        if (newline < 0) break;
        const line = framed.line.replace(/\r$/, '');
        framed.line = '';
        if (framed.state === 'data-end') {
          if (line !== '') throw new MalformedResponseError('no CRLF after a chunk');
          framed.state = 'size';
        } else if (framed.state === 'size') {
          const size = /^([0-9a-fA-F]{1,12})(?:;.*)?$/.exec(line);
          if (!size) throw new MalformedResponseError('bad chunk size');
          framed.left = parseInt(size[1]!, 16);
          framed.state = framed.left === 0 ? 'trailer' : 'data';
        } else if (line === '') {
          finish();
        }
      }
      return more;
    };

    const onHead = (data: Buffer): boolean => {
      const joined = Buffer.concat([head!, data]);
      const end = joined.indexOf('\r\n\r\n');
      if (end < 0) {
        if (joined.length > MAX_HEAD_BYTES) throw new MalformedResponseError('head too large');
        head = joined; // a copy: the read's memory is not kept
        return true;
      }
      const parsed = parseHead(joined.toString('latin1', 0, end));
      if (parsed.status >= 100 && parsed.status < 200) {
        // An interim answer (100 Continue): the real head follows.
        head = Buffer.alloc(0);
        return onHead(joined.subarray(end + 4));
      }
      head = undefined;
      framing = framingOf(parsed.status, parsed.headers);
      body = new Readable({
        read: () => {
          // A socket whose read callback said "stop" restarts with resume() (net.Socket's own
          // handling of user-supplied read buffers).
          if (paused && !done) {
            paused = false;
            socket.resume();
          }
        },
        destroy: (error, callback) => {
          close();
          // Like node:http's responses: an error nobody listens for yet is not thrown at the
          // process; it stays on the stream (`errored`), where a later reader finds it.
          callback(body!.listenerCount('error') > 0 ? error : null);
        },
      });
      resolve({ status: parsed.status, headers: parsed.headers, body });
      if (framing.kind === 'length' && framing.left === 0) {
        finish();
        return true;
      }
      // The body's first bytes, in the read's own memory (the head ended within this read).
      return consume(data.subarray(data.length - (joined.length - end - 4)));
    };

    const onRead = (bytes: number, room: Uint8Array): boolean => {
      buffers.filled(bytes);
      if (done) return false;
      const data = Buffer.from(room.buffer, room.byteOffset, bytes);
      try {
        return head ? onHead(data) : consume(data);
      } catch (error) {
        fail(error as Error);
        return false;
      }
    };
    const onread: OnReadOpts = {
      buffer: () => buffers.room(),
      // `room` is the buffer the function above gave for this read (net and tls alike).
      callback: (bytes: number, room: Uint8Array) => {
        if (onRead(bytes, room)) return true;
        paused = true;
        return false;
      },
    };

    const hostname = url.hostname.replace(/^\[|\]$/g, '');
    const secure = url.protocol === 'https:';
    const port = Number(url.port) || (secure ? 443 : 80);
    try {
      // tls.connect takes `onread` like net.connect (Node's types omit it).
      const secureOptions: ConnectionOptions & { onread: OnReadOpts } = {
        host: hostname,
        port,
        ...(net.isIP(hostname) ? {} : { servername: hostname }),
        ...(request.ca ? { ca: request.ca } : {}),
        ALPNProtocols: ['http/1.1'],
        onread,
      };
      socket = secure ? tls.connect(secureOptions) : net.connect({ host: hostname, port, onread });
    } catch (error) {
      reject(error);
      return;
    }
    socket.setNoDelay(true);
    socket.setTimeout(request.timeoutMs, () => fail(request.onTimeout()));
    socket.on('error', (error) => fail(error));
    socket.on('end', () => {
      if (framing?.kind === 'close') finish();
      else fail(new ConnectionLostError(head ? 'before the response' : 'in the middle of a body'));
    });
    socket.on('close', () => {
      if (!done) fail(new ConnectionLostError('before the response was complete'));
    });
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      socket.write(requestHead(url, request.headers));
    } catch (error) {
      fail(error as Error);
    }
  });
}
