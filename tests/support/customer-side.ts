// The customer's side of a delivery, for tests: their registry accounts as the test environment
// defines them (one per registry, each with its own kind of authentication), direct registry
// clients to look at what arrived, and cosign (or the kit's verify.sh) run offline with the
// customer's own login and CA, as a customer's platform team would run them.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RegistryClient } from '../../electron/core/registry';
import type { CustomerInput } from '../../shared/contract';
import type { CliResult } from './consign-cli';
import { testEnv } from './test-env';

export interface CustomerAccount {
  registry: string;
  /** `customers add` arguments after NAME, without the namespace. */
  args: string[];
  /** What `--password-stdin` reads, when the account has a password. */
  password?: string;
  username?: string;
  caFile?: string;
}

/** One account per test registry: none (plain HTTP), basic (TLS, private CA), token (plain HTTP). */
export function customerAccounts(): Record<'plain' | 'tls' | 'token', CustomerAccount> {
  const env = testEnv();
  return {
    plain: { registry: env.registryPlain, args: ['--registry', env.registryPlain] },
    tls: {
      registry: env.registryTls,
      args: [
        '--registry',
        env.registryTls,
        '--auth',
        'basic',
        '--username',
        env.registryTlsUser,
        '--password-stdin',
        '--ca-file',
        env.caFile,
      ],
      password: env.registryTlsPassword,
      username: env.registryTlsUser,
      caFile: env.caFile,
    },
    token: {
      registry: env.registryToken,
      args: [
        '--registry',
        env.registryToken,
        '--auth',
        'token',
        '--username',
        env.tokenUser,
        '--password-stdin',
      ],
      password: env.tokenPassword,
      username: env.tokenUser,
    },
  };
}

/** The TLS registry's basic-auth account as a saved customer's fields (add name and namespace). */
export function tlsCustomerLogin(): Pick<
  CustomerInput,
  'registry' | 'auth' | 'username' | 'password' | 'caFile'
> {
  const env = testEnv();
  return {
    registry: env.registryTls,
    auth: 'basic',
    username: env.registryTlsUser,
    password: env.registryTlsPassword,
    caFile: env.caFile,
  };
}

/** A registry client with the account's own credentials and CA. */
export function accountClient(account: CustomerAccount): RegistryClient {
  return new RegistryClient({
    host: account.registry,
    ...(account.caFile ? { caFile: account.caFile } : {}),
    ...(account.username && account.password
      ? { credentials: { username: account.username, password: account.password } }
      : {}),
  });
}

/**
 * Writes `<dir>/docker/config.json` with the accounts' logins, as `docker login` would, so cosign
 * run with `DOCKER_CONFIG=<dir>/docker` reads the customers' registries as they do.
 */
export function writeDockerLogins(dir: string, accounts: CustomerAccount[]): void {
  const auths: Record<string, { auth: string }> = {};
  for (const account of accounts) {
    if (!account.username || !account.password) continue;
    auths[account.registry] = {
      auth: Buffer.from(`${account.username}:${account.password}`).toString('base64'),
    };
  }
  mkdirSync(join(dir, 'docker'), { recursive: true });
  writeFileSync(join(dir, 'docker', 'config.json'), JSON.stringify({ auths }));
}

/**
 * Runs `command` (cosign, or a kit's verify.sh) offline from `dir`: HOME and DOCKER_CONFIG there,
 * every proxy a closed loopback port, `COSIGN` the test cosign, and the private CA trusted.
 */
export function runCustomerTool(
  command: string,
  args: string[],
  options: { cwd: string; caFile?: string },
): Promise<CliResult> {
  const env = testEnv();
  return new Promise((done, fail) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: options.cwd,
        DOCKER_CONFIG: join(options.cwd, 'docker'),
        ...(env.cosign ? { COSIGN: env.cosign } : {}),
        ...(options.caFile ? { SSL_CERT_FILE: options.caFile } : {}),
        HTTPS_PROXY: 'http://127.0.0.1:9',
        HTTP_PROXY: 'http://127.0.0.1:9',
        NO_PROXY: '',
      },
      timeout: 120_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code: code ?? 1, stdout, stderr }));
  });
}
