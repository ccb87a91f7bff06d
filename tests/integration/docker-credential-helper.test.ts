// `consign` reads registry credentials from a Docker credential helper named in the Docker config,
// as docker itself does, when the workspace has no login for the registry: checked with the CLI
// against the token-auth registry and a helper program speaking Docker's helper protocol.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../electron/core/registry';
import { runConsign } from '../support/consign-cli';
import {
  bufferSource,
  imageManifest,
  jsonBlob,
  randomBlob,
  uniqueRepository,
} from '../support/registry-fixtures';
import { testEnv } from '../support/test-env';

const env = testEnv();

describe('Docker credential helpers', () => {
  let work: string;
  let ref: string;
  let digest: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'consign-credential-helper-'));
    const writer = new RegistryClient({
      host: env.registryToken,
      credentials: { username: env.tokenUser, password: env.tokenPassword },
    });
    const repository = uniqueRepository('credential-helper');
    const config = jsonBlob({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers' } });
    const layer = randomBlob(4096);
    for (const blob of [config, layer]) {
      await writer.uploadBlob(repository, blob, bufferSource(blob));
    }
    const manifest = imageManifest(config, [layer]);
    await writer.putManifest(repository, 'v1', manifest);
    writer.close();
    ref = `docker://${env.registryToken}/${repository}:v1`;
    digest = manifest.digest;
  });

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  /** A workspace with no logins and a Docker config naming `helper` as the credential store. */
  function setup(name: string, answer: string) {
    const bin = join(work, `bin-${name}`);
    const docker = join(work, `docker-${name}`);
    mkdirSync(bin, { recursive: true });
    mkdirSync(docker, { recursive: true });
    const program = join(bin, `docker-credential-${name}`);
    writeFileSync(program, `#!/bin/sh\n[ "$1" = get ] || exit 9\ncat > /dev/null\n${answer}\n`);
    chmodSync(program, 0o755);
    writeFileSync(join(docker, 'config.json'), JSON.stringify({ credsStore: name }));
    return (args: string[]) =>
      runConsign([...args, '--home', join(work, `home-${name}`), '--json'], {
        env: {
          DOCKER_CONFIG: docker,
          PATH: `${bin}${delimiter}${process.env.PATH ?? ''}`,
          CONSIGN_KEYCHAIN_SERVICE: env.keychainService,
          DBUS_SESSION_BUS_ADDRESS: env.dbusSessionBusAddress,
        },
      });
  }

  it('inspects an image on a token-auth registry with the helper’s credentials', async () => {
    const consign = setup(
      'consign-test-good',
      `printf '{"ServerURL":"%s","Username":"%s","Secret":"%s"}' '${env.registryToken}' '${env.tokenUser}' '${env.tokenPassword}'`,
    );
    const result = await consign(['inspect', ref]);
    expect(result.code, result.stderr).toBe(0);
    expect((JSON.parse(result.stdout) as { digest: string }).digest).toBe(digest);
  });

  it('fails with the registry’s refusal when the helper has nothing for the host', async () => {
    const consign = setup(
      'consign-test-empty',
      `echo 'credentials not found in native keychain'; exit 1`,
    );
    const result = await consign(['inspect', ref]);
    expect(result.code).not.toBe(0);
    expect(result.stderr + result.stdout).toMatch(/credentials|denied|unauthorized|login/i);
  });

  it('names a broken helper and never repeats what it printed', async () => {
    const consign = setup('consign-test-broken', `echo 'Secret=do-not-show-9f2c'; exit 4`);
    const result = await consign(['inspect', ref]);
    expect(result.code).toBe(3);
    const output = result.stderr + result.stdout;
    expect(output).toContain('docker-credential-consign-test-broken exited with code 4');
    expect(output).not.toContain('do-not-show-9f2c');
  });
});
