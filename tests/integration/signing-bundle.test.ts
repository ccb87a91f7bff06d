// Sigstore bundle signatures and attestations made by `consign sign`/`consign attest`, checked by
// `consign verify`/`verify-attestation`, by cosign 2.5 and oras 1.2 (offline), and by sigstore-js
// on its own, against a real registry without the referrers API (distribution 2.8).
import { spawnSync } from 'node:child_process';
import { createHash, createPublicKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleFromJSON } from '@sigstore/bundle';
import { toSignedEntity, Verifier, type TrustMaterial } from '@sigstore/verify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeyInfo } from '../../shared/contract';
import { createEngine, type Engine } from '../../electron/core/engine';
import { digestOf, MediaType, type Digest } from '../../electron/core/oci';
import { referrersTag, RegistryClient } from '../../electron/core/registry';
import { imageSignatures } from '../../electron/core/signing';
import { workspaceCli, type CliResult } from '../support/consign-cli';
import { COSIGN_REGISTRY_FLAGS, runCosign, writeMinimalTrustedRoot } from '../support/cosign';
import {
  bufferSource,
  jsonBlob,
  pushIndexOver,
  uniqueRepository,
} from '../support/registry-fixtures';
import { testEnv } from '../support/test-env';

const BUNDLE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
const SIGN_PREDICATE = 'https://sigstore.dev/cosign/sign/v1';
const VULN_PREDICATE = 'https://cosign.sigstore.dev/attestation/vuln/v1';
const COSIGN_PASSWORD = 'cosign-bundle-test-7c2a';

interface SignJson {
  digest: string;
  signatures: { format: string; ref: string; created: boolean }[];
}

interface Report {
  format: string;
  ref?: string;
  keyFingerprint?: string;
  valid: boolean;
  reason?: string;
  signedDigest?: string;
  predicateType?: string;
}

interface VerifyJson {
  verified: boolean;
  digest: string;
  key: { fingerprint: string; revoked?: boolean };
  signatures: Report[];
  reason?: string;
}

interface AttestationsJson extends VerifyJson {
  attestations: {
    ref: string;
    predicateType: string;
    statement: { subject: { name: string; digest: Record<string, string> }[]; predicate: unknown };
  }[];
}

interface ReferrerManifest {
  artifactType?: string;
  config: { mediaType: string; digest: Digest; size: number };
  layers: { mediaType: string; digest: Digest; size: number }[];
  subject?: { mediaType: string; digest: Digest; size: number };
  annotations?: Record<string, string>;
}

interface BundleJson {
  mediaType: string;
  verificationMaterial: { publicKey?: { hint: string } };
  dsseEnvelope: {
    payload: string;
    payloadType: string;
    signatures: { sig: string; keyid?: string }[];
  };
}

const env = testEnv();

describe.skipIf(!env.cosign || !env.oras)('Sigstore bundle signatures and attestations', () => {
  const plain = new RegistryClient({ host: env.registryPlain });
  let home: string;
  let work: string;
  let trustedRoot: string;
  let engine: Engine;
  let key: KeyInfo;
  let other: KeyInfo;
  let keyPub: string;
  const supports: string[] = [];

  const consign = workspaceCli(() => home);

  const json = <T>(result: CliResult, code = 0): T => {
    expect(result.code, `${result.stderr}\n${result.stdout}`).toBe(code);
    return JSON.parse(result.stdout) as T;
  };

  const cosign = (args: string[]) =>
    runCosign(env.cosign!, args, { cwd: work, password: COSIGN_PASSWORD });

  const oras = (args: string[]) => {
    const res = spawnSync(env.oras!, args, { cwd: work, encoding: 'utf8', timeout: 60_000 });
    expect(res.status, res.stderr).toBe(0);
    return res.stdout;
  };

  const generateKey = async (name: string) =>
    json<KeyInfo>(await consign(['keys', 'generate', '--name', name, '--json']));

  const exportPublic = async (k: KeyInfo, file: string) => {
    const out = join(work, file);
    json(await consign(['keys', 'export-public', k.id, '--out', out, '--json']));
    return out;
  };

  const pushBase = async (name: string) => {
    const repository = uniqueRepository(name);
    const ref = `docker://${env.registryPlain}/${repository}:1`;
    const copied = json<{ digest: Digest }>(
      await consign(['copy', `docker-daemon:${env.baseImage}`, ref, '--json']),
    );
    return {
      repository,
      ref,
      digest: copied.digest,
      cosignRef: `${env.registryPlain}/${repository}@${copied.digest}`,
    };
  };

  /** Reads straight from the registry's HTTP API, independent of our client. */
  const httpGet = async (path: string, accept?: string) => {
    const res = await fetch(`http://${env.registryPlain}/v2/${path}`, {
      headers: accept ? { accept } : {},
    });
    expect(res.status, path).toBe(200);
    return Buffer.from(await res.arrayBuffer());
  };

  /** The referrers in the fallback index, as any client sees them. */
  const fallbackIndex = async (repository: string, digest: Digest) =>
    JSON.parse(
      (
        await httpGet(`${repository}/manifests/${referrersTag(digest)}`, MediaType.ociIndex)
      ).toString(),
    ) as {
      manifests: { digest: Digest; artifactType?: string; annotations?: Record<string, string> }[];
    };

  const referrerManifest = async (repository: string, digest: Digest) =>
    JSON.parse(
      (await httpGet(`${repository}/manifests/${digest}`, MediaType.ociManifest)).toString(),
    ) as ReferrerManifest;

  const bundleOf = async (repository: string, manifest: ReferrerManifest) =>
    JSON.parse(
      (await httpGet(`${repository}/blobs/${manifest.layers[0]!.digest}`)).toString(),
    ) as BundleJson;

  /** Pushes a referrer manifest around a bundle blob and lists it in the fallback index. */
  const pushReferrer = async (
    repository: string,
    subject: { mediaType: string; digest: Digest; size: number },
    bundleBytes: Buffer,
    replaceIndex = false,
  ) => {
    const config = jsonBlob({});
    const layer = { digest: digestOf(bundleBytes), size: bundleBytes.length, bytes: bundleBytes };
    await plain.uploadBlob(repository, config, bufferSource(config));
    await plain.uploadBlob(repository, layer, bufferSource(layer));
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.ociManifest,
        artifactType: BUNDLE,
        config: { mediaType: MediaType.ociEmpty, digest: config.digest, size: config.size },
        layers: [{ mediaType: BUNDLE, digest: layer.digest, size: layer.size }],
        subject,
      }),
    );
    const digest = await plain.putManifest(repository, digestOf(manifest), {
      bytes: manifest,
      mediaType: MediaType.ociManifest,
    });
    const descriptor = {
      mediaType: MediaType.ociManifest,
      digest,
      size: manifest.length,
      artifactType: BUNDLE,
    };
    if (replaceIndex) {
      await plain.putManifest(repository, referrersTag(subject.digest), {
        bytes: Buffer.from(
          JSON.stringify({
            schemaVersion: 2,
            mediaType: MediaType.ociIndex,
            manifests: [descriptor],
          }),
        ),
        mediaType: MediaType.ociIndex,
      });
    } else {
      await plain.addReferrers(repository, subject.digest, [descriptor]);
    }
    return digest;
  };

  const imageDescriptor = async (repository: string, digest: Digest) => {
    const head = await plain.headManifest(repository, digest);
    return { mediaType: head!.mediaType, digest, size: head!.size };
  };

  let image: Awaited<ReturnType<typeof pushBase>>;
  let signed: SignJson;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'consign-bundle-'));
    work = mkdtempSync(join(tmpdir(), 'consign-bundle-files-'));
    trustedRoot = writeMinimalTrustedRoot(work);
    key = await generateKey('release bundles');
    other = await generateKey('someone else');
    keyPub = await exportPublic(key, 'consign.pub');
    image = await pushBase('bundle');
    engine = createEngine({ host: 'test', home, keychainService: env.keychainService });
  });

  afterAll(() => {
    console.log(`cosign 2.5 with Consign's signatures: ${supports.join('; ')}`);
    engine?.close();
    const listed = spawnSync(
      process.execPath,
      ['out/cli/consign.js', 'keys', 'list', '--json', '--home', home],
      {
        encoding: 'utf8',
        env: { ...process.env, CONSIGN_KEYCHAIN_SERVICE: env.keychainService },
      },
    );
    if (listed.status === 0) {
      for (const k of JSON.parse(listed.stdout) as KeyInfo[]) {
        spawnSync('secret-tool', [
          'clear',
          'service',
          env.keychainService,
          'username',
          `key:${k.id}`,
        ]);
      }
    }
    plain.close();
    rmSync(home, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });

  it('pushes a v0.3 DSSE bundle as an OCI referrer that oras lists and cosign verifies', async () => {
    signed = json<SignJson>(await consign(['sign', image.ref, '--key', key.id, '--json']));
    expect(signed.signatures.map((s) => [s.format, s.created])).toEqual([
      ['legacy', true],
      ['bundle', true],
    ]);
    const bundleDigest = signed.signatures[1]!.ref.split('@')[1] as Digest;

    // The fallback index (distribution 2.8 has no referrers API) lists it with its artifactType.
    const index = await fallbackIndex(image.repository, image.digest);
    expect(index.manifests).toEqual([
      expect.objectContaining({
        digest: bundleDigest,
        artifactType: BUNDLE,
        annotations: expect.objectContaining({
          'dev.sigstore.bundle.content': 'dsse-envelope',
          'dev.sigstore.bundle.predicateType': SIGN_PREDICATE,
        }) as unknown,
      }),
    ]);
    const manifest = await referrerManifest(image.repository, bundleDigest);
    expect(manifest.artifactType).toBe(BUNDLE);
    expect(manifest.config).toEqual({
      mediaType: MediaType.ociEmpty,
      digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
      size: 2,
    });
    expect(manifest.layers).toHaveLength(1);
    expect(manifest.layers[0]!.mediaType).toBe(BUNDLE);
    expect(manifest.subject).toEqual(await imageDescriptor(image.repository, image.digest));

    const bundle = await bundleOf(image.repository, manifest);
    expect(bundle.mediaType).toBe(BUNDLE);
    const hint = createHash('sha256')
      .update(createPublicKey(key.publicKey).export({ type: 'spki', format: 'der' }))
      .digest('base64');
    expect(bundle.verificationMaterial.publicKey?.hint).toBe(hint);
    expect(bundle.dsseEnvelope.payloadType).toBe('application/vnd.in-toto+json');
    expect(JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, 'base64').toString())).toEqual({
      _type: 'https://in-toto.io/Statement/v1',
      subject: [
        {
          name: `${env.registryPlain}/${image.repository}`,
          digest: { sha256: image.digest.slice('sha256:'.length) },
        },
      ],
      predicateType: SIGN_PREDICATE,
      predicate: {},
    });

    const discovered = JSON.parse(
      oras(['discover', '--plain-http', '--format', 'json', image.cosignRef]),
    ) as { manifests: { digest: string; artifactType?: string }[] };
    expect(discovered.manifests).toEqual([
      expect.objectContaining({ digest: bundleDigest, artifactType: BUNDLE }),
    ]);

    const verified = await cosign([
      'verify-attestation',
      '--new-bundle-format',
      '--trusted-root',
      trustedRoot,
      '--key',
      keyPub,
      '--insecure-ignore-tlog=true',
      '--type',
      SIGN_PREDICATE,
      ...COSIGN_REGISTRY_FLAGS,
      image.cosignRef,
    ]);
    expect(verified.code, verified.stderr).toBe(0);
    supports.push('verify-attestation --new-bundle-format accepts our bundle');

    // The legacy signature of the same image still satisfies plain `cosign verify`.
    const legacy = await cosign([
      'verify',
      '--key',
      keyPub,
      '--insecure-ignore-tlog=true',
      ...COSIGN_REGISTRY_FLAGS,
      image.cosignRef,
    ]);
    expect(legacy.code, legacy.stderr).toBe(0);
    supports.push('verify (legacy .sig) accepts an image signed in both formats');

    const wrong = await cosign([
      'verify-attestation',
      '--new-bundle-format',
      '--trusted-root',
      trustedRoot,
      '--key',
      await exportPublic(other, 'other.pub'),
      '--insecure-ignore-tlog=true',
      '--type',
      SIGN_PREDICATE,
      ...COSIGN_REGISTRY_FLAGS,
      image.cosignRef,
    ]);
    expect(wrong.code).not.toBe(0);
  });

  it('is accepted by sigstore-js on its own, trusting the public key by its hint', async () => {
    const index = await fallbackIndex(image.repository, image.digest);
    const manifest = await referrerManifest(image.repository, index.manifests[0]!.digest);
    const raw = await bundleOf(image.repository, manifest);
    const publicKey = createPublicKey(key.publicKey);
    const hint = createHash('sha256')
      .update(publicKey.export({ type: 'spki', format: 'der' }))
      .digest('base64');
    const trust: TrustMaterial = {
      certificateAuthorities: [],
      timestampAuthorities: [],
      tlogs: [],
      ctlogs: [],
      publicKey: (wanted) => {
        if (wanted !== hint) throw new Error(`unknown key hint ${wanted}`);
        return { publicKey, validFor: () => true };
      },
    };
    const verifier = new Verifier(trust, {
      tlogThreshold: 0,
      ctlogThreshold: 0,
      timestampThreshold: 0,
    });
    const signer = verifier.verify(toSignedEntity(bundleFromJSON(raw)));
    expect(signer.key.export({ type: 'spki', format: 'der' })).toEqual(
      publicKey.export({ type: 'spki', format: 'der' }),
    );
    // The same check fails when one byte of the payload changes.
    const payload = Buffer.from(raw.dsseEnvelope.payload, 'base64');
    payload[payload.length - 2] = '['.charCodeAt(0);
    const altered = {
      ...raw,
      dsseEnvelope: { ...raw.dsseEnvelope, payload: payload.toString('base64') },
    };
    expect(() => verifier.verify(toSignedEntity(bundleFromJSON(altered)))).toThrow();
  });

  it('verifies a bundle-only image and adds nothing when the same key signs again', async () => {
    const target = await pushBase('bundle-only');
    const first = json<SignJson>(
      await consign(['sign', target.ref, '--key', key.id, '--format', 'bundle', '--json']),
    );
    expect(first.signatures).toEqual([
      expect.objectContaining({ format: 'bundle', created: true }),
    ]);
    const again = json<SignJson>(
      await consign(['sign', target.ref, '--key', key.id, '--format', 'bundle', '--json']),
    );
    expect(again.signatures).toEqual([
      { format: 'bundle', ref: first.signatures[0]!.ref, created: false },
    ]);
    expect((await fallbackIndex(target.repository, target.digest)).manifests).toHaveLength(1);

    const ok = json<VerifyJson>(
      await consign(['verify', target.ref, '--public-key', keyPub, '--json']),
    );
    expect(ok.verified).toBe(true);
    expect(ok.signatures).toEqual([
      expect.objectContaining({
        format: 'bundle',
        valid: true,
        keyFingerprint: key.fingerprint,
        signedDigest: target.digest,
        predicateType: SIGN_PREDICATE,
      }),
    ]);

    // Recorded, not asserted: cosign 2.5's `verify` looks for the legacy .sig tag only.
    const plainVerify = await cosign([
      'verify',
      '--new-bundle-format',
      '--trusted-root',
      trustedRoot,
      '--key',
      keyPub,
      '--insecure-ignore-tlog=true',
      ...COSIGN_REGISTRY_FLAGS,
      target.cosignRef,
    ]);
    supports.push(
      `verify --new-bundle-format on a bundle-only image exits ${plainVerify.code}` +
        (plainVerify.code === 0 ? '' : ' (it finds no bundle signatures)'),
    );

    const wrong = json<VerifyJson>(
      await consign(['verify', target.ref, '--key', other.id, '--json']),
      1,
    );
    expect(wrong.verified).toBe(false);
    expect(wrong.signatures[0]).toMatchObject({ format: 'bundle', valid: false });
    expect(wrong.signatures[0]!.reason).toMatch(/made by another key or the payload was altered/);
    expect(wrong.reason).toMatch(/None of the 1 signature/);
  });

  it('signs several images at once and reports each', async () => {
    const a = await pushBase('many-a');
    const b = await pushBase('many-b');
    const missing = `docker://${env.registryPlain}/${uniqueRepository('many-missing')}:1`;
    // The same image by tag and by digest: signed once, the second finds the first's signatures.
    const aByDigest = `docker://${a.cosignRef}`;
    const res = await consign([
      'sign',
      a.ref,
      b.ref,
      missing,
      aByDigest,
      '--key',
      key.id,
      '--json',
    ]);
    const out = json<{
      images: {
        ref: string;
        digest?: string;
        signatures?: { format: string; created: boolean }[];
        error?: { code: string; message: string };
      }[];
    }>(res, 2);
    expect(out.images.map((i) => i.ref)).toEqual([a.ref, b.ref, missing, aByDigest]);
    expect(out.images[1]).toMatchObject({
      digest: b.digest,
      signatures: [
        { format: 'legacy', created: true },
        { format: 'bundle', created: true },
      ],
    });
    expect(out.images[2]).toMatchObject({ error: { code: 'NOT_FOUND' } });
    expect(out.images[2]!.error!.message).toMatch(/was not found/);
    const created = [out.images[0]!, out.images[3]!].map((i) =>
      i.signatures!.map((s) => s.created),
    );
    expect(created.sort()).toEqual([
      [false, false],
      [true, true],
    ]);
    const sig = await plain.getManifest(a.repository, `${referrersTag(a.digest)}.sig`);
    expect(sig.kind === 'manifest' && sig.manifest.layers).toHaveLength(1);
    expect((await fallbackIndex(a.repository, a.digest)).manifests).toHaveLength(1);
  });

  it('attests with any predicate, verified by cosign and by consign verify-attestation', async () => {
    const predicate = {
      scanner: { uri: 'pkg:generic/consign' },
      result: { summary: { critical: 0 } },
    };
    writeFileSync(join(work, 'vuln.json'), JSON.stringify(predicate));
    const attested = json<{ digest: string; ref: string; created: boolean }>(
      await consign([
        'attest',
        image.ref,
        '--key',
        key.id,
        '--type',
        VULN_PREDICATE,
        '--predicate',
        join(work, 'vuln.json'),
        '--json',
      ]),
    );
    expect(attested).toMatchObject({ digest: image.digest, created: true });
    const again = json<{ created: boolean; ref: string }>(
      await consign([
        'attest',
        image.ref,
        '--key',
        key.id,
        '--type',
        VULN_PREDICATE,
        '--predicate',
        join(work, 'vuln.json'),
        '--json',
      ]),
    );
    expect(again).toEqual({ digest: image.digest, ref: attested.ref, created: false });

    const byCosign = await cosign([
      'verify-attestation',
      '--new-bundle-format',
      '--trusted-root',
      trustedRoot,
      '--key',
      keyPub,
      '--insecure-ignore-tlog=true',
      '--type',
      VULN_PREDICATE,
      ...COSIGN_REGISTRY_FLAGS,
      image.cosignRef,
    ]);
    expect(byCosign.code, byCosign.stderr).toBe(0);
    supports.push('verify-attestation --type vuln accepts our attestation');

    const mine = json<AttestationsJson>(
      await consign([
        'verify-attestation',
        image.ref,
        '--key',
        key.id,
        '--type',
        VULN_PREDICATE,
        '--json',
      ]),
    );
    expect(mine.verified).toBe(true);
    expect(mine.attestations).toEqual([
      expect.objectContaining({ ref: attested.ref, predicateType: VULN_PREDICATE }),
    ]);
    expect(mine.attestations[0]!.statement.predicate).toEqual(predicate);
    // Without --type every bundle counts: the signing bundle and the attestation.
    const all = json<AttestationsJson>(
      await consign(['verify-attestation', image.ref, '--key', key.id, '--json']),
    );
    expect(all.attestations.map((a) => a.predicateType).sort()).toEqual(
      [SIGN_PREDICATE, VULN_PREDICATE].sort(),
    );
    const none = json<AttestationsJson>(
      await consign([
        'verify-attestation',
        image.ref,
        '--key',
        key.id,
        '--type',
        'https://cyclonedx.org/bom',
        '--json',
      ]),
      1,
    );
    expect(none.reason).toMatch(/has no attestations of type https:\/\/cyclonedx.org\/bom/);

    // Bad input is refused before anything is signed.
    writeFileSync(join(work, 'broken.json'), '{"unterminated": ');
    const broken = await consign([
      'attest',
      image.ref,
      '--key',
      key.id,
      '--type',
      VULN_PREDICATE,
      '--predicate',
      join(work, 'broken.json'),
    ]);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(/is not JSON/);
    const badType = await consign([
      'attest',
      image.ref,
      '--key',
      key.id,
      '--type',
      'not a uri',
      '--predicate',
      join(work, 'vuln.json'),
    ]);
    expect(badType.code).toBe(2);
    expect(badType.stderr).toMatch(/is not a URI/);
  });

  it('verifies bundles cosign made with its own key', async () => {
    const target = await pushBase('cosign-bundle');
    const made = await cosign(['generate-key-pair', '--output-key-prefix', 'made']);
    expect(made.code, made.stderr).toBe(0);
    writeFileSync(join(work, 'empty.json'), '{}');
    const attested = await cosign([
      'attest',
      '--new-bundle-format',
      '--key',
      join(work, 'made.key'),
      '--tlog-upload=false',
      '--yes',
      '--type',
      SIGN_PREDICATE,
      '--predicate',
      'empty.json',
      ...COSIGN_REGISTRY_FLAGS,
      target.cosignRef,
    ]);
    expect(attested.code, attested.stderr).toBe(0);
    const madePub = join(work, 'made.pub');
    const ok = json<AttestationsJson>(
      await consign(['verify-attestation', target.ref, '--public-key', madePub, '--json']),
    );
    expect(ok.verified).toBe(true);
    expect(ok.attestations[0]!.predicateType).toBe(SIGN_PREDICATE);
    // cosign 2.5 writes in-toto Statement v0.1 with the signing predicate: consign verify takes it
    // as a bundle signature.
    const asSignature = await consign(['verify', target.ref, '--public-key', madePub, '--json']);
    supports.push(
      `consign verify accepts a cosign-made sign-predicate bundle: exit ${asSignature.code}`,
    );
    expect(json<VerifyJson>(asSignature).signatures).toEqual([
      expect.objectContaining({ format: 'bundle', valid: true }),
    ]);
    // Not by a workspace key: listed, but said so.
    const found = await imageSignatures(engine, target.ref);
    expect(found.signatures).toEqual([
      expect.objectContaining({
        format: 'bundle',
        valid: false,
        reason: 'made by a key this workspace does not know',
        predicateType: SIGN_PREDICATE,
      }),
    ]);
    json(await consign(['verify-attestation', target.ref, '--key', key.id, '--json']), 1);
  });

  it('rejects a statement about another digest', async () => {
    // An index over the base image has a digest of its own; give it the base image's bundle.
    const index = await pushIndexOver(plain, image.repository, image.digest);
    const source = await referrerManifest(
      image.repository,
      signed.signatures[1]!.ref.split('@')[1] as Digest,
    );
    const bundleBytes = await httpGet(`${image.repository}/blobs/${source.layers[0]!.digest}`);
    await pushReferrer(image.repository, { mediaType: MediaType.ociIndex, ...index }, bundleBytes);
    const result = json<VerifyJson>(
      await consign([
        'verify',
        `docker://${env.registryPlain}/${image.repository}:index`,
        '--key',
        key.id,
        '--json',
      ]),
      1,
    );
    expect(result.digest).toBe(index.digest);
    expect(result.signatures).toEqual([
      expect.objectContaining({ format: 'bundle', valid: false, keyFingerprint: key.fingerprint }),
    ]);
    expect(result.signatures[0]!.reason).toBe(
      `the statement covers ${image.digest}, not ${index.digest}`,
    );
  });

  it('rejects a tampered bundle payload and explains a malformed bundle layer', async () => {
    const target = await pushBase('tampered-bundle');
    const made = json<SignJson>(
      await consign(['sign', target.ref, '--key', key.id, '--format', 'bundle', '--json']),
    );
    const manifest = await referrerManifest(
      target.repository,
      made.signatures[0]!.ref.split('@')[1] as Digest,
    );
    const bundle = await bundleOf(target.repository, manifest);
    const statement = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, 'base64').toString()) as {
      predicate: Record<string, unknown>;
    };
    statement.predicate = { approved: 'by nobody' };
    bundle.dsseEnvelope.payload = Buffer.from(JSON.stringify(statement)).toString('base64');
    const subject = await imageDescriptor(target.repository, target.digest);
    // Only the tampered bundle remains listed.
    await pushReferrer(target.repository, subject, Buffer.from(JSON.stringify(bundle)), true);
    const tampered = json<VerifyJson>(
      await consign(['verify', target.ref, '--key', key.id, '--json']),
      1,
    );
    expect(tampered.signatures).toEqual([
      expect.objectContaining({ format: 'bundle', valid: false }),
    ]);
    expect(tampered.signatures[0]!.reason).toMatch(/payload was altered/);

    await pushReferrer(target.repository, subject, Buffer.from('this is not a bundle'));
    const malformed = json<VerifyJson>(
      await consign(['verify', target.ref, '--key', key.id, '--json']),
      1,
    );
    expect(malformed.signatures.map((s) => s.reason)).toContain('the bundle is not JSON');
    await pushReferrer(target.repository, subject, Buffer.from('{"mediaType":"' + BUNDLE + '"}'));
    const invalid = json<VerifyJson>(
      await consign(['verify', target.ref, '--key', key.id, '--json']),
      1,
    );
    expect(invalid.signatures.map((s) => s.reason ?? '')).toContainEqual(
      expect.stringMatching(/^the bundle is not a valid Sigstore bundle \(bad /),
    );
    const listed = await imageSignatures(engine, target.ref);
    expect(listed.signatures.map((s) => s.reason)).toContain('the bundle is not JSON');
  });

  it('says so when an image has no signatures or attestations', async () => {
    const target = await pushBase('unsigned-bundle');
    const result = json<VerifyJson>(
      await consign(['verify', target.ref, '--key', key.id, '--json']),
      1,
    );
    expect(result).toMatchObject({ verified: false, signatures: [] });
    expect(result.reason).toMatch(/has no signatures/);
    const attestations = json<AttestationsJson>(
      await consign(['verify-attestation', target.ref, '--key', key.id, '--json']),
      1,
    );
    expect(attestations.reason).toMatch(/has no attestations/);
    expect((await imageSignatures(engine, target.ref)).signatures).toEqual([]);
  });

  it('lists every signature on an image with the workspace key that made it', async () => {
    const found = await imageSignatures(engine, image.ref);
    expect(found.digest).toBe(image.digest);
    const summary = found.signatures.map((s) => [
      s.format,
      s.predicateType ?? '',
      s.keyName,
      s.valid,
    ]);
    expect(summary).toEqual([
      ['legacy', '', 'release bundles', true],
      ['bundle', SIGN_PREDICATE, 'release bundles', true],
      ['bundle', VULN_PREDICATE, 'release bundles', true],
    ]);
    expect(found.signatures.every((s) => s.keyState === 'active' && s.keyId === key.id)).toBe(true);
  });

  it('never signs with a revoked key, and says its signatures are revoked', async () => {
    const revoked = await generateKey('retired');
    const target = await pushBase('revoked-bundle');
    json(await consign(['sign', target.ref, '--key', revoked.id, '--json']));
    json(await consign(['keys', 'revoke', revoked.id, '--reason', 'rotated', '--json']));
    const refused = await consign([
      'sign',
      target.ref,
      '--key',
      revoked.id,
      '--format',
      'bundle',
      '--json',
    ]);
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stdout)).toMatchObject({ error: { code: 'CHECK_FAILED' } });
    const attest = await consign([
      'attest',
      target.ref,
      '--key',
      revoked.id,
      '--type',
      VULN_PREDICATE,
      '--predicate',
      join(work, 'vuln.json'),
      '--json',
    ]);
    expect(attest.code).toBe(1);
    const result = json<VerifyJson>(
      await consign(['verify', target.ref, '--key', revoked.id, '--json']),
      1,
    );
    expect(result.key.revoked).toBe(true);
    expect(result.reason).toMatch(/revoked/);
    const found = await imageSignatures(engine, target.ref);
    expect(found.signatures).toHaveLength(2);
    for (const signature of found.signatures) {
      expect(signature).toMatchObject({ keyId: revoked.id, keyState: 'revoked', valid: false });
      expect(signature.reason).toMatch(/revoked key "retired"/);
    }
  });

  it('records signatures, attestations and verifications in the audit log', () => {
    const db = engine.requireStore().db;
    const rows = (action: string) =>
      (
        db
          .prepare('SELECT details FROM audit_events WHERE action = ? ORDER BY seq')
          .all(action) as {
          details: string;
        }[]
      ).map((r) => JSON.parse(r.details) as Record<string, unknown>);
    expect(rows('image.signed')).toContainEqual(
      expect.objectContaining({ ref: image.ref, format: 'bundle', fingerprint: key.fingerprint }),
    );
    expect(rows('image.attested')).toEqual([
      expect.objectContaining({ ref: image.ref, predicateType: VULN_PREDICATE, keyId: key.id }),
    ]);
    expect(rows('image.verified').length).toBeGreaterThan(3);
    expect(rows('image.attestations-verified')).toContainEqual(
      expect.objectContaining({ ref: image.ref, verified: true, attestations: 1 }),
    );
    // No key material anywhere in the log.
    const all = db.prepare('SELECT details FROM audit_events').all() as { details: string }[];
    expect(all.some((r) => r.details.includes('PRIVATE KEY'))).toBe(false);
    expect(readFileSync(join(home, 'consign.db')).includes('PRIVATE KEY')).toBe(false);
  });
});
