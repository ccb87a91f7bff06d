// Registry authentication: anonymous, Basic, and Bearer tokens from the registry's challenge
// (the Docker token protocol), cached per scope until shortly before they expire.
import { ConsignError } from '../errors';
import { credentialsRequired, notAllowed, refusedCredentials } from './errors';
import { isLoopbackHost, mergeScopes, scopesCover, type Challenge } from './protocol';

export interface Credentials {
  username: string;
  password: string;
}

/** Fixed credentials, or a function asked once, when the registry first wants them. */
export type CredentialSource = Credentials | (() => Promise<Credentials | undefined>);

/** A GET the authenticator uses to reach the token service (with retries, TLS and CA). */
export type TokenFetch = (
  url: URL,
  headers: Record<string, string>,
) => Promise<{ status: number; body: Buffer }>;

interface CachedToken {
  value: string;
  scopes: string[];
  expiresAt: number;
}

/** Tokens are dropped this long before they expire, so none expires on the wire. */
const EXPIRY_MARGIN_MS = 15_000;
/** The token spec's default lifetime when the service names none. */
const DEFAULT_TOKEN_SECONDS = 60;
const MAX_CACHED_TOKENS = 64;

export type AuthScheme = 'none' | 'basic' | 'bearer';

export class Authenticator {
  readonly #host: string;
  readonly #source: CredentialSource | undefined;
  readonly #fetchToken: TokenFetch;
  readonly #allowPlainRealm: boolean;
  #credentials: Promise<Credentials | undefined> | undefined;
  #scheme: AuthScheme | undefined;
  #bearer: { realm: URL; service: string | undefined } | undefined;
  #tokens = new Map<string, CachedToken>();
  /** Token requests in flight, so parallel requests for one scope share one round trip. */
  #pending = new Map<string, Promise<CachedToken>>();

  constructor(
    host: string,
    source: CredentialSource | undefined,
    fetchToken: TokenFetch,
    allowPlainRealm: boolean,
  ) {
    this.#host = host;
    this.#source = source;
    this.#fetchToken = fetchToken;
    this.#allowPlainRealm = allowPlainRealm;
  }

  /** How the registry wants us to authenticate; undefined until it has told us. */
  get scheme(): AuthScheme | undefined {
    return this.#scheme;
  }

  credentials(): Promise<Credentials | undefined> {
    if (!this.#credentials) {
      const source = this.#source;
      this.#credentials =
        typeof source === 'function' ? source() : Promise.resolve(source ?? undefined);
      // A failing source (a locked keychain) is asked again next time, not cached as a failure.
      this.#credentials.catch(() => {
        this.#credentials = undefined;
      });
    }
    return this.#credentials;
  }

  /** Records the registry's challenges; Bearer is preferred over Basic. */
  learn(challenges: Challenge[]): void {
    const bearer = challenges.find((c) => c.scheme === 'bearer');
    if (bearer?.params.realm) {
      let realm: URL;
      try {
        realm = new URL(bearer.params.realm);
      } catch {
        throw new ConsignError(
          'CHECK_FAILED',
          `The registry ${this.#host} names an invalid token service "${bearer.params.realm.slice(0, 200)}".`,
          {
            remedy: 'The registry is misconfigured; ask its administrator to fix its token realm.',
          },
        );
      }
      this.#scheme = 'bearer';
      this.#bearer = { realm, service: bearer.params.service };
      return;
    }
    if (challenges.some((c) => c.scheme === 'basic')) {
      this.#scheme = 'basic';
      return;
    }
    this.#scheme = challenges.length === 0 ? 'none' : this.#scheme;
  }

  /** The scope a Bearer challenge asks for (`error="insufficient_scope"` replies name it). */
  static challengeScopes(challenges: Challenge[]): string[] {
    const scope = challenges.find((c) => c.scheme === 'bearer')?.params.scope;
    return scope ? scope.split(' ').filter(Boolean) : [];
  }

  /** Forgets cached tokens that cover these scopes (after the registry refused one). */
  invalidate(scopes: string[]): void {
    for (const [key, token] of this.#tokens) {
      if (scopesCover(token.scopes, scopes)) this.#tokens.delete(key);
    }
  }

  /** The Authorization header for a request needing `scopes`; undefined to go anonymous. */
  async authorization(scopes: string[]): Promise<string | undefined> {
    switch (this.#scheme) {
      case 'basic': {
        const credentials = await this.credentials();
        if (!credentials) return undefined;
        return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
      }
      case 'bearer':
        return `Bearer ${await this.#token(scopes)}`;
      default:
        return undefined;
    }
  }

  async #token(scopes: string[]): Promise<string> {
    const now = Date.now();
    for (const [key, token] of this.#tokens) {
      if (token.expiresAt <= now) this.#tokens.delete(key);
      else if (scopesCover(token.scopes, scopes)) return token.value;
    }
    const wanted = mergeScopes(scopes);
    const key = wanted.join(' ');
    let pending = this.#pending.get(key);
    if (!pending) {
      pending = this.#fetch(wanted).finally(() => this.#pending.delete(key));
      this.#pending.set(key, pending);
    }
    const token = await pending;
    if (this.#tokens.size >= MAX_CACHED_TOKENS) this.#tokens.clear();
    this.#tokens.set(key, token);
    return token.value;
  }

  async #fetch(scopes: string[]): Promise<CachedToken> {
    const bearer = this.#bearer!;
    const url = new URL(bearer.realm);
    if (
      url.protocol === 'http:' &&
      !this.#allowPlainRealm &&
      !isLoopbackHost(url.host) &&
      (await this.credentials())
    ) {
      // The password would cross the network in clear text.
      throw new ConsignError(
        'CHECK_FAILED',
        `The registry ${this.#host} sends credentials to a plain-HTTP token service (${url.host}); Consign refused to.`,
        {
          remedy:
            'Ask the registry administrator to serve the token service over HTTPS, or mark this registry --insecure-http if the network is trusted.',
        },
      );
    }
    if (bearer.service) url.searchParams.set('service', bearer.service);
    for (const scope of scopes) url.searchParams.append('scope', scope);
    const credentials = await this.credentials();
    const headers: Record<string, string> = {};
    if (credentials) {
      headers.authorization = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
    }
    const started = Date.now();
    const response = await this.#fetchToken(url, headers);
    if (response.status === 401 || response.status === 403) {
      if (credentials) throw refusedCredentials(this.#host, credentials.username);
      throw credentialsRequired(this.#host, 'use', 'this registry');
    }
    if (response.status !== 200) {
      throw new ConsignError(
        'CHECK_FAILED',
        `The token service of ${this.#host} answered HTTP ${response.status}.`,
        { remedy: 'Try again later; if it persists, the registry is misconfigured.' },
      );
    }
    let json: {
      token?: unknown;
      access_token?: unknown;
      expires_in?: unknown;
      issued_at?: unknown;
    };
    try {
      json = JSON.parse(response.body.toString('utf8')) as typeof json;
    } catch {
      json = {};
    }
    const value =
      typeof json.token === 'string' && json.token
        ? json.token
        : typeof json.access_token === 'string'
          ? json.access_token
          : '';
    if (!value) {
      throw new ConsignError(
        'CHECK_FAILED',
        `The token service of ${this.#host} answered without a token.`,
        { remedy: 'The registry is misconfigured; ask its administrator.' },
      );
    }
    const seconds =
      typeof json.expires_in === 'number' && json.expires_in > 0
        ? json.expires_in
        : DEFAULT_TOKEN_SECONDS;
    const issued = typeof json.issued_at === 'string' ? Date.parse(json.issued_at) : NaN;
    // A skewed clock on either side must not make a fresh token look stale or eternal.
    const base = Number.isNaN(issued) || Math.abs(issued - started) > 60_000 ? started : issued;
    return {
      value,
      scopes,
      expiresAt: base + Math.max(seconds * 1000 - EXPIRY_MARGIN_MS, seconds * 500),
    };
  }

  /** The error for a request the registry still refused with fresh credentials. */
  async refusal(status: number, action: string, repository: string): Promise<ConsignError> {
    const credentials = await this.credentials().catch(() => undefined);
    if (!credentials) return credentialsRequired(this.#host, action, repository);
    // Basic: a 401 means the password is wrong. Bearer: the token service accepted the password
    // (it throws otherwise), so the registry is saying the account lacks the permission.
    if (status === 401 && this.#scheme === 'basic') {
      return refusedCredentials(this.#host, credentials.username);
    }
    return notAllowed(this.#host, action, repository, credentials.username);
  }
}
