import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { credentialHelperGet, dockerConfigCredentials } from './docker-config';

const dir = mkdtempSync(join(tmpdir(), 'consign-docker-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function configFolder(name: string, config: unknown): string {
  const folder = join(dir, name);
  mkdirSync(folder, { recursive: true });
  writeFileSync(
    join(folder, 'config.json'),
    typeof config === 'string' ? config : JSON.stringify(config),
  );
  return folder;
}

/**
 * Installs `docker-credential-<name>` speaking Docker's helper protocol: it records the server it
 * was asked for and answers with `script` (shell), so the tests run the real exec + stdin/stdout
 * exchange.
 */
function helper(name: string, script: string): { bin: string; asked: string } {
  const bin = join(dir, `bin-${name}`);
  mkdirSync(bin, { recursive: true });
  const asked = join(bin, 'asked');
  const file = join(bin, `docker-credential-${name}`);
  writeFileSync(file, `#!/bin/sh\n[ "$1" = get ] || exit 9\ncat > '${asked}'\n${script}\n`);
  chmodSync(file, 0o755);
  return { bin, asked };
}

const withPath = (bin: string, env: NodeJS.ProcessEnv) => ({
  ...env,
  PATH: `${bin}${delimiter}${process.env.PATH ?? ''}`,
});

describe('dockerConfigCredentials from auths', () => {
  it('reads auths entries by host, with scheme and path in the key, honouring DOCKER_CONFIG', async () => {
    const folder = configFolder('auths', {
      auths: {
        'https://r.example.com/v1/': { auth: Buffer.from('alice:pa:ss').toString('base64') },
        'other.example.com': { username: 'bob', password: 'pw' },
        'https://index.docker.io/v1/': { auth: Buffer.from('hub:h').toString('base64') },
      },
    });
    const env = { DOCKER_CONFIG: folder };
    expect(await dockerConfigCredentials('r.example.com', env)).toEqual({
      username: 'alice',
      password: 'pa:ss',
    });
    expect(await dockerConfigCredentials('other.example.com', env)).toEqual({
      username: 'bob',
      password: 'pw',
    });
    expect((await dockerConfigCredentials('docker.io', env))?.username).toBe('hub');
    expect(await dockerConfigCredentials('missing.example.com', env)).toBeUndefined();
  });

  it('treats a missing or malformed file as no credentials', async () => {
    expect(
      await dockerConfigCredentials('r.example.com', { DOCKER_CONFIG: join(dir, 'none') }),
    ).toBeUndefined();
    const folder = configFolder('malformed', '{not json');
    expect(await dockerConfigCredentials('r.example.com', { DOCKER_CONFIG: folder })).toBe(
      undefined,
    );
  });
});

describe('dockerConfigCredentials from credential helpers', () => {
  it('asks the registry’s credHelpers entry first, with the host on stdin', async () => {
    const { bin, asked } = helper(
      'pass-test',
      `printf '{"ServerURL":"r.example.com","Username":"carol","Secret":"s3cret"}'`,
    );
    const folder = configFolder('helpers', {
      credHelpers: { 'r.example.com': 'pass-test' },
      credsStore: 'not-installed',
      auths: { 'r.example.com': { username: 'stale', password: 'old' } },
    });
    const env = withPath(bin, { DOCKER_CONFIG: folder });
    expect(await dockerConfigCredentials('r.example.com', env)).toEqual({
      username: 'carol',
      password: 's3cret',
    });
    expect(readFileSync(asked, 'utf8')).toBe('r.example.com');
  });

  it('uses credsStore for other hosts, Docker Hub’s server address, and auths when the store has nothing', async () => {
    const { bin, asked } = helper(
      'store-test',
      `if grep -q index.docker.io '${join(dir, 'bin-store-test', 'asked')}'; then printf '{"Username":"hubuser","Secret":"hubtoken"}'; else echo 'credentials not found in native keychain'; exit 1; fi`,
    );
    const folder = configFolder('store', {
      credsStore: 'store-test',
      auths: { 'other.example.com': { username: 'dave', password: 'pw' } },
    });
    const env = withPath(bin, { DOCKER_CONFIG: folder });
    expect(await dockerConfigCredentials('docker.io', env)).toEqual({
      username: 'hubuser',
      password: 'hubtoken',
    });
    expect(readFileSync(asked, 'utf8')).toBe('https://index.docker.io/v1/');
    expect(await dockerConfigCredentials('other.example.com', env)).toEqual({
      username: 'dave',
      password: 'pw',
    });
  });

  it('treats a helper that is not installed as having nothing', async () => {
    const folder = configFolder('absent', {
      credsStore: 'surely-not-installed-here',
      auths: { 'r.example.com': { username: 'erin', password: 'pw' } },
    });
    expect(await dockerConfigCredentials('r.example.com', { DOCKER_CONFIG: folder })).toEqual({
      username: 'erin',
      password: 'pw',
    });
  });

  it('reports a failing helper by name without repeating what it printed', async () => {
    const { bin } = helper('broken-test', `echo 'token=leaked-value'; exit 3`);
    const failure = credentialHelperGet('broken-test', 'r.example.com', withPath(bin, {}));
    await expect(failure).rejects.toThrow(/docker-credential-broken-test exited with code 3/);
    await expect(failure).rejects.not.toThrow(/leaked-value/);

    const { bin: garbled } = helper('garbled-test', `echo 'Secret: leaked-value'`);
    await expect(
      credentialHelperGet('garbled-test', 'r.example.com', withPath(garbled, {})),
    ).rejects.toThrow(/not JSON/);
  });

  it('refuses helper names that could name another program', async () => {
    await expect(credentialHelperGet('../evil', 'r.example.com')).rejects.toThrow(/not valid/);
  });

  it('treats an identity token as nothing to use here', async () => {
    const { bin } = helper('token-test', `printf '{"Username":"<token>","Secret":"refresh"}'`);
    expect(await credentialHelperGet('token-test', 'r.example.com', withPath(bin, {}))).toBe(
      undefined,
    );
  });
});
