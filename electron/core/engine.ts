import { hostname, userInfo } from 'node:os';
import type { AppInfo } from '../../shared/contract';
import { AuditLog, type Actor } from './audit';
import { CustomerStore } from './customers';
import { openDatabase, type Database } from './db';
import { DockerEngine } from './docker';
import { ConsignError } from './errors';
import { DEFAULT_KEYCHAIN_SERVICE, Keychain } from './keychain';
import { KeyStore } from './keys';
import { EngineEvents } from './rpc/events';
import { APP_VERSION } from './version';
import { normalizeHost, RegistryCredentialStore, type RegistryClient } from './registry';
import { openWorkspace, resolveWorkspacePath, type Workspace } from './workspace';

export interface EngineOptions {
  /** Which interface hosts this engine (shown in Settings and recorded nowhere secret). */
  host: AppInfo['host'];
  /** Workspace folder; defaults to --home / CONSIGN_HOME / the app's data folder. */
  home?: string;
  /** Keychain service name; defaults to CONSIGN_KEYCHAIN_SERVICE or "Consign". */
  keychainService?: string;
  env?: NodeJS.ProcessEnv;
}

/** What lives in the workspace folder; absent when the folder cannot be used. */
export interface WorkspaceServices {
  workspace: Workspace;
  db: Database;
  audit: AuditLog;
  registryCredentials: RegistryCredentialStore;
  /** Signing keys: metadata here, private keys in the keychain. */
  keys: KeyStore;
  /** Customer accounts: settings here, passwords in the keychain. */
  customers: CustomerStore;
}

/** Registry clients by host, configured with the host's stored settings and credentials. */
export interface RegistryDirectory {
  client(host: string): Promise<RegistryClient>;
  /** Drops a host's cached client, after its settings or credentials changed. */
  forget(host: string): void;
}

export interface Engine {
  readonly host: AppInfo['host'];
  readonly workspacePath: string;
  readonly keychain: Keychain;
  readonly docker: DockerEngine;
  readonly events: EngineEvents;
  readonly registries: RegistryDirectory;
  /** The workspace's services, or the error that keeps them from opening. */
  readonly store: WorkspaceServices | ConsignError;
  /** The workspace's services; throws WORKSPACE_UNAVAILABLE (with its remedy) if unusable. */
  requireStore(): WorkspaceServices;
  close(): void;
}

export function currentActor(): Actor {
  let user: string;
  try {
    user = userInfo().username;
  } catch {
    // userInfo() throws for a uid without a passwd entry (common in containers).
    user = process.env.USER ?? process.env.USERNAME ?? `uid:${process.getuid?.() ?? 'unknown'}`;
  }
  return { user, host: hostname(), app: `consign/${APP_VERSION}` };
}

function openStore(
  path: string,
  keychain: Keychain,
  env: NodeJS.ProcessEnv,
): WorkspaceServices | ConsignError {
  try {
    const workspace = openWorkspace(path);
    const db = openDatabase(workspace.databasePath);
    // The audit key's private key lives in the keychain; appends never wait for it.
    const audit = new AuditLog(db, currentActor(), undefined, { secrets: keychain });
    if (audit.count() === 0) {
      audit.append({ action: 'workspace.created', subject: workspace.path, details: {} });
    }
    return {
      workspace,
      db,
      audit,
      registryCredentials: new RegistryCredentialStore(db, keychain, env),
      keys: new KeyStore(db, audit, keychain),
      customers: new CustomerStore(db, audit, keychain),
    };
  } catch (error) {
    if (error instanceof ConsignError) return error;
    return new ConsignError('WORKSPACE_UNAVAILABLE', `The workspace ${path} could not be opened.`, {
      remedy:
        'Check the folder and its consign.db file, or choose another with --home or CONSIGN_HOME.',
      cause: error,
    });
  }
}

/**
 * The composition root: every host (desktop app, CLI, browser preview, tests) builds the engine
 * here, so they all see the same workspace, keychain and Docker engine in the same way.
 */
export function createEngine(options: EngineOptions): Engine {
  const env = options.env ?? process.env;
  const workspacePath = resolveWorkspacePath(options.home, env);
  const keychain = new Keychain(
    options.keychainService || env.CONSIGN_KEYCHAIN_SERVICE || DEFAULT_KEYCHAIN_SERVICE,
  );
  const store = openStore(workspacePath, keychain, env);
  // One client per host, so connections and tokens are shared by every transfer to it.
  const clients = new Map<string, RegistryClient>();
  return {
    host: options.host,
    workspacePath,
    keychain,
    docker: new DockerEngine(env),
    events: new EngineEvents(),
    registries: {
      // Settings and credentials live in the workspace, so a registry needs it.
      async client(host) {
        if (store instanceof ConsignError) throw store;
        const name = normalizeHost(host);
        let client = clients.get(name);
        if (!client) {
          client = store.registryCredentials.client(name);
          clients.set(name, client);
        }
        return client;
      },
      forget(host) {
        const name = normalizeHost(host);
        clients.get(name)?.close();
        clients.delete(name);
      },
    },
    store,
    requireStore() {
      if (store instanceof ConsignError) throw store;
      return store;
    },
    close() {
      for (const client of clients.values()) client.close();
      clients.clear();
      if (!(store instanceof ConsignError)) store.db.close();
    },
  };
}
