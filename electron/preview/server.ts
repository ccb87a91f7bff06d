/**
 * The browser preview: hosts the same engine in Node and serves the built renderer on 127.0.0.1,
 * with `window.consign` carried over a WebSocket that only a holder of the random token may open.
 *
 *   node out/preview/server.js [--port N] [--home DIR]
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { WebSocketServer, type WebSocket } from 'ws';
import { CONTENT_SECURITY_POLICY } from '../../shared/csp';
import { createEngine, engineDispatcher, serveWire, type WireMessage } from '../core';
import { BRIDGE_PATH, RPC_PATH, TOKEN_PARAM } from './protocol';

const MAX_MESSAGE_BYTES = 1024 * 1024;

const mimeTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
};

export interface PreviewOptions {
  port?: number;
  home?: string;
  /** Folder holding the built renderer and the bridge script. */
  root?: string;
}

export interface PreviewServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

function sameToken(given: string | null, expected: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export async function startPreview(options: PreviewOptions = {}): Promise<PreviewServer> {
  const here = dirname(fileURLToPath(import.meta.url));
  const rendererRoot = options.root ?? join(here, '..', 'renderer');
  const bridgeFile = join(here, 'bridge.js');
  const token = randomBytes(24).toString('base64url');
  const engine = createEngine({ host: 'preview', ...(options.home ? { home: options.home } : {}) });
  const dispatch = engineDispatcher(engine, (channel, error) => {
    console.error(`[preview] unexpected error in ${channel}:`, error);
  });

  let port = 0;
  // Only our own origin may talk to us: a foreign page or a rebound DNS name is refused.
  const allowedHosts = () => new Set([`127.0.0.1:${port}`, `localhost:${port}`]);

  const securityHeaders = {
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cache-Control': 'no-store',
  };

  async function serveFile(res: ServerResponse, file: string, transform?: (s: string) => string) {
    const type = mimeTypes[extname(file)] ?? 'application/octet-stream';
    if (transform) {
      const body = transform(await readFile(file, 'utf8'));
      res.writeHead(200, { ...securityHeaders, 'Content-Type': type });
      res.end(body);
      return;
    }
    const info = await stat(file);
    res.writeHead(200, { ...securityHeaders, 'Content-Type': type, 'Content-Length': info.size });
    createReadStream(file).pipe(res);
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    if (!allowedHosts().has(req.headers.host ?? '')) {
      res.writeHead(421, securityHeaders).end('Misdirected request');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { ...securityHeaders, Allow: 'GET, HEAD' }).end();
      return;
    }
    const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    if (pathname === BRIDGE_PATH) return serveFile(res, bridgeFile);
    const relative = pathname === '/' ? 'index.html' : normalize(pathname).replace(/^([/\\])+/, '');
    const file = join(rendererRoot, relative);
    if (!file.startsWith(rendererRoot + sep) || relative.split(/[/\\]/).includes('..')) {
      res.writeHead(404, securityHeaders).end();
      return;
    }
    try {
      if (relative === 'index.html') {
        // The bridge must define window.consign before the app's own module script runs.
        return await serveFile(res, file, (html) =>
          html.replace('<script', `<script src="${BRIDGE_PATH}"></script>\n    <script`),
        );
      }
      return await serveFile(res, file);
    } catch {
      res.writeHead(404, securityHeaders).end();
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500, securityHeaders);
      res.end();
    });
  });

  const sockets = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const origin = req.headers.origin ?? '';
    const originOk = [...allowedHosts()].some((host) => origin === `http://${host}`);
    if (
      url.pathname !== RPC_PATH ||
      !allowedHosts().has(req.headers.host ?? '') ||
      !originOk ||
      !sameToken(url.searchParams.get(TOKEN_PARAM), token)
    ) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      return;
    }
    sockets.handleUpgrade(req, socket, head, (ws) => sockets.emit('connection', ws));
  });

  sockets.on('connection', (ws: WebSocket) => {
    const stop = serveWire(dispatch, engine.events, {
      onMessage(handler) {
        ws.on('message', (raw) => {
          let message: unknown;
          try {
            message = JSON.parse(String(raw));
          } catch {
            message = undefined;
          }
          handler(message);
        });
      },
      post(message: WireMessage) {
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
      },
    });
    ws.on('close', stop);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}/?${TOKEN_PARAM}=${token}`,
    port,
    async close() {
      for (const ws of sockets.clients) ws.terminate();
      sockets.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      engine.close();
    },
  };
}

async function main() {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '5180' },
      home: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log('Usage: node out/preview/server.js [--port N (0: any free port)] [--home DIR]');
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`--port must be a number from 0 to 65535, not "${values.port}".`);
    process.exit(2);
  }
  const preview = await startPreview({ port, ...(values.home ? { home: values.home } : {}) });
  console.log(`Consign preview: ${preview.url}`);
  const stop = () => {
    preview.close().finally(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(3);
  });
}
