// A fault-injecting HTTP proxy on 127.0.0.1 in front of a real registry: it forwards requests
// unchanged (Host included, so the registry's upload URLs point back through the proxy) and,
// for requests matching a rule, answers an error status, resets the connection mid-request or
// mid-response, alters response bytes, or redirects. It counts what passes so tests can prove
// which bytes were sent.
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type FaultAction =
  /** Answer this status without asking the registry. */
  | { kind: 'status'; status: number; retryAfter?: string }
  /** Forward, then cut the connection after this many bytes of the response body. */
  | { kind: 'reset-response'; afterBytes: number }
  /** Read this many bytes of the request body, forward nothing, cut the connection. */
  | { kind: 'reset-request'; afterBytes: number }
  /** Forward this many bytes of the request body to the registry, then cut both connections. */
  | { kind: 'reset-request-forwarded'; afterBytes: number }
  /** Forward, but flip one byte of the response body at this offset. */
  | { kind: 'corrupt'; at: number }
  /** Answer 307 to the same path on another origin. */
  | { kind: 'redirect'; origin: string };

export interface FaultRule {
  method?: string;
  /** Matched against the path (with query). */
  path?: RegExp;
  /** Requests to let through untouched before the first fault. */
  skip?: number;
  /** How many matching requests to fault; the rest pass. */
  times: number;
  action: FaultAction;
}

export interface ProxyRecord {
  method: string;
  path: string;
  at: number;
  range?: string;
  fault?: FaultAction['kind'];
  /** Request body bytes received from the client. */
  bytesIn: number;
  /** Request body bytes forwarded to the registry. */
  bytesForwarded: number;
  /** The response status the client was sent (absent while waiting or when cut). */
  status?: number;
}

interface ActiveRule extends FaultRule {
  seen: number;
  faulted: number;
}

export class FaultProxy {
  readonly host: string;
  readonly records: ProxyRecord[] = [];
  /** Rewrite absolute Location headers to paths, as registries with relative URLs send them. */
  relativeLocations = false;
  readonly #server: http.Server;
  readonly #upstream: URL;
  readonly #sockets = new Set<Socket>();
  #rules: ActiveRule[] = [];

  private constructor(server: http.Server, upstream: URL) {
    this.#server = server;
    this.#upstream = upstream;
    this.host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    server.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
      socket.on('error', () => {});
    });
  }

  /** Starts a proxy in front of `upstream` (`host:port` of a plain-HTTP registry). */
  static async start(upstream: string): Promise<FaultProxy> {
    const server = http.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const proxy = new FaultProxy(server, new URL(`http://${upstream}`));
    server.on('request', (req, res) => proxy.#handle(req, res));
    return proxy;
  }

  add(rule: FaultRule): void {
    this.#rules.push({ ...rule, seen: 0, faulted: 0 });
  }

  reset(): void {
    this.#rules = [];
    this.records.length = 0;
    this.relativeLocations = false;
  }

  /** Upload body bytes (PATCH/PUT/POST to blobs/uploads) received and forwarded. */
  uploadBytes(): { received: number; forwarded: number } {
    const uploads = this.records.filter((r) => /\/blobs\/uploads\//.test(r.path));
    return {
      received: uploads.reduce((sum, r) => sum + r.bytesIn, 0),
      forwarded: uploads.reduce((sum, r) => sum + r.bytesForwarded, 0),
    };
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #match(req: http.IncomingMessage): FaultAction | undefined {
    for (const rule of this.#rules) {
      if (rule.method && rule.method !== req.method) continue;
      if (rule.path && !rule.path.test(req.url ?? '')) continue;
      rule.seen++;
      if (rule.seen <= (rule.skip ?? 0) || rule.faulted >= rule.times) continue;
      rule.faulted++;
      return rule.action;
    }
    return undefined;
  }

  #handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const record: ProxyRecord = {
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      at: Date.now(),
      bytesIn: 0,
      bytesForwarded: 0,
      ...(req.headers.range ? { range: req.headers.range } : {}),
    };
    this.records.push(record);
    const action = this.#match(req);
    if (action) record.fault = action.kind;
    req.on('error', () => {});
    res.on('error', () => {});
    req.on('data', (chunk: Buffer) => {
      record.bytesIn += chunk.length;
    });

    if (action?.kind === 'status') {
      req.resume();
      record.status = action.status;
      res.writeHead(action.status, {
        'content-type': 'application/json',
        ...(action.retryAfter ? { 'retry-after': action.retryAfter } : {}),
      });
      res.end(JSON.stringify({ errors: [{ code: 'UNAVAILABLE', message: 'injected fault' }] }));
      return;
    }
    if (action?.kind === 'redirect') {
      req.resume();
      res.writeHead(307, { location: `${action.origin}${req.url ?? '/'}` });
      res.end();
      return;
    }
    if (action?.kind === 'reset-request') {
      let seen = 0;
      req.on('data', (chunk: Buffer) => {
        seen += chunk.length;
        if (seen >= action.afterBytes) req.socket.destroy();
      });
      req.on('end', () => req.socket.destroy());
      return;
    }

    const upstream = http.request(
      {
        host: this.#upstream.hostname,
        port: this.#upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
        agent: false,
      },
      (up) => {
        const headers = { ...up.headers };
        if (this.relativeLocations && typeof headers.location === 'string') {
          const location = new URL(headers.location, `http://${this.host}`);
          if (location.host === this.host)
            headers.location = `${location.pathname}${location.search}`;
        }
        res.writeHead(up.statusCode ?? 502, headers);
        record.status = up.statusCode ?? 502;
        let sent = 0;
        up.on('data', (chunk: Buffer) => {
          let out = chunk;
          if (action?.kind === 'corrupt' && action.at >= sent && action.at < sent + chunk.length) {
            out = Buffer.from(chunk);
            out[action.at - sent] = out[action.at - sent]! ^ 0xff;
          }
          if (action?.kind === 'reset-response' && sent + chunk.length >= action.afterBytes) {
            res.write(out.subarray(0, Math.max(0, action.afterBytes - sent)));
            setImmediate(() => {
              res.socket?.destroy();
              up.destroy();
            });
            sent = Number.POSITIVE_INFINITY;
            return;
          }
          sent += chunk.length;
          if (!res.write(out)) {
            up.pause();
            res.once('drain', () => up.resume());
          }
        });
        up.on('end', () => res.end());
        up.on('error', () => res.socket?.destroy());
      },
    );
    upstream.on('error', () => res.socket?.destroy());
    req.on('data', (chunk: Buffer) => {
      if (action?.kind === 'reset-request-forwarded') {
        const room = action.afterBytes - record.bytesForwarded;
        if (room > 0) {
          const part = chunk.subarray(0, room);
          record.bytesForwarded += part.length;
          upstream.write(part);
        }
        if (record.bytesForwarded >= action.afterBytes) {
          // Let the registry take in what it got, then cut both sides.
          setTimeout(() => {
            upstream.destroy();
            req.socket.destroy();
          }, 50);
        }
        return;
      }
      record.bytesForwarded += chunk.length;
      if (!upstream.write(chunk)) {
        req.pause();
        upstream.once('drain', () => req.resume());
      }
    });
    req.on('end', () => {
      if (action?.kind !== 'reset-request-forwarded') upstream.end();
    });
  }
}
