// A small HTTP layer on node:http/node:https: Node's global fetch cannot take a private CA, and we
// want keep-alive pools, socket timeouts and streamed request bodies under our control.
import { readFileSync } from 'node:fs';
import type * as Http from 'node:http';
import type { Readable } from 'node:stream';
import { rootCertificates } from 'node:tls';
import { ConsignError } from '../errors';
import { pooledGet } from './pooled-get';
import type { ReadBufferSource } from './read-buffers';

// Taken as plain modules: an ES import of node:http builds a facade that evaluates its lazy
// exports and so loads Node's whole fetch implementation, tens of milliseconds at every start.
const http = process.getBuiltinModule('node:http');
const https = process.getBuiltinModule('node:https');

export interface TransportRequest {
  method: string;
  url: URL;
  headers?: Record<string, string>;
  /** A buffer can be sent again on a retry; a stream only once. */
  body?: Buffer | Readable;
  /** Socket inactivity limit. */
  timeoutMs: number;
  signal?: AbortSignal;
  /** A GET whose response body is read into this recycled memory (see `ReadBuffers`). */
  readBuffers?: ReadBufferSource;
  /** Called as a streamed body's bytes reach the socket, with the count so far. */
  onBodySent?: (bytes: number) => void;
}

export interface TransportResponse {
  status: number;
  headers: Http.IncomingHttpHeaders;
  url: URL;
  body: Readable;
}

/** The request body's own source failed (not the network): never retried here. */
export class BodySourceError extends Error {
  constructor(cause: unknown) {
    super('the request body failed', { cause });
    this.name = 'BodySourceError';
  }
}

/** A socket that went silent for longer than the timeout. */
export class SocketTimeoutError extends Error {
  readonly code = 'ETIMEDOUT';
  constructor(ms: number) {
    super(`no data for ${Math.round(ms / 1000)} s`);
    this.name = 'SocketTimeoutError';
  }
}

const RETRYABLE_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'ERR_STREAM_PREMATURE_CLOSE',
  'UND_ERR_SOCKET',
]);

export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** A network failure worth another attempt (dropped, refused, timed out). */
export function isRetryableNetworkError(error: unknown): boolean {
  if (error instanceof ConsignError || error instanceof BodySourceError) return false;
  if (isAbortError(error)) return false; // the caller cancelled: never retried
  const code = errorCode(error);
  if (code && RETRYABLE_CODES.has(code)) return true;
  const message = error instanceof Error ? error.message : '';
  return /socket hang up|aborted|premature close/i.test(message);
}

export function isTlsError(error: unknown): boolean {
  const code = errorCode(error) ?? '';
  return (
    code.startsWith('ERR_SSL') ||
    code.startsWith('ERR_TLS') ||
    code === 'EPROTO' ||
    /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/.test(code)
  );
}

export function isAbortError(error: unknown): boolean {
  return (error as { name?: unknown } | null)?.name === 'AbortError';
}

export class Transport {
  readonly #caFile: string | undefined;
  #ca: string[] | undefined;
  #http: Http.Agent | undefined;
  #https: Http.Agent | undefined;

  constructor(caFile?: string) {
    this.#caFile = caFile;
  }

  #agent(url: URL): Http.Agent {
    checkScheme(url);
    if (url.protocol === 'http:') {
      this.#http ??= new http.Agent({ keepAlive: true, maxSockets: 32, scheduling: 'lifo' });
      return this.#http;
    }
    if (!this.#https) {
      const ca = this.#trusted();
      this.#https = new https.Agent({
        keepAlive: true,
        maxSockets: 32,
        scheduling: 'lifo',
        ...(ca ? { ca } : {}),
      });
    }
    return this.#https;
  }

  /** Certificates trusted for https: the public roots, plus the private CA when one is set. */
  #trusted(): string[] | undefined {
    if (!this.#caFile || this.#ca) return this.#ca;
    let pem: string;
    try {
      pem = readFileSync(this.#caFile, 'utf8');
    } catch (cause) {
      throw new ConsignError('BAD_INPUT', `The CA file ${this.#caFile} cannot be read.`, {
        remedy: 'Give the path of a readable PEM file with the CA certificate (--ca-file).',
        cause,
      });
    }
    if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
      throw new ConsignError('BAD_INPUT', `The CA file ${this.#caFile} holds no PEM certificate.`, {
        remedy: 'Give a PEM file (-----BEGIN CERTIFICATE-----) with the CA certificate.',
      });
    }
    // The private CA is added to the public roots: a registry may redirect blob reads to
    // storage with a public certificate.
    this.#ca = [...rootCertificates, pem];
    return this.#ca;
  }

  request(request: TransportRequest): Promise<TransportResponse> {
    if (request.readBuffers && request.method === 'GET') return this.#pooledGet(request);
    return new Promise((resolve, reject) => {
      let agent: Http.Agent;
      try {
        agent = this.#agent(request.url);
      } catch (error) {
        reject(error);
        return;
      }
      const headers: Record<string, string> = { ...request.headers };
      const body = request.body;
      if (Buffer.isBuffer(body)) headers['content-length'] = String(body.length);
      else if (!body && request.method !== 'GET' && request.method !== 'HEAD')
        headers['content-length'] = '0';
      const module = request.url.protocol === 'https:' ? https : http;
      let settled = false;
      const fail = (error: unknown) => {
        if (settled) return;
        settled = true;
        reject(error);
      };
      const req = module.request(request.url, {
        method: request.method,
        headers,
        agent,
        timeout: request.timeoutMs,
        ...(request.signal ? { signal: request.signal } : {}),
      });
      req.on('timeout', () => req.destroy(new SocketTimeoutError(request.timeoutMs)));
      // Stays attached after the response: later socket errors reach the body stream instead.
      req.on('error', fail);
      req.on('response', (res) => {
        if (settled) {
          res.destroy();
          return;
        }
        settled = true;
        resolve({ status: res.statusCode ?? 0, headers: res.headers, url: request.url, body: res });
      });
      if (body && !Buffer.isBuffer(body)) {
        body.once('error', (error) => {
          fail(new BodySourceError(error));
          req.destroy();
        });
        sendBody(body, req, request.onBodySent);
      } else {
        req.end(body);
      }
    });
  }

  async #pooledGet(request: TransportRequest): Promise<TransportResponse> {
    checkScheme(request.url);
    const ca = request.url.protocol === 'https:' ? this.#trusted() : undefined;
    const res = await pooledGet({
      url: request.url,
      headers: request.headers ?? {},
      buffers: request.readBuffers!,
      timeoutMs: request.timeoutMs,
      onTimeout: () => new SocketTimeoutError(request.timeoutMs),
      ...(ca ? { ca } : {}),
      ...(request.signal ? { signal: request.signal } : {}),
    });
    return { ...res, url: request.url };
  }

  close(): void {
    this.#http?.destroy();
    this.#https?.destroy();
    this.#http = undefined;
    this.#https = undefined;
  }
}

/** Reads a whole (small) body, refusing more than `limit` bytes while it streams in. */
export async function readBody(
  res: TransportResponse,
  limit: number,
  onTooLarge: () => Error,
): Promise<Buffer> {
  const declared = Number(res.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    res.body.destroy();
    throw onTooLarge();
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of res.body as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > limit) {
      res.body.destroy();
      throw onTooLarge();
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}

/** Reads a small error body for its message; never fails. */
export async function readErrorBody(res: TransportResponse): Promise<Buffer | undefined> {
  try {
    return await readBody(res, 64 * 1024, () => new Error('too large'));
  } catch {
    return undefined;
  }
}

/** Discards a body so the socket goes back to the pool. */
export function discard(res: TransportResponse): void {
  res.body.resume();
  res.body.on('error', () => {});
}

export function header(res: { headers: Http.IncomingHttpHeaders }, name: string) {
  const value = res.headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(', ') : value;
}

function checkScheme(url: URL): void {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConsignError('BAD_INPUT', `Unsupported URL scheme ${url.protocol} from a registry.`);
  }
}

/**
 * Writes a streamed body into a request, pausing the source while the socket is full, and counts
 * the bytes whose writes have completed (handed to the kernel) for `onSent`. If the request dies
 * first (reset, timeout), the source is no longer read.
 */
function sendBody(body: Readable, req: Http.ClientRequest, onSent?: (bytes: number) => void) {
  let sent = 0;
  const onData = (chunk: Buffer) => {
    const length = chunk.length;
    const more = req.write(chunk, (error) => {
      if (error) return;
      sent += length;
      onSent?.(sent);
    });
    if (!more) body.pause();
  };
  const onDrain = () => body.resume();
  const onEnd = () => req.end();
  body.on('data', onData);
  body.once('end', onEnd);
  req.on('drain', onDrain);
  req.once('close', () => {
    body.off('data', onData);
    body.off('end', onEnd);
    req.off('drain', onDrain);
    if (!body.readableEnded) body.pause();
  });
}
