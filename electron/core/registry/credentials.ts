// Per-registry settings (in the workspace database) and credentials (passwords in the keychain
// only), with the user's Docker configuration (credential helpers, `auths`) as a read-only fallback.
import { resolve } from 'node:path';
import { transaction, type Database } from '../db';
import { ConsignError } from '../errors';
import type { Keychain } from '../keychain';
import type { Credentials } from './auth';
import { RegistryClient, type RegistryClientOptions, type RegistryEndpointOptions } from './client';
import { dockerConfigCredentials } from './docker-config';
import { isValidHost } from './protocol';

export interface RegistrySettings {
  host: string;
  insecureHttp: boolean;
  /** Absolute path of a PEM file with a private CA. */
  caFile?: string;
  /** The account whose password is in the keychain. */
  username?: string;
  createdAt: string;
  updatedAt: string;
}

export interface RegistrySettingsInput {
  insecureHttp?: boolean;
  caFile?: string;
  username?: string;
}

export interface LoginInput {
  username: string;
  password: string;
  insecureHttp?: boolean;
  caFile?: string;
}

export interface LoginResult {
  settings: RegistrySettings;
  /** False when the registry asks for no credentials, so they could not be proven. */
  authenticated: boolean;
}

/** Where a registry's credentials came from (never the secret itself). */
export type CredentialOrigin = 'keychain' | 'docker-config' | 'none';

interface Row {
  host: string;
  insecure_http: number;
  ca_file: string | null;
  username: string | null;
  created_at: string;
  updated_at: string;
}

export function keychainAccount(host: string): string {
  return `registry:${host}`;
}

/** `HOST[:PORT]`, lower-case; a scheme or path someone pasted is dropped. */
export function normalizeHost(input: string): string {
  let host = input.trim().toLowerCase();
  host = host.replace(/^[a-z][a-z0-9+.-]*:\/\//, '');
  host = host.split('/')[0] ?? '';
  if (!isValidHost(host)) {
    throw new ConsignError('BAD_INPUT', `"${input.slice(0, 200)}" is not a registry host.`, {
      remedy: 'Give the registry as HOST or HOST:PORT, for example registry.example.com:5000.',
    });
  }
  return host;
}

function toSettings(row: Row): RegistrySettings {
  return {
    host: row.host,
    insecureHttp: row.insecure_http === 1,
    ...(row.ca_file ? { caFile: row.ca_file } : {}),
    ...(row.username ? { username: row.username } : {}),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export class RegistryCredentialStore {
  readonly #db: Database;
  readonly #keychain: Keychain;
  readonly #env: NodeJS.ProcessEnv;

  constructor(db: Database, keychain: Keychain, env: NodeJS.ProcessEnv = process.env) {
    this.#db = db;
    this.#keychain = keychain;
    this.#env = env;
  }

  list(): RegistrySettings[] {
    const rows = this.#db
      .prepare('SELECT * FROM registries ORDER BY host')
      .all() as unknown as Row[];
    return rows.map(toSettings);
  }

  get(host: string): RegistrySettings | undefined {
    const row = this.#db
      .prepare('SELECT * FROM registries WHERE host = ?')
      .get(normalizeHost(host)) as Row | undefined;
    return row ? toSettings(row) : undefined;
  }

  /**
   * Creates or updates a host's settings (no secret goes here). `record` runs in the same
   * transaction (the caller's audit event), so the change and its record are written together.
   */
  save(
    host: string,
    input: RegistrySettingsInput,
    record?: (settings: RegistrySettings) => void,
  ): RegistrySettings {
    const name = normalizeHost(host);
    const now = new Date().toISOString();
    const caFile = input.caFile ? resolve(input.caFile) : null;
    return transaction(this.#db, () => {
      this.#db
        .prepare(
          `INSERT INTO registries (host, insecure_http, ca_file, username, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT(host) DO UPDATE SET insecure_http = excluded.insecure_http,
             ca_file = excluded.ca_file, username = excluded.username, updated_at = excluded.updated_at`,
        )
        .run(name, input.insecureHttp ? 1 : 0, caFile, input.username ?? null, now, now);
      const settings = this.get(name)!;
      record?.(settings);
      return settings;
    });
  }

  /**
   * Forgets a host's settings and its password; true when there was something to forget.
   * `record` runs, when something was forgotten, in the transaction that deletes the settings.
   */
  async remove(host: string, record?: () => void): Promise<boolean> {
    const name = normalizeHost(host);
    const removedSecret = await this.#keychain.delete(keychainAccount(name));
    return transaction(this.#db, () => {
      const result = this.#db.prepare('DELETE FROM registries WHERE host = ?').run(name);
      const removed = removedSecret || Number(result.changes) > 0;
      if (removed) record?.();
      return removed;
    });
  }

  /** The credentials to use for a host, and where they came from. */
  async credentials(
    host: string,
  ): Promise<{ credentials: Credentials | undefined; origin: CredentialOrigin }> {
    const name = normalizeHost(host);
    const settings = this.get(name);
    if (settings?.username) {
      const password = await this.#keychain.get(keychainAccount(name));
      if (password !== null) {
        return { credentials: { username: settings.username, password }, origin: 'keychain' };
      }
    }
    const fromDocker = await dockerConfigCredentials(name, this.#env);
    return fromDocker
      ? { credentials: fromDocker, origin: 'docker-config' }
      : { credentials: undefined, origin: 'none' };
  }

  /**
   * Endpoint options for a host from its stored settings; `overrides` (command-line flags) win.
   * Credentials are read lazily, when the registry first asks for them.
   */
  endpoint(host: string, overrides: RegistrySettingsInput = {}): RegistryEndpointOptions {
    const name = normalizeHost(host);
    const settings = this.get(name);
    const insecureHttp = overrides.insecureHttp ?? settings?.insecureHttp ?? false;
    const caFile = overrides.caFile ?? settings?.caFile;
    return {
      host: name,
      insecureHttp,
      ...(caFile ? { caFile } : {}),
      credentials: async () => (await this.credentials(name)).credentials,
    };
  }

  client(
    host: string,
    overrides: RegistrySettingsInput = {},
    options: Omit<RegistryClientOptions, keyof RegistryEndpointOptions> = {},
  ): RegistryClient {
    return new RegistryClient({ ...this.endpoint(host, overrides), ...options });
  }

  /**
   * Proves the credentials against the registry, then stores the password in the keychain and
   * the settings in the database. Wrong credentials fail before anything is stored.
   */
  async login(
    host: string,
    input: LoginInput,
    options: Omit<RegistryClientOptions, keyof RegistryEndpointOptions> = {},
    record?: (result: LoginResult) => void,
  ): Promise<LoginResult> {
    const name = normalizeHost(host);
    if (!input.username || input.username.includes(':')) {
      throw new ConsignError('BAD_INPUT', 'The username is empty or contains a colon.', {
        remedy: 'Give the registry account name with --username.',
      });
    }
    if (!input.password) {
      throw new ConsignError('BAD_INPUT', 'The password is empty.', {
        remedy: 'Pipe the password or token into --password-stdin.',
      });
    }
    const client = new RegistryClient({
      host: name,
      ...(input.insecureHttp ? { insecureHttp: true } : {}),
      ...(input.caFile ? { caFile: resolve(input.caFile) } : {}),
      credentials: { username: input.username, password: input.password },
      ...options,
    });
    let authenticated: boolean;
    try {
      ({ authenticated } = await client.ping());
    } finally {
      client.close();
    }
    await this.#keychain.set(keychainAccount(name), input.password);
    try {
      const settings = this.save(
        name,
        {
          username: input.username,
          ...(input.insecureHttp ? { insecureHttp: true } : {}),
          ...(input.caFile ? { caFile: input.caFile } : {}),
        },
        (saved) => record?.({ settings: saved, authenticated }),
      );
      return { settings, authenticated };
    } catch (error) {
      await this.#keychain.delete(keychainAccount(name)).catch(() => false);
      throw error;
    }
  }
}
