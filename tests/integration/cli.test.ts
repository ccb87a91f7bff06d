import Docker from 'dockerode';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalImage, SystemStatus } from '../../shared/contract';
import { runConsign } from '../support/consign-cli';
import { buildTestImage, type BuiltImage } from '../support/docker-image';
import { testEnv } from '../support/test-env';

describe('consign CLI against the real Docker engine and keychain', () => {
  const env = testEnv();
  const docker = new Docker({ socketPath: env.dockerSocket });
  let home: string;
  let image: BuiltImage;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'consign-cli-'));
    image = await buildTestImage(docker, 'consign-cli-test/hello', `t${Date.now()}`);
  });
  afterAll(async () => {
    await docker
      .getImage(image.ref)
      .remove({ force: true })
      .catch(() => {});
    rmSync(home, { recursive: true, force: true });
  });

  it('--version and --help describe the command', async () => {
    const version = await runConsign(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout).toMatch(/^consign \d+\.\d+\.\d+/);
    const help = await runConsign(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/images/);
    expect(help.stdout).toMatch(/doctor/);
    const commandHelp = await runConsign(['images', '--help']);
    expect(commandHelp.stdout).toMatch(/Usage: consign images/);
  });

  it('images --json lists the image this test built, with its id and size', async () => {
    const result = await runConsign(['images', '--json', '--home', home]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const images = JSON.parse(result.stdout) as LocalImage[];
    expect(images).toContainEqual(
      expect.objectContaining({ ref: image.ref, id: image.id, size: image.size }),
    );
  });

  it('images prints a table for people', async () => {
    const result = await runConsign(['images', '--home', home]);
    expect(result.code).toBe(0);
    const row = result.stdout.split('\n').find((line) => line.startsWith(image.repository));
    expect(row).toContain(image.tag);
    expect(row).toContain(image.id.slice('sha256:'.length, 'sha256:'.length + 12));
  });

  it('doctor --json reports a working machine and exits 0', async () => {
    const result = await runConsign(['doctor', '--json', '--home', home]);
    const status = JSON.parse(result.stdout) as SystemStatus;
    expect(status.docker).toMatchObject({ state: 'ok', reachable: true, endpoint: env.dockerHost });
    const version = await docker.version();
    expect(status.docker.version).toBe(version.Version);
    expect(status.keychain).toMatchObject({
      state: 'ok',
      available: true,
      service: env.keychainService,
    });
    expect(status.workspace).toMatchObject({ state: 'ok', path: home, auditIntact: true });
    expect(result.code).toBe(0);
  });

  it('doctor says when Docker is not running, with a remedy, and exits 3', async () => {
    const result = await runConsign(['doctor', '--json', '--home', home], {
      env: { DOCKER_HOST: 'unix:///nonexistent/docker.sock' },
    });
    expect(result.code).toBe(3);
    const status = JSON.parse(result.stdout) as SystemStatus;
    expect(status.docker).toMatchObject({ state: 'error', reachable: false });
    expect(status.docker.remedy).toMatch(/Start the Docker engine/);
    const human = await runConsign(['doctor', '--home', home], {
      env: { DOCKER_HOST: 'unix:///nonexistent/docker.sock' },
    });
    expect(human.code).toBe(3);
    expect(human.stdout).toMatch(/\[FAIL\] Docker: .*not reachable/);
  });

  it('images without Docker fails as an environment error (exit 3) with a remedy', async () => {
    const result = await runConsign(['images', '--home', home], {
      env: { DOCKER_HOST: 'unix:///nonexistent/docker.sock' },
    });
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/not reachable/);
    expect(result.stderr).toMatch(/Start the Docker engine/);
    expect(result.stderr).not.toMatch(/at .*\.js:\d+/);
    const json = await runConsign(['images', '--json', '--home', home], {
      env: { DOCKER_HOST: 'unix:///nonexistent/docker.sock' },
    });
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { code: 'DOCKER_UNAVAILABLE' } });
  });

  it('doctor reports a missing keychain and exits 3', async () => {
    const result = await runConsign(['doctor', '--json', '--home', home], {
      env: { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' },
    });
    expect(result.code).toBe(3);
    const status = JSON.parse(result.stdout) as SystemStatus;
    expect(status.keychain).toMatchObject({ state: 'error', available: false });
    expect(status.keychain.remedy).toMatch(/gnome-keyring|Secret Service/);
  });

  it('doctor reports an unusable workspace and exits 3', async () => {
    const file = join(home, 'a-file');
    writeFileSync(file, '');
    const result = await runConsign(['doctor', '--json', '--home', join(file, 'ws')]);
    expect(result.code).toBe(3);
    const status = JSON.parse(result.stdout) as SystemStatus;
    expect(status.workspace.state).toBe('error');
    expect(status.workspace.remedy).toMatch(/--home or CONSIGN_HOME/);
  });

  it('CONSIGN_HOME chooses the workspace as --home does', async () => {
    const other = join(home, 'from-env');
    const result = await runConsign(['doctor', '--json'], { env: { CONSIGN_HOME: other } });
    expect((JSON.parse(result.stdout) as SystemStatus).workspace.path).toBe(other);
  });

  it.each([
    [['bogus'], /not a consign command/],
    [['images', 'extra'], /Usage: consign images/],
    [['images', '--frobnicate'], /frobnicate/],
  ])('rejects bad usage %j with exit 2', async (args, message) => {
    const result = await runConsign([...args, '--home', home]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });
});
