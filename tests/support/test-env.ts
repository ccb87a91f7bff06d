// Typed access to the real-parts test environment (dockerd, registries, token issuer, keyring,
// chromium) for integration tests. `npm test` exports the variables; after
// `node scripts/test/env.ts up` they are read from .test-env/env.json instead, and then also copied
// into process.env so libraries that read DOCKER_HOST or DBUS_SESSION_BUS_ADDRESS themselves talk
// to the test services rather than to a developer's own.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface TestEnv {
  /** unix:///…/docker.sock of the test dockerd. */
  dockerHost: string;
  /** Path of that socket. */
  dockerSocket: string;
  /** host:port of the plain-HTTP registry without auth. */
  registryPlain: string;
  /** host:port of the TLS registry with htpasswd basic auth. */
  registryTls: string;
  registryTlsUser: string;
  registryTlsPassword: string;
  /** PEM file of the throwaway CA that issued the TLS registry's certificate. */
  caFile: string;
  /** host:port of the plain-HTTP registry with token auth. */
  registryToken: string;
  /** Token endpoint URL (the realm of the registry's Bearer challenge). */
  tokenRealm: string;
  tokenService: string;
  /** User with pull, push and delete on every repository of the token registry. */
  tokenUser: string;
  tokenPassword: string;
  /** User with pull only (may be empty with an older environment). */
  tokenReadonlyUser: string;
  tokenReadonlyPassword: string;
  /** A local image in the test dockerd, built FROM scratch with a static busybox. */
  baseImage: string;
  chromiumPath: string;
  dbusSessionBusAddress: string;
  /** Random keychain service name for this run. */
  keychainService: string;
  /** Path of env.json describing this environment. */
  envFile: string;
  /** cosign from Debian trixie (scripts/test/lib/tools.ts); absent where it could not be fetched. */
  cosign?: string;
  /** oras from Debian trixie; absent where it could not be fetched. */
  oras?: string;
  /** A Debian 12 image from debootstrap (minbase) in the test engine; absent where it could not be built. */
  debianImage?: string;
}

const REQUIRED = [
  'DOCKER_HOST',
  'CONSIGN_TEST_REGISTRY_PLAIN',
  'CONSIGN_TEST_REGISTRY_TLS',
  'CONSIGN_TEST_REGISTRY_TLS_USER',
  'CONSIGN_TEST_REGISTRY_TLS_PASSWORD',
  'CONSIGN_TEST_CA_FILE',
  'CONSIGN_TEST_REGISTRY_TOKEN',
  'CONSIGN_TEST_TOKEN_REALM',
  'CONSIGN_TEST_TOKEN_SERVICE',
  'CONSIGN_TEST_TOKEN_USER',
  'CONSIGN_TEST_TOKEN_PASSWORD',
  'CONSIGN_TEST_BASE_IMAGE',
  'CHROMIUM_PATH',
  'DBUS_SESSION_BUS_ADDRESS',
  'CONSIGN_KEYCHAIN_SERVICE',
] as const;

const DEFAULT_ENV_FILE = join(
  resolve(dirname(fileURLToPath(import.meta.url)), '../..'),
  '.test-env',
  'env.json',
);

const HINT = 'run `node scripts/test/env.ts up` first or use npm test';

let cached: TestEnv | undefined;

function fromEnvironment(): Record<string, string> | undefined {
  if (process.env.CONSIGN_TEST_ENV !== '1') return undefined;
  const values: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) values[k] = v;
  return values;
}

function fromFile(): Record<string, string> | undefined {
  const file = process.env.CONSIGN_TEST_ENV_FILE || DEFAULT_ENV_FILE;
  if (!existsSync(file)) return undefined;
  let values: Record<string, string>;
  try {
    values = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
  } catch (err) {
    throw new Error(`test environment file ${file} is unreadable; ${HINT}`, { cause: err });
  }
  for (const [k, v] of Object.entries(values)) if (typeof v === 'string') process.env[k] = v;
  return values;
}

/** The test environment's endpoints and credentials; throws if it is not up. */
export function testEnv(): TestEnv {
  if (cached) return cached;
  const values = fromEnvironment() ?? fromFile();
  if (!values) throw new Error(`the test environment is not available: ${HINT}`);
  const missing = REQUIRED.filter((k) => !values[k]);
  if (missing.length > 0) {
    throw new Error(`the test environment is incomplete (missing ${missing.join(', ')}): ${HINT}`);
  }
  const v = (k: string) => values[k] ?? '';
  const dockerHost = v('DOCKER_HOST');
  cached = {
    dockerHost,
    dockerSocket: dockerHost.replace(/^unix:\/\//, ''),
    registryPlain: v('CONSIGN_TEST_REGISTRY_PLAIN'),
    registryTls: v('CONSIGN_TEST_REGISTRY_TLS'),
    registryTlsUser: v('CONSIGN_TEST_REGISTRY_TLS_USER'),
    registryTlsPassword: v('CONSIGN_TEST_REGISTRY_TLS_PASSWORD'),
    caFile: v('CONSIGN_TEST_CA_FILE'),
    registryToken: v('CONSIGN_TEST_REGISTRY_TOKEN'),
    tokenRealm: v('CONSIGN_TEST_TOKEN_REALM'),
    tokenService: v('CONSIGN_TEST_TOKEN_SERVICE'),
    tokenUser: v('CONSIGN_TEST_TOKEN_USER'),
    tokenPassword: v('CONSIGN_TEST_TOKEN_PASSWORD'),
    tokenReadonlyUser: v('CONSIGN_TEST_TOKEN_READONLY_USER'),
    tokenReadonlyPassword: v('CONSIGN_TEST_TOKEN_READONLY_PASSWORD'),
    baseImage: v('CONSIGN_TEST_BASE_IMAGE'),
    chromiumPath: v('CHROMIUM_PATH'),
    dbusSessionBusAddress: v('DBUS_SESSION_BUS_ADDRESS'),
    keychainService: v('CONSIGN_KEYCHAIN_SERVICE'),
    envFile: v('CONSIGN_TEST_ENV_FILE') || DEFAULT_ENV_FILE,
    cosign: v('CONSIGN_TEST_COSIGN') || process.env.CONSIGN_TEST_COSIGN || undefined,
    oras: v('CONSIGN_TEST_ORAS') || process.env.CONSIGN_TEST_ORAS || undefined,
    debianImage:
      v('CONSIGN_TEST_DEBIAN_IMAGE') || process.env.CONSIGN_TEST_DEBIAN_IMAGE || undefined,
  };
  return cached;
}

/** True when the environment is available (for `describe.skipIf(!hasTestEnv())` style guards). */
export function hasTestEnv(): boolean {
  try {
    testEnv();
    return true;
  } catch {
    return false;
  }
}
