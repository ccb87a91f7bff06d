// Offline delivery bundles end to end: `consign bundle export` on one workspace (its own home and
// keychain service), `consign bundle import` on another, into a customer's namespace of a real
// registry, checked there by cosign 2.5; and bundles altered in transit, each refused with a
// clear message before anything is pushed.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { extract, pack } from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeyInfo } from '../../shared/contract';
import { customerAddArgs, releaseArgs } from '../support/cli-args';
import { copyFromDaemon, jsonOf as json, workspaceCli } from '../support/consign-cli';
import { COSIGN_REGISTRY_FLAGS, runCosign } from '../support/cosign';
import { uniqueRepository } from '../support/registry-fixtures';
import { testEnv } from '../support/test-env';

const env = testEnv();

interface ExportJson {
  out: string;
  digest: string;
  images: number;
}

interface DeliverJson {
  delivery: { id: string; release: string; status: string; origin: string };
  customers: {
    name: string;
    status: string;
    images: { source: string; ref: string; digest: string; signed: boolean; verified: boolean }[];
  }[];
}

interface ErrorJson {
  error: { code: string; message: string; remedy?: string };
}

/** A tar's entries in order, read whole (bundles in these tests are about a megabyte). */
async function readTar(file: string): Promise<{ name: string; type: string; body: Buffer }[]> {
  const entries: { name: string; type: string; body: Buffer }[] = [];
  const untar = extract();
  Readable.from([readFileSync(file)]).pipe(untar as unknown as NodeJS.WritableStream);
  for await (const entry of untar) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry as AsyncIterable<Buffer>) chunks.push(Buffer.from(chunk));
    entries.push({ name: entry.header.name, type: entry.header.type, body: Buffer.concat(chunks) });
  }
  return entries;
}

async function writeTar(
  file: string,
  entries: { name: string; type: string; body: Buffer; linkname?: string }[],
): Promise<void> {
  const tar = pack();
  for (const entry of entries) {
    if (entry.type === 'directory') tar.entry({ name: entry.name, type: 'directory' });
    else if (entry.type === 'symlink') {
      tar.entry({ name: entry.name, type: 'symlink', linkname: entry.linkname ?? '/etc/passwd' });
    } else tar.entry({ name: entry.name, type: 'file' }, entry.body);
  }
  tar.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of tar as AsyncIterable<Buffer>) chunks.push(Buffer.from(chunk));
  writeFileSync(file, Buffer.concat(chunks));
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe.skipIf(!env.cosign)('offline delivery bundles', () => {
  let work: string;
  let homeA: string;
  let homeB: string;
  let key: KeyInfo;
  let publicKeyFile: string;
  let bundle: ExportJson;
  let source: string;
  const namespace = uniqueRepository('bundle-customer');
  const tamperNamespace = uniqueRepository('bundle-tampered');
  const consignA = workspaceCli(() => homeA, {
    CONSIGN_KEYCHAIN_SERVICE: `${env.keychainService}-bundle-a`,
  });
  const consignB = workspaceCli(() => homeB, {
    CONSIGN_KEYCHAIN_SERVICE: `${env.keychainService}-bundle-b`,
  });

  /** `bundle export` of demo@1.0.0 (the test image, signed with the test key) to `out`. */
  const exportBundle = (out: string, extra: string[] = []) =>
    consignA([
      'bundle',
      'export',
      ...releaseArgs({ release: 'demo@1.0.0', images: [source], key: key.id }),
      ...extra,
      '--out',
      out,
      '--json',
    ]);

  /** `bundle import` of `file` for `customer`, trusting `publicKey` when given. */
  const importBundle = (file: string, customer: string, publicKey?: string) =>
    consignB([
      'bundle',
      'import',
      file,
      '--customer',
      customer,
      ...(publicKey ? ['--public-key', publicKey] : []),
      '--json',
    ]);

  /** The tags of a repository of the plain registry; [] when it has none (nothing pushed). */
  const tags = async (repository: string): Promise<string[]> => {
    const res = await fetch(`http://${env.registryPlain}/v2/${repository}/tags/list`);
    if (res.status === 404) return [];
    return ((await res.json()) as { tags: string[] | null }).tags ?? [];
  };

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'consign-bundle-test-'));
    homeA = join(work, 'desk-a');
    homeB = join(work, 'desk-b');
    key = json<KeyInfo>(await consignA(['keys', 'generate', '--name', 'release', '--json']));
    publicKeyFile = join(work, 'release.pub');
    json(await consignA(['keys', 'export-public', key.id, '--out', publicKeyFile, '--json']));
    source = `docker://${env.registryPlain}/${uniqueRepository('bundle-source')}/app:1.0.0`;
    await copyFromDaemon(consignA, env.baseImage, source);
    for (const [name, ns] of [
      ['acme', namespace],
      ['tampered', tamperNamespace],
    ] as const) {
      json(await consignB(customerAddArgs(name, ['--registry', env.registryPlain], ns, 'demo')));
    }
    bundle = json<ExportJson>(await exportBundle(join(work, 'demo-1.0.0.tar')));
  }, 240_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('exports one tar whose digest is its sha256, holding the layout and no secret', async () => {
    expect(bundle.images).toBe(1);
    const bytes = readFileSync(bundle.out);
    expect(bundle.digest).toBe(`sha256:${sha256(bytes)}`);
    expect(bytes.includes('PRIVATE KEY')).toBe(false);
    const names = (await readTar(bundle.out)).map((e) => e.name);
    expect(names.slice(0, 4)).toEqual([
      'oci-layout',
      'index.json',
      'consign-bundle.json',
      'consign-bundle.dsse.json',
    ]);
    const blobs = names.filter((n) => n.startsWith('blobs/sha256/') && n.length > 14);
    expect(blobs).toEqual([...blobs].sort());
    // The image, its .sig tag and its referrers index, all under the image's name.
    const index = JSON.parse(
      (await readTar(bundle.out)).find((e) => e.name === 'index.json')!.body.toString(),
    ) as { manifests: { annotations: Record<string, string> }[] };
    const refNames = index.manifests.map((m) => m.annotations['org.opencontainers.image.ref.name']);
    expect(refNames).toContain('app+1.0.0');
    expect(refNames.some((n) => /^app\+sha256-[a-f0-9]{64}\.sig$/.test(n ?? ''))).toBe(true);
    // Never over an existing file.
    const again = json<ErrorJson>(await exportBundle(bundle.out), 2);
    expect(again.error.message).toMatch(/already exists/);
  });

  it('writes nothing when the policy gate blocks the release', async () => {
    const scan = json<{ baseline: { id: string }[] }>(await consignA(['scan', source, '--json']));
    expect(scan.baseline.length).toBeGreaterThan(0);
    const policy = join(work, 'strict.json');
    writeFileSync(policy, JSON.stringify({ baseline: { enforce: [scan.baseline[0]!.id] } }));
    const out = join(work, 'blocked.tar');
    const blocked = json<ErrorJson>(await exportBundle(out, ['--policy', policy]), 1);
    expect(blocked.error.code).toBe('CHECK_FAILED');
    expect(blocked.error.message).toContain(scan.baseline[0]!.id);
    expect(existsSync(out)).toBe(false);
  });

  it('refuses a bundle signed by a key the importing workspace does not know', async () => {
    const refused = json<ErrorJson>(await importBundle(bundle.out, 'tampered'), 1);
    expect(refused.error.message).toMatch(/does not know/);
    expect(refused.error.message).toContain(key.fingerprint);
    expect(refused.error.remedy).toMatch(/--public-key/);
    const stranger = json<KeyInfo>(await consignB(['keys', 'generate', '--name', 'x', '--json']));
    const strangerFile = join(work, 'stranger.pub');
    json(await consignB(['keys', 'export-public', stranger.id, '--out', strangerFile, '--json']));
    const wrong = json<ErrorJson>(await importBundle(bundle.out, 'tampered', strangerFile), 1);
    expect(wrong.error.message).toMatch(/not by the key in/);
    expect(await tags(`${tamperNamespace}/app`)).toEqual([]);
  });

  it('refuses altered bundles with what is wrong, and pushes nothing', async () => {
    const original = await readTar(bundle.out);
    const altered = async (
      name: string,
      change: (entries: typeof original) => typeof original,
    ): Promise<string> => {
      const file = join(work, `${name}.tar`);
      await writeTar(file, change(original.map((e) => ({ ...e, body: Buffer.from(e.body) }))));
      return file;
    };
    const importing = (file: string) => importBundle(file, 'tampered', publicKeyFile);
    const largest = [...original]
      .filter((e) => e.name.startsWith('blobs/sha256/') && e.type === 'file')
      .sort((a, b) => b.body.length - a.body.length)[0]!;

    // One byte of a layer.
    const flipped = await altered('byte', (entries) => {
      const layer = entries.find((e) => e.name === largest.name)!;
      layer.body[100] = layer.body[100]! ^ 1;
      return entries;
    });
    const byte = json<ErrorJson>(await importing(flipped), 2);
    expect(byte.error.message).toMatch(/does not hash to its name/);
    expect(byte.error.message).toContain(largest.name.slice('blobs/sha256/'.length));

    // The image manifest replaced by another one, consistently named and tagged.
    const swapped = await altered('manifest', (entries) => {
      const indexEntry = entries.find((e) => e.name === 'index.json')!;
      const index = JSON.parse(indexEntry.body.toString()) as {
        manifests: { digest: string; size: number; annotations: Record<string, string> }[];
      };
      const tagged = index.manifests.find(
        (m) => m.annotations['org.opencontainers.image.ref.name'] === 'app+1.0.0',
      )!;
      const old = entries.find((e) => e.name === `blobs/sha256/${tagged.digest.slice(7)}`)!;
      const manifest = JSON.parse(old.body.toString()) as Record<string, unknown>;
      manifest.annotations = { 'org.example.changed': 'yes' };
      const body = Buffer.from(JSON.stringify(manifest));
      tagged.digest = `sha256:${sha256(body)}`;
      tagged.size = body.length;
      indexEntry.body = Buffer.from(JSON.stringify(index));
      return [...entries, { name: `blobs/sha256/${sha256(body)}`, type: 'file', body }];
    });
    const manifest = json<ErrorJson>(await importing(swapped), 2);
    expect(manifest.error.message).toMatch(/app:1\.0\.0 is sha256:.* but the signed description/);

    // The signature itself.
    const forged = await altered('signature', (entries) => {
      const envelope = entries.find((e) => e.name === 'consign-bundle.dsse.json')!;
      const parsed = JSON.parse(envelope.body.toString()) as {
        signatures: { sig: string }[];
      };
      const sig = Buffer.from(parsed.signatures[0]!.sig, 'base64');
      sig[sig.length - 2] = sig[sig.length - 2]! ^ 1;
      parsed.signatures[0]!.sig = sig.toString('base64');
      envelope.body = Buffer.from(JSON.stringify(parsed));
      return entries;
    });
    const signature = json<ErrorJson>(await importing(forged), 1);
    expect(signature.error.message).toMatch(/signature does not verify/);

    // A link smuggled in.
    const linked = await altered('link', (entries) => [
      ...entries,
      { name: 'blobs/sha256/evil', type: 'symlink', body: Buffer.alloc(0) },
    ]);
    const link = json<ErrorJson>(await importing(linked), 2);
    expect(link.error.message).toMatch(/is a symlink/);

    expect(await tags(`${tamperNamespace}/app`)).toEqual([]);
    // Nothing of the refused bundles is kept in the workspace.
    expect(readdirSync(join(homeB, 'bundles')).filter((d) => !d.startsWith('.'))).toEqual([]);
  }, 120_000);

  it('imports on another workspace: the image arrives signed, cosign verifies it', async () => {
    const delivered = json<DeliverJson>(await importBundle(bundle.out, 'acme', publicKeyFile));
    expect(delivered.delivery).toMatchObject({
      release: 'demo@1.0.0',
      status: 'delivered',
      origin: 'bundle',
    });
    const target = delivered.customers[0]!.images[0]!;
    expect(delivered.customers[0]).toMatchObject({ name: 'acme', status: 'delivered' });
    expect(target).toMatchObject({
      ref: `docker://${env.registryPlain}/${namespace}/app:1.0.0`,
      signed: true,
      verified: true,
    });
    expect(await tags(`${namespace}/app`)).toContain('1.0.0');
    // The unpacked bundle stays in the workspace, named by its digest, for resuming.
    expect(existsSync(join(homeB, 'bundles', bundle.digest.slice(7), 'index.json'))).toBe(true);

    const verified = await runCosign(
      env.cosign!,
      [
        'verify',
        '--key',
        publicKeyFile,
        '--insecure-ignore-tlog=true',
        ...COSIGN_REGISTRY_FLAGS,
        `${env.registryPlain}/${namespace}/app@${target.digest}`,
      ],
      { cwd: work },
    );
    expect(verified.code, verified.stderr).toBe(0);
    const payloads = JSON.parse(verified.stdout) as {
      critical: { image: { 'docker-manifest-digest': string } };
    }[];
    expect(payloads[0]!.critical.image['docker-manifest-digest']).toBe(target.digest);

    // The SBOM, vulnerability report and release record made on the offline desk arrived too.
    const attested = json<{ verified: boolean; attestations: { predicateType: string }[] }>(
      await consignB(['verify-attestation', target.ref, '--public-key', publicKeyFile, '--json']),
    );
    expect(attested.attestations.map((a) => a.predicateType)).toEqual(
      expect.arrayContaining([
        'https://cyclonedx.org/bom',
        'https://cosign.sigstore.dev/attestation/vuln/v1',
        'https://consign.dev/attestation/delivery/v1',
      ]),
    );

    // Importing the same file again reuses the unpacked bundle; the image is already there.
    const again = json<DeliverJson>(await importBundle(bundle.out, 'acme', publicKeyFile));
    expect(again.customers[0]).toMatchObject({ status: 'delivered' });
    expect(again.delivery.id).not.toBe(delivered.delivery.id);
  }, 120_000);

  it.skipIf(!env.tokenReadonlyUser)(
    'resumes an import that failed at a customer from the kept bundle',
    async () => {
      // An account that may read but not push: the first run fails there, nothing is lost.
      const ns = uniqueRepository('bundle-resume');
      json(
        await consignB(
          customerAddArgs(
            'readonly',
            [
              '--registry',
              env.registryToken,
              '--auth',
              'token',
              '--username',
              env.tokenReadonlyUser,
              '--password-stdin',
            ],
            ns,
            'demo',
          ),
          env.tokenReadonlyPassword,
        ),
      );
      const first = json<DeliverJson>(await importBundle(bundle.out, 'readonly', publicKeyFile), 1);
      expect(first.customers[0]).toMatchObject({ name: 'readonly', status: 'failed' });
      json(
        await consignB(
          [
            'customers',
            'edit',
            'readonly',
            '--username',
            env.tokenUser,
            '--password-stdin',
            '--json',
          ],
          env.tokenPassword,
        ),
      );
      const resumed = json<DeliverJson>(
        await consignB(['deliver', '--resume', first.delivery.id, '--json']),
      );
      expect(resumed.delivery).toMatchObject({ id: first.delivery.id, status: 'delivered' });
      expect(resumed.customers[0]!.images[0]).toMatchObject({
        ref: `docker://${env.registryToken}/${ns}/app:1.0.0`,
        signed: true,
        verified: true,
      });
    },
    120_000,
  );
});
