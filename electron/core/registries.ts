/** Registry accounts as a person manages them: log in, test, list, remove. Audited. */
import { resolve } from 'node:path';
import type { RegistrySettings } from '../../shared/contract';
import type { Engine } from './engine';
import { ConsignError, toErrorInfo } from './errors';

export interface LoginRequest {
  host: string;
  username?: string;
  password?: string;
  caFile?: string;
  insecureHttp?: boolean;
}

/**
 * Stores a registry's settings, and with a username its password in the keychain, after proving
 * them against the registry: wrong credentials or an unreachable registry store nothing.
 */
export async function loginRegistry(engine: Engine, request: LoginRequest) {
  const store = engine.requireStore();
  const settings = {
    ...(request.caFile ? { caFile: resolve(request.caFile) } : {}),
    ...(request.insecureHttp ? { insecureHttp: true } : {}),
  };
  if (request.password !== undefined && !request.username) {
    throw new ConsignError('BAD_REQUEST', 'A password needs a username.');
  }
  // The settings and their audit event are written in one transaction.
  const record = (saved: RegistrySettings, authenticated: boolean) =>
    store.audit.append({
      action: 'registry.login',
      subject: saved.host,
      details: {
        username: request.username ?? null,
        authenticated,
        insecureHttp: request.insecureHttp ?? false,
        caFile: settings.caFile ?? null,
      },
    });
  let authenticated = false;
  if (request.username) {
    if (request.password === undefined) {
      throw new ConsignError('BAD_REQUEST', `No password was given for ${request.username}.`);
    }
    ({ authenticated } = await store.registryCredentials.login(
      request.host,
      { username: request.username, password: request.password, ...settings },
      {},
      (result) => record(result.settings, result.authenticated),
    ));
  } else {
    const client = store.registryCredentials.client(request.host, settings);
    try {
      await client.ping();
    } finally {
      client.close();
    }
    store.registryCredentials.save(request.host, settings, (saved) => record(saved, false));
  }
  const host = store.registryCredentials.get(request.host)?.host ?? request.host;
  engine.registries.forget(host);
  return { host, authenticated };
}

export function listRegistries(engine: Engine): RegistrySettings[] {
  return engine.requireStore().registryCredentials.list();
}

/** Reaches the registry with its stored settings and credentials; never throws for its answer. */
export async function testRegistry(engine: Engine, host: string) {
  const client = await engine.registries.client(host);
  try {
    const { authenticated } = await client.ping();
    return { host: client.host, reachable: true, authenticated };
  } catch (error) {
    const info = toErrorInfo(error);
    return {
      host: client.host,
      reachable: info.code !== 'REGISTRY_UNAVAILABLE',
      authenticated: false,
      error: info.message,
      ...(info.remedy ? { remedy: info.remedy } : {}),
    };
  }
}

export async function removeRegistry(engine: Engine, host: string) {
  const store = engine.requireStore();
  const removed = await store.registryCredentials.remove(host, () =>
    store.audit.append({ action: 'registry.removed', subject: host, details: {} }),
  );
  engine.registries.forget(host);
  return { removed };
}
