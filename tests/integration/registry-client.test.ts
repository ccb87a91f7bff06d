// The registry client against real distribution registries: plain HTTP, TLS with basic auth, and
// token auth (see tests/support/test-env.ts).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../electron/core/db';
import { ConsignError } from '../../electron/core/errors';
import { Keychain } from '../../electron/core/keychain';
import { digestHex, digestOf, MediaType } from '../../electron/core/oci';
import {
  keychainAccount,
  RegistryClient,
  RegistryCredentialStore,
  type RegistryClientOptions,
} from '../../electron/core/registry';
import {
  bufferSource,
  imageIndex,
  imageManifest,
  jsonBlob,
  randomBlob,
  readAll,
  uniqueRepository,
} from '../support/registry-fixtures';
import { testEnv } from '../support/test-env';

const env = testEnv();

interface Kind {
  name: string;
  options: () => RegistryClientOptions;
}

const kinds: Kind[] = [
  { name: 'plain HTTP', options: () => ({ host: env.registryPlain }) },
  {
    name: 'TLS with basic auth',
    options: () => ({
      host: env.registryTls,
      caFile: env.caFile,
      credentials: { username: env.registryTlsUser, password: env.registryTlsPassword },
    }),
  },
  {
    name: 'token auth',
    options: () => ({
      host: env.registryToken,
      credentials: { username: env.tokenUser, password: env.tokenPassword },
    }),
  },
];

async function expectConsignError(
  promise: Promise<unknown>,
  code: string,
  message: RegExp,
): Promise<ConsignError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, 'the call should have failed').toBeInstanceOf(ConsignError);
  const consign = error as ConsignError;
  expect({ code: consign.code, message: consign.message }).toMatchObject({
    code,
    message: expect.stringMatching(message),
  });
  expect(consign.remedy).toBeTruthy();
  return consign;
}

describe.each(kinds)('registry client, $name', ({ options }) => {
  let client: RegistryClient;
  beforeAll(() => {
    client = new RegistryClient(options());
  });
  afterAll(() => client.close());

  it('pings the registry', async () => {
    const ping = await client.ping();
    expect(ping.reachable).toBe(true);
    expect(ping.apiVersion).toBe('registry/2.0');
    expect(ping.authenticated).toBe(options().credentials !== undefined);
  });

  it('pushes blobs (monolithic and chunked), a manifest and an index, and reads them back', async () => {
    const repository = uniqueRepository('push');
    const config = jsonBlob({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers' } });
    const small = randomBlob(100 * 1024);
    const large = randomBlob(2 * 1024 * 1024 + 12345);
    const opened: number[] = [];
    const progress: number[] = [];

    expect(await client.hasBlob(repository, small.digest)).toBeNull();
    const first = await client.uploadBlob(repository, small, bufferSource(small));
    expect(first).toEqual({ uploaded: true, resumes: 0, restarts: 0 });
    const chunked = await client.uploadBlob(repository, large, bufferSource(large, opened), {
      chunkSize: 1024 * 1024,
      onProgress: (bytes) => progress.push(bytes),
    });
    expect(chunked.uploaded).toBe(true);
    expect(opened).toEqual([0]); // the source was read once for all three chunks
    expect(progress.at(-1)).toBe(large.size);
    await client.uploadBlob(repository, config, bufferSource(config));
    // Present blobs are not sent again.
    expect((await client.uploadBlob(repository, small, bufferSource(small))).uploaded).toBe(false);
    expect(await client.hasBlob(repository, large.digest)).toBe(large.size);

    const whole = await readAll(await client.getBlob(repository, large));
    expect(digestOf(whole)).toBe(large.digest);
    const tail = await readAll(await client.getBlob(repository, large, 1_000_000));
    expect(tail.equals(large.bytes.subarray(1_000_000))).toBe(true);

    const manifest = imageManifest(config, [small, large]);
    expect(await client.putManifest(repository, '1.0', manifest)).toBe(manifest.digest);
    const byTag = await client.getManifest(repository, '1.0');
    expect(byTag).toMatchObject({ kind: 'manifest', digest: manifest.digest });
    expect(byTag.bytes.equals(manifest.bytes)).toBe(true);
    const byDigest = await client.getManifest(repository, manifest.digest);
    expect(byDigest.kind === 'manifest' && byDigest.manifest.layers.length).toBe(2);
    expect(await client.headManifest(repository, '1.0')).toEqual({
      digest: manifest.digest,
      mediaType: MediaType.ociManifest,
      size: manifest.bytes.length,
    });
    expect(await client.headManifest(repository, 'missing')).toBeNull();

    const index = imageIndex([
      { ...manifest.descriptor, platform: { architecture: 'amd64', os: 'linux' } },
    ]);
    expect(await client.putManifest(repository, index.digest, index)).toBe(index.digest);
    expect(await client.putManifest(repository, 'multi', index)).toBe(index.digest);
    const readIndex = await client.getManifest(repository, 'multi');
    expect(readIndex.kind).toBe('index');
    expect(readIndex.kind === 'index' && readIndex.index.manifests[0]!.digest).toBe(
      manifest.digest,
    );

    await expectConsignError(client.getManifest(repository, 'nope'), 'NOT_FOUND', /not found/);
  });

  it('lists tags across pages', async () => {
    const repository = uniqueRepository('tags');
    const config = jsonBlob({ n: 1 });
    await client.uploadBlob(repository, config, bufferSource(config));
    const manifest = imageManifest(config, []);
    const tags = ['a', 'b', 'c', 'd', 'e'];
    for (const tag of tags) await client.putManifest(repository, tag, manifest);
    expect((await client.listTags(repository, undefined, 2)).sort()).toEqual(tags);
    expect(await client.listTags(uniqueRepository('none'))).toEqual([]);
  });

  it('mounts a blob from another repository of the same registry', async () => {
    const from = uniqueRepository('mount-from');
    const to = uniqueRepository('mount-to');
    const blob = randomBlob(50_000);
    await client.uploadBlob(from, blob, bufferSource(blob));
    expect(await client.mountBlob(to, blob.digest, from)).toBe(true);
    expect(await client.hasBlob(to, blob.digest)).toBe(blob.size);
    const missing = randomBlob(10);
    expect(await client.mountBlob(to, missing.digest, from)).toBe(false);
  });

  it('finds referrers through the sha256-<hex> fallback tag where there is no referrers API', async () => {
    const repository = uniqueRepository('referrers');
    const config = jsonBlob({ image: true });
    await client.uploadBlob(repository, config, bufferSource(config));
    const image = imageManifest(config, []);
    await client.putManifest(repository, 'v1', image);

    expect(await client.supportsReferrersApi(repository)).toBe(false);
    expect(await client.referrers(repository, image.digest)).toEqual({
      manifests: [],
      source: 'fallback-tag',
    });

    const empty = jsonBlob({});
    const payload = jsonBlob({ note: 'a signature bundle stands here' });
    await client.uploadBlob(repository, empty, bufferSource(empty));
    await client.uploadBlob(repository, payload, bufferSource(payload));
    const artifact = imageManifest(empty, [payload], {
      subject: image.descriptor,
      artifactType: MediaType.sigstoreBundle,
      configMediaType: MediaType.ociEmpty,
    });
    await client.putManifest(repository, artifact.digest, artifact);
    const fallback = imageIndex([artifact.descriptor]);
    await client.putManifest(repository, `sha256-${digestHex(image.digest)}`, fallback);

    const found = await client.referrers(repository, image.digest);
    expect(found.source).toBe('fallback-tag');
    expect(found.manifests).toEqual([artifact.descriptor]);
    expect(
      (await client.referrers(repository, image.digest, MediaType.sigstoreBundle)).manifests,
    ).toHaveLength(1);
    expect(
      (await client.referrers(repository, image.digest, 'application/other')).manifests,
    ).toEqual([]);
  });
});

describe('authentication', () => {
  let home: string;
  let db: Database;
  let store: RegistryCredentialStore;
  // A service of its own: other suites may keep logins for the same hosts in the shared one.
  const keychain = new Keychain(`${env.keychainService}-registry-${process.pid}`);

  beforeAll(() => {
    home = mkdtempSync(join(tmpdir(), 'consign-registry-'));
    db = openDatabase(join(home, 'consign.db'));
    store = new RegistryCredentialStore(db, keychain, { HOME: home });
  });
  afterAll(async () => {
    for (const host of [env.registryTls, env.registryToken]) await store.remove(host);
    db.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('refuses a wrong password on a basic-auth registry, and login stores nothing', async () => {
    const client = new RegistryClient({
      host: env.registryTls,
      caFile: env.caFile,
      credentials: { username: env.registryTlsUser, password: 'wrong-password' },
    });
    const error = await expectConsignError(
      client.ping(),
      'CHECK_FAILED',
      /refused the credentials for consign-tls/,
    );
    expect(error.message).not.toContain('wrong-password');
    expect(error.remedy).toContain('consign login');
    await expectConsignError(
      store.login(env.registryTls, {
        username: env.registryTlsUser,
        password: 'wrong-password',
        caFile: env.caFile,
      }),
      'CHECK_FAILED',
      /refused the credentials/,
    );
    expect(store.get(env.registryTls)).toBeUndefined();
    expect(await keychain.get(keychainAccount(env.registryTls))).toBeNull();
  });

  it('refuses a wrong password on a token-auth registry, and login stores nothing', async () => {
    await expectConsignError(
      store.login(env.registryToken, { username: env.tokenUser, password: 'not-it' }),
      'CHECK_FAILED',
      /refused the credentials for consign-token/,
    );
    expect(store.get(env.registryToken)).toBeUndefined();
    expect(await keychain.get(keychainAccount(env.registryToken))).toBeNull();
  });

  it('logs in, keeps the password in the keychain only, and pushes with it', async () => {
    const result = await store.login(env.registryTls, {
      username: env.registryTlsUser,
      password: env.registryTlsPassword,
      caFile: env.caFile,
    });
    expect(result.authenticated).toBe(true);
    expect(result.settings).toMatchObject({ host: env.registryTls, username: env.registryTlsUser });
    expect(await keychain.get(keychainAccount(env.registryTls))).toBe(env.registryTlsPassword);
    const rows = JSON.stringify(db.prepare('SELECT * FROM registries').all());
    expect(rows).not.toContain(env.registryTlsPassword);

    const client = store.client(env.registryTls);
    const blob = randomBlob(1000);
    await client.uploadBlob(uniqueRepository('login'), blob, bufferSource(blob));
    client.close();
    expect((await store.credentials(env.registryTls)).origin).toBe('keychain');

    expect(await store.remove(env.registryTls)).toBe(true);
    expect(store.get(env.registryTls)).toBeUndefined();
    expect(await keychain.get(keychainAccount(env.registryTls))).toBeNull();
  });

  it('falls back to the Docker config auths', async () => {
    const dockerDir = join(home, 'docker-config');
    execFileSync('mkdir', ['-p', dockerDir]);
    const auth = Buffer.from(`${env.tokenUser}:${env.tokenPassword}`).toString('base64');
    writeFileSync(
      join(dockerDir, 'config.json'),
      JSON.stringify({ auths: { [`http://${env.registryToken}`]: { auth } } }),
    );
    const withDocker = new RegistryCredentialStore(db, keychain, {
      HOME: home,
      DOCKER_CONFIG: dockerDir,
    });
    const found = await withDocker.credentials(env.registryToken);
    expect(found.origin).toBe('docker-config');
    expect(found.credentials?.username).toBe(env.tokenUser);
    const client = withDocker.client(env.registryToken);
    const blob = randomBlob(1000);
    const result = await client.uploadBlob(
      uniqueRepository('docker-config'),
      blob,
      bufferSource(blob),
    );
    expect(result.uploaded).toBe(true);
    client.close();
  });

  it('tells a pull-only account that it may not push, and still lets it pull', async () => {
    const writer = new RegistryClient({
      host: env.registryToken,
      credentials: { username: env.tokenUser, password: env.tokenPassword },
    });
    const reader = new RegistryClient({
      host: env.registryToken,
      credentials: { username: env.tokenReadonlyUser, password: env.tokenReadonlyPassword },
    });
    const repository = uniqueRepository('readonly');
    const blob = randomBlob(2000);
    await writer.uploadBlob(repository, blob, bufferSource(blob));
    expect(await reader.hasBlob(repository, blob.digest)).toBe(blob.size);
    expect(digestOf(await readAll(await reader.getBlob(repository, blob)))).toBe(blob.digest);

    const other = randomBlob(2000);
    await expectConsignError(
      reader.uploadBlob(repository, other, bufferSource(other)),
      'CHECK_FAILED',
      new RegExp(`${env.tokenReadonlyUser} is not allowed to push to ${repository}`),
    );
    writer.close();
    reader.close();
  });

  it('asks for credentials when an anonymous client needs them', async () => {
    const anonymous = new RegistryClient({ host: env.registryToken });
    expect((await anonymous.ping()).authenticated).toBe(false);
    await expectConsignError(
      anonymous.getManifest(uniqueRepository('anon'), 'latest'),
      'CHECK_FAILED',
      /requires credentials to pull/,
    );
    anonymous.close();
  });

  it('verifies TLS: a certificate from an unknown CA is refused with a way forward', async () => {
    let otherCa: string;
    try {
      otherCa = join(home, 'other-ca.pem');
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:P-256',
          '-nodes',
          '-keyout',
          join(home, 'other-ca.key'),
          '-out',
          otherCa,
          '-days',
          '1',
          '-subj',
          '/CN=other',
        ],
        { stdio: 'ignore' },
      );
    } catch {
      return; // no openssl here: the rest of the suite still covers verified TLS
    }
    const client = new RegistryClient({ host: env.registryTls, caFile: otherCa });
    await expectConsignError(client.ping(), 'REGISTRY_UNAVAILABLE', /could not be verified/);
    client.close();
  });
});
