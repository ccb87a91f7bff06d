// A small Docker registry token issuer for the test environment (the "token" auth scheme of the
// CNCF distribution registry). It serves GET /token (HTTP Basic credentials, or anonymous) and
// POST /token (OAuth2 password / refresh_token grants) and answers with an ES256 JWT whose header
// carries the issuer certificate in `x5c`; the registry trusts that certificate through its
// `rootcertbundle`.
//
// Policy: each configured user gets the actions it asks for among the ones it is allowed
// (`pull`, `push`, `delete`, `*`) on every repository, and `*` on `registry:catalog:*` when it may
// push. Anonymous requests get a valid token that grants nothing. Wrong credentials get 401.
//
// Usage: node scripts/test/token-issuer.ts --config issuer.json
//   {host, port (0 = any), portFile?, issuer, service, keyFile, certFile, expiresIn?,
//    users: [{name, password, actions: ["pull", "push", ...]}]}
import { createPrivateKey, createPublicKey, randomBytes, sign, timingSafeEqual } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface IssuerUser {
  name: string;
  password: string;
  actions: string[];
}

export interface IssuerConfig {
  host: string;
  port: number;
  portFile?: string;
  issuer: string;
  service: string;
  keyFile: string;
  certFile: string;
  expiresIn?: number;
  users: IssuerUser[];
}

export interface ResourceScope {
  type: string;
  name: string;
  actions: string[];
}

/** Parse scope strings (`repository:NAME:pull,push`; several per value, space separated). */
export function parseScopes(values: string[]): ResourceScope[] {
  const scopes: ResourceScope[] = [];
  for (const value of values) {
    for (const part of value.split(' ')) {
      if (!part) continue;
      const first = part.indexOf(':');
      const last = part.lastIndexOf(':');
      if (first < 0 || last === first) continue;
      const type = part.slice(0, first);
      const name = part.slice(first + 1, last);
      const actions = part
        .slice(last + 1)
        .split(',')
        .filter(Boolean);
      if (!type || !name) continue;
      scopes.push({ type, name, actions });
    }
  }
  return scopes;
}

/** What a user (or anonymous, when user is null) is granted out of the requested scopes. */
export function grantAccess(user: IssuerUser | null, requested: ResourceScope[]): ResourceScope[] {
  if (!user) return [];
  const granted: ResourceScope[] = [];
  for (const scope of requested) {
    let actions: string[] = [];
    if (scope.type === 'repository') {
      actions = scope.actions.filter((a) => user.actions.includes(a));
    } else if (scope.type === 'registry' && scope.name === 'catalog') {
      actions = user.actions.includes('push') ? scope.actions.filter((a) => a === '*') : [];
    }
    if (actions.length > 0) granted.push({ type: scope.type, name: scope.name, actions });
  }
  return granted;
}

function b64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

/** DER of the first certificate in a PEM file, base64 (standard alphabet) as `x5c` wants it. */
export function certificateDerBase64(pem: string): string {
  const m = /-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/.exec(pem);
  if (!m) throw new Error('no certificate in PEM');
  return m[1]!.replace(/\s+/g, '');
}

export interface TokenClaims {
  iss: string;
  sub: string;
  aud: string;
  exp: number;
  nbf: number;
  iat: number;
  jti: string;
  access: ResourceScope[];
}

/** Sign a JWT with ES256 (raw r||s signature, as JWS requires). */
export function signJwt(
  claims: TokenClaims,
  key: KeyObject,
  x5c: string[],
): { token: string; header: object } {
  const header = { typ: 'JWT', alg: 'ES256', x5c };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  const signature = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
  return { token: `${input}.${b64url(signature)}`, header };
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

interface Issuer {
  server: http.Server;
  port: number;
  close(): Promise<void>;
}

export async function startIssuer(config: IssuerConfig): Promise<Issuer> {
  const key = createPrivateKey(readFileSync(config.keyFile));
  const certPem = readFileSync(config.certFile, 'utf8');
  const x5c = [certificateDerBase64(certPem)];
  // Fail at start-up rather than per request if key and certificate do not match.
  if (key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new Error('issuer key must be an EC P-256 key');
  }
  const spki = (k: KeyObject) => k.export({ type: 'spki', format: 'der' });
  if (!spki(createPublicKey(key)).equals(spki(createPublicKey(certPem)))) {
    throw new Error('issuer key does not match the issuer certificate');
  }
  const expiresIn = config.expiresIn ?? 900;
  const refreshTokens = new Map<string, string>();

  const findUser = (name: string, password: string): IssuerUser | undefined =>
    config.users.find((u) => safeEqual(u.name, name) && safeEqual(u.password, password));

  const issue = (user: IssuerUser | null, scopes: ResourceScope[], offline: boolean) => {
    const now = Math.floor(Date.now() / 1000);
    const claims: TokenClaims = {
      iss: config.issuer,
      sub: user?.name ?? '',
      aud: config.service,
      exp: now + expiresIn,
      nbf: now - 30,
      iat: now,
      jti: randomBytes(16).toString('hex'),
      access: grantAccess(user, scopes),
    };
    const { token } = signJwt(claims, key, x5c);
    const body: Record<string, unknown> = {
      token,
      access_token: token,
      expires_in: expiresIn,
      issued_at: new Date(now * 1000).toISOString(),
    };
    if (offline && user) {
      const refresh = randomBytes(24).toString('base64url');
      refreshTokens.set(refresh, user.name);
      body.refresh_token = refresh;
    }
    return { body, claims };
  };

  const reply = (res: http.ServerResponse, status: number, body: unknown, extra = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...extra });
    res.end(JSON.stringify(body));
  };
  const unauthorized = (res: http.ServerResponse, message: string) =>
    reply(
      res,
      401,
      { errors: [{ code: 'UNAUTHORIZED', message }] },
      { 'www-authenticate': 'Basic realm="consign-test-token"' },
    );
  const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://issuer');
    if (url.pathname === '/healthz') return reply(res, 200, { ok: true });
    if (url.pathname !== '/token') return reply(res, 404, { error: 'not found' });

    if (req.method === 'GET') {
      const service = url.searchParams.get('service');
      if (service && service !== config.service) {
        return reply(res, 400, { error: 'invalid_request', error_description: 'unknown service' });
      }
      const scopes = parseScopes(url.searchParams.getAll('scope'));
      let user: IssuerUser | null = null;
      const auth = req.headers.authorization;
      if (auth) {
        const m = /^Basic\s+(.+)$/i.exec(auth);
        const decoded = m ? Buffer.from(m[1]!, 'base64').toString('utf8') : '';
        const colon = decoded.indexOf(':');
        const found =
          colon > 0 ? findUser(decoded.slice(0, colon), decoded.slice(colon + 1)) : undefined;
        if (!found) {
          log(`GET /token denied (bad credentials)`);
          return unauthorized(res, 'invalid username or password');
        }
        user = found;
      }
      const offline = url.searchParams.get('offline_token') === 'true';
      const { body, claims } = issue(user, scopes, offline);
      log(`GET /token sub=${claims.sub || '(anonymous)'} access=${JSON.stringify(claims.access)}`);
      return reply(res, 200, body);
    }

    if (req.method === 'POST') {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const service = form.get('service');
      if (service && service !== config.service) {
        return reply(res, 400, { error: 'invalid_request', error_description: 'unknown service' });
      }
      const scopes = parseScopes(form.getAll('scope'));
      const grant = form.get('grant_type');
      let user: IssuerUser | undefined;
      if (grant === 'password') {
        user = findUser(form.get('username') ?? '', form.get('password') ?? '');
      } else if (grant === 'refresh_token') {
        const name = refreshTokens.get(form.get('refresh_token') ?? '');
        user = config.users.find((u) => u.name === name);
      } else {
        return reply(res, 400, { error: 'unsupported_grant_type' });
      }
      if (!user) {
        log(`POST /token denied (${grant})`);
        return unauthorized(res, 'invalid credentials');
      }
      const offline = form.get('access_type') === 'offline';
      const { body, claims } = issue(user, scopes, offline);
      log(`POST /token sub=${claims.sub} access=${JSON.stringify(claims.access)}`);
      return reply(res, 200, body);
    }
    return reply(res, 405, { error: 'method not allowed' }, { allow: 'GET, POST' });
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      log(`error: ${err instanceof Error ? err.message : String(err)}`);
      if (!res.headersSent) reply(res, 500, { error: 'internal error' });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function main(): Promise<void> {
  const i = process.argv.indexOf('--config');
  const file = i > 0 ? process.argv[i + 1] : undefined;
  if (!file) {
    process.stderr.write('usage: node scripts/test/token-issuer.ts --config issuer.json\n');
    process.exit(2);
  }
  const config = JSON.parse(readFileSync(file, 'utf8')) as IssuerConfig;
  const issuer = await startIssuer(config);
  const stop = () => {
    void issuer.close().then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdout.write(`token issuer listening on http://${config.host}:${issuer.port}/token\n`);
  if (config.portFile) writeFileSync(config.portFile, String(issuer.port));
}

if (import.meta.main) {
  main().catch((err: unknown) => {
    process.stderr.write(
      `token issuer failed: ${err instanceof Error ? err.stack : String(err)}\n`,
    );
    process.exit(1);
  });
}
