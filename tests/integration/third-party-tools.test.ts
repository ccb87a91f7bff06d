// Proves the third-party verifiers customers use, cosign and oras from Debian trixie's packages
// (fetched by scripts/test/lib/tools.ts), work against our loopback registries and stay offline:
// every run points HTTP(S)_PROXY at a local trap that counts connections, so anything cosign or
// oras tries to reach beyond loopback (Rekor, Fulcio, the TUF root) shows up as a failure.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEnv, type TestEnv } from '../support/test-env.ts';

const BUNDLE_MEDIA_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
const SIGN_PREDICATE = 'https://sigstore.dev/cosign/sign/v1';

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

let env: TestEnv | undefined;
try {
  env = testEnv();
} catch {
  env = undefined; // beforeAll reports it
}
const missingTools = env !== undefined && (!env.cosign || !env.oras);

let work: string;
let trap: Server;
let trapPort = 0;
let trapConnections = 0;

function exec(cmd: string, args: string[], extraEnv: Record<string, string> = {}): Promise<Result> {
  const base: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(https?_proxy|no_proxy|all_proxy)$/i.test(k) || k.startsWith('COSIGN_')) continue;
    base[k] = v;
  }
  const proxy = `http://127.0.0.1:${trapPort}`;
  return new Promise((done) => {
    execFile(
      cmd,
      args,
      {
        cwd: work,
        env: {
          ...base,
          HOME: work,
          DOCKER_CONFIG: join(work, 'docker'),
          HTTPS_PROXY: proxy,
          HTTP_PROXY: proxy,
          https_proxy: proxy,
          http_proxy: proxy,
          ...extraEnv,
        },
        timeout: 90_000,
        maxBuffer: 16 * 1024 * 1024,
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        done({ code, stdout, stderr });
      },
    );
  });
}

async function ok(cmd: string, args: string[], extraEnv: Record<string, string> = {}) {
  const res = await exec(cmd, args, extraEnv);
  if (res.code !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} exited ${res.code}:\n${res.stdout}\n${res.stderr}`);
  }
  return res;
}

const cosign = (args: string[], extra: Record<string, string> = {}) =>
  exec(env!.cosign!, args, extra);
const oras = (args: string[]) => ok(env!.oras!, args);
const registryFlags = ['--allow-http-registry', '--allow-insecure-registry'];

/** Flags of one cosign subcommand that concern Sigstore bundles and OCI 1.1 referrers. */
async function bundleFlags(sub: string): Promise<string[]> {
  const help = (await ok(env!.cosign!, [sub, '--help'])).stdout;
  return [...help.matchAll(/^\s+(--[a-z0-9-]+)=/gm)]
    .map((m) => m[1]!)
    .filter((f) => /bundle|oci11|referrers|trusted-root/.test(f));
}

/** Push the test dockerd's base image to a fresh repository; returns repo and digest. */
async function pushBaseImage(name: string): Promise<{ repo: string; digest: string }> {
  const repo = `${env!.registryPlain}/tools-test/${name}-${randomBytes(4).toString('hex')}`;
  await ok('skopeo', [
    'copy',
    '--quiet',
    '--src-daemon-host',
    env!.dockerHost,
    '--dest-tls-verify=false',
    `docker-daemon:${env!.baseImage}`,
    `docker://${repo}:1`,
  ]);
  const digest = (await oras(['resolve', '--plain-http', `${repo}:1`])).stdout.trim();
  expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  return { repo, digest };
}

async function keyPair(dir: string, password: string): Promise<{ key: string; pub: string }> {
  const res = await exec(env!.cosign!, ['generate-key-pair', '--output-key-prefix', dir], {
    COSIGN_PASSWORD: password,
  });
  if (res.code !== 0) throw new Error(`cosign generate-key-pair failed:\n${res.stderr}`);
  return { key: join(work, `${dir}.key`), pub: join(work, `${dir}.pub`) };
}

async function tags(repo: string): Promise<string[]> {
  const [host, ...path] = repo.split('/');
  const res = await fetch(`http://${host}/v2/${path.join('/')}/tags/list`);
  return ((await res.json()) as { tags?: string[] }).tags ?? [];
}

describe.skipIf(missingTools)('cosign and oras from Debian trixie', () => {
  beforeAll(async () => {
    env = testEnv();
    work = mkdtempSync(join(tmpdir(), 'consign-third-party-'));
    trap = createServer((socket) => {
      trapConnections++;
      socket.destroy();
    });
    await new Promise<void>((done) => trap.listen(0, '127.0.0.1', done));
    trapPort = (trap.address() as { port: number }).port;
  });

  afterAll(async () => {
    await new Promise((done) => trap?.close(done));
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('run here; their versions and cosign’s bundle support are recorded', async () => {
    const toolsDir = resolve(env!.cosign!, '..', '..');
    const versions = existsSync(join(toolsDir, 'versions.json'))
      ? (JSON.parse(readFileSync(join(toolsDir, 'versions.json'), 'utf8')) as {
          packages: Record<string, string>;
        })
      : undefined;
    const cosignVersion = await ok(env!.cosign!, ['version']);
    const orasVersion = await ok(env!.oras!, ['version']);
    const support: Record<string, string[]> = {};
    for (const sub of ['sign', 'verify', 'attest', 'verify-attestation', 'verify-blob']) {
      support[sub] = await bundleFlags(sub);
    }
    console.log(
      [
        `cosign package ${versions?.packages.cosign ?? '?'}: ` +
          /GitVersion:\s*(\S+)/.exec(cosignVersion.stdout + cosignVersion.stderr)?.[1],
        `oras package ${versions?.packages.oras ?? '?'}: ` +
          /Version:\s*(\S+)/.exec(orasVersion.stdout)?.[1],
        ...Object.entries(support).map(([sub, f]) => `cosign ${sub}: ${f.join(' ') || '(none)'}`),
      ].join('\n'),
    );
    // cosign 2.5 reads and writes Sigstore bundles for attestations; `sign` still writes the
    // legacy .sig format (optionally as an OCI 1.1 referrer with --registry-referrers-mode).
    expect(support['verify-attestation']).toContain('--new-bundle-format');
    expect(support.attest).toContain('--new-bundle-format');
  });

  it('oras pushes an artifact, attaches a referrer and discovers it (plain HTTP)', async () => {
    const repo = `${env!.registryPlain}/tools-test/oras-${randomBytes(4).toString('hex')}`;
    writeFileSync(join(work, 'note.txt'), `consign third-party tools test ${Date.now()}\n`);
    writeFileSync(join(work, 'review.json'), '{"reviewed":true}\n');
    await oras([
      'push',
      '--plain-http',
      '--artifact-type',
      'application/vnd.consign.test.note',
      `${repo}:v1`,
      'note.txt:text/plain',
    ]);
    const digest = (await oras(['resolve', '--plain-http', `${repo}:v1`])).stdout.trim();
    await oras([
      'attach',
      '--plain-http',
      '--artifact-type',
      'application/vnd.consign.test.review',
      `${repo}@${digest}`,
      'review.json:application/json',
    ]);
    const found = JSON.parse(
      (await oras(['discover', '--plain-http', '--format', 'json', `${repo}@${digest}`])).stdout,
    ) as { manifests?: { artifactType?: string }[] };
    expect(found.manifests?.map((m) => m.artifactType)).toEqual([
      'application/vnd.consign.test.review',
    ]);
    const pulled = join(work, 'pulled');
    await oras(['pull', '--plain-http', '-o', pulled, `${repo}:v1`]);
    expect(readFileSync(join(pulled, 'note.txt'), 'utf8')).toBe(
      readFileSync(join(work, 'note.txt'), 'utf8'),
    );
    expect(trapConnections).toBe(0);
  });

  it('cosign signs with a key pair and verifies offline, without a transparency log', async () => {
    const { repo, digest } = await pushBaseImage('cosign');
    const ref = `${repo}@${digest}`;
    const password = randomBytes(12).toString('hex');
    const mine = await keyPair('mine', password);
    const other = await keyPair('other', password);
    expect(readFileSync(mine.key, 'utf8')).toContain('-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY');

    const signed = await cosign(
      ['sign', '--key', mine.key, '--tlog-upload=false', '--yes', ...registryFlags, ref],
      { COSIGN_PASSWORD: password },
    );
    expect(signed.code, signed.stderr).toBe(0);
    expect(await tags(repo)).toContain(`${digest.replace(':', '-')}.sig`);

    const verified = await cosign([
      'verify',
      '--key',
      mine.pub,
      '--insecure-ignore-tlog=true',
      ...registryFlags,
      ref,
    ]);
    expect(verified.code, verified.stderr).toBe(0);
    const payloads = JSON.parse(verified.stdout) as {
      critical: { image: { 'docker-manifest-digest': string }; identity: Record<string, string> };
    }[];
    expect(payloads[0]!.critical.image['docker-manifest-digest']).toBe(digest);
    expect(payloads[0]!.critical.identity['docker-reference']).toBe(repo);

    const wrongKey = await cosign([
      'verify',
      '--key',
      other.pub,
      '--insecure-ignore-tlog=true',
      ...registryFlags,
      ref,
    ]);
    expect(wrongKey.code).not.toBe(0);

    // Nothing left loopback and no TUF root was even set up (cosign would cache it in ~/.sigstore).
    expect(trapConnections).toBe(0);
    expect(existsSync(join(work, '.sigstore'))).toBe(false);
  });

  it('cosign attests in the Sigstore bundle format as an OCI 1.1 referrer and verifies it', async () => {
    const { repo, digest } = await pushBaseImage('bundle');
    const ref = `${repo}@${digest}`;
    const password = randomBytes(12).toString('hex');
    const keys = await keyPair('bundle', password);
    writeFileSync(join(work, 'predicate.json'), '{"note":"consign interop test"}\n');
    // Key-based verification needs no Sigstore infrastructure: an empty trusted root stops cosign
    // from fetching the public-good TUF root for bundle verification.
    const trustedRoot = join(work, 'trusted-root.json');
    writeFileSync(
      trustedRoot,
      JSON.stringify({ mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1' }),
    );

    const attested = await cosign(
      [
        'attest',
        '--new-bundle-format',
        '--key',
        keys.key,
        '--tlog-upload=false',
        '--yes',
        '--type',
        SIGN_PREDICATE,
        '--predicate',
        'predicate.json',
        ...registryFlags,
        ref,
      ],
      { COSIGN_PASSWORD: password },
    );
    expect(attested.code, attested.stderr).toBe(0);

    // distribution 2.8 has no referrers API: cosign maintains the sha256-<hex> fallback index.
    expect(await tags(repo)).toContain(digest.replace(':', '-'));
    const found = JSON.parse(
      (await oras(['discover', '--plain-http', '--format', 'json', ref])).stdout,
    ) as { manifests?: { digest: string; artifactType?: string }[] };
    expect(found.manifests).toHaveLength(1);
    const referrer = JSON.parse(
      (await oras(['manifest', 'fetch', '--plain-http', `${repo}@${found.manifests![0]!.digest}`]))
        .stdout,
    ) as { artifactType?: string; layers: { mediaType: string }[]; subject?: { digest: string } };
    expect(referrer.artifactType).toBe(BUNDLE_MEDIA_TYPE);
    expect(referrer.layers[0]!.mediaType).toBe(BUNDLE_MEDIA_TYPE);
    expect(referrer.subject?.digest).toBe(digest);
    console.log(
      `cosign's fallback index lists its bundle with artifactType ` +
        `${found.manifests![0]!.artifactType} (the manifest itself says ${referrer.artifactType})`,
    );

    const verified = await cosign([
      'verify-attestation',
      '--new-bundle-format',
      '--trusted-root',
      trustedRoot,
      '--key',
      keys.pub,
      '--insecure-ignore-tlog=true',
      '--type',
      SIGN_PREDICATE,
      ...registryFlags,
      ref,
    ]);
    expect(verified.code, verified.stderr).toBe(0);
    const envelope = JSON.parse(verified.stdout.trim().split('\n')[0]!) as { payload: string };
    const statement = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')) as {
      predicateType: string;
      subject: { digest: { sha256: string } }[];
    };
    expect(statement.predicateType).toBe(SIGN_PREDICATE);
    expect(`sha256:${statement.subject[0]!.digest.sha256}`).toBe(digest);

    // Recorded, not asserted: whether `cosign verify --new-bundle-format` finds a bundle-only
    // signature (cosign 2.5 does not; it looks for the legacy .sig only).
    const plainVerify = await cosign([
      'verify',
      '--new-bundle-format',
      '--trusted-root',
      trustedRoot,
      '--key',
      keys.pub,
      '--insecure-ignore-tlog=true',
      ...registryFlags,
      ref,
    ]);
    console.log(
      `cosign verify --new-bundle-format on a bundle-only image: exit ${plainVerify.code}` +
        (plainVerify.code === 0 ? '' : ` (${plainVerify.stderr.trim().split('\n').pop()})`),
    );

    expect(trapConnections).toBe(0);
    expect(existsSync(join(work, '.sigstore'))).toBe(false);
  });
});
