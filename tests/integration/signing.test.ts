// Legacy cosign signatures made by `consign sign` and checked by `consign verify`, proven against
// real registries and cosign 2.5 itself (run offline, with its own empty HOME). Sigstore bundles
// have their own file (signing-bundle.test.ts); here they appear where both formats meet.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeyInfo } from '../../shared/contract';
import { openDatabase } from '../../electron/core/db';
import { MediaType, type Digest } from '../../electron/core/oci';
import { RegistryClient } from '../../electron/core/registry';
import { cosignTag } from '../../electron/core/transfer';
import { jsonOf, workspaceCli, type CliResult } from '../support/consign-cli';
import {
  bufferSource,
  jsonBlob,
  pushIndexOver,
  readAll,
  uniqueRepository,
} from '../support/registry-fixtures';
import { COSIGN_REGISTRY_FLAGS, runCosign } from '../support/cosign';
import { testEnv } from '../support/test-env';

interface SignJson {
  digest: string;
  signatures: { format: string; ref: string; created: boolean }[];
}

interface VerifyJson {
  verified: boolean;
  digest: string;
  key: { fingerprint: string; id?: string; revoked?: boolean };
  signatures: { format: string; keyFingerprint?: string; valid: boolean; reason?: string }[];
  reason?: string;
}

interface SigManifest {
  schemaVersion: number;
  mediaType: string;
  config: { mediaType: string; digest: Digest; size: number };
  layers: {
    mediaType: string;
    digest: Digest;
    size: number;
    annotations?: Record<string, string>;
  }[];
}

const COSIGN_PASSWORD = 'cosign-signing-test-5e1d';
const env = testEnv();
const registryFlags = COSIGN_REGISTRY_FLAGS;

describe.skipIf(!env.cosign)('consign sign and verify (legacy cosign format)', () => {
  const plain = new RegistryClient({ host: env.registryPlain });
  let home: string;
  let work: string;

  const consign = workspaceCli(() => home);

  const json = jsonOf;

  const cosign = (args: string[]): Promise<CliResult> =>
    runCosign(env.cosign!, args, { cwd: work, password: COSIGN_PASSWORD });

  const generateKey = async (name: string) =>
    json<KeyInfo>(await consign(['keys', 'generate', '--name', name, '--json']));

  const exportPublic = async (key: KeyInfo, file: string) => {
    const out = join(work, file);
    json(await consign(['keys', 'export-public', key.id, '--out', out, '--json']));
    return out;
  };

  /** Copies the test base image from the Docker engine into a fresh repository. */
  const pushBase = async (name: string) => {
    const repository = uniqueRepository(name);
    const ref = `docker://${env.registryPlain}/${repository}:1`;
    const copied = json<{ digest: Digest }>(
      await consign(['copy', `docker-daemon:${env.baseImage}`, ref, '--json']),
    );
    return { repository, ref, digest: copied.digest };
  };

  const sigManifest = async (repository: string, digest: Digest) => {
    const manifest = await plain.getManifest(repository, cosignTag(digest, 'sig'));
    return JSON.parse(manifest.bytes.toString('utf8')) as SigManifest;
  };

  const putManifest = (repository: string, tag: string, manifest: SigManifest) =>
    plain.putManifest(repository, tag, {
      bytes: Buffer.from(JSON.stringify(manifest)),
      mediaType: MediaType.ociManifest,
    });

  let key: KeyInfo;
  let other: KeyInfo;
  let image: { repository: string; ref: string; digest: Digest };

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'consign-signing-'));
    work = mkdtempSync(join(tmpdir(), 'consign-signing-files-'));
    key = await generateKey('release signing');
    other = await generateKey('someone else');
    image = await pushBase('signing');
  });

  afterAll(async () => {
    // Leave nothing in the shared test keyring.
    const listed = await consign(['keys', 'list', '--json']);
    if (listed.code === 0) {
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

  it('signs a tag by its digest in both formats by default, the legacy one in the layout cosign writes, and cosign verifies it', async () => {
    const signed = json<SignJson>(await consign(['sign', image.ref, '--key', key.id, '--json']));
    expect(signed.digest).toBe(image.digest);
    expect(signed.signatures).toEqual([
      {
        format: 'legacy',
        ref: `docker://${env.registryPlain}/${image.repository}:${cosignTag(image.digest, 'sig')}`,
        created: true,
      },
      {
        format: 'bundle',
        ref: expect.stringMatching(
          new RegExp(`^docker://${env.registryPlain}/${image.repository}@sha256:[0-9a-f]{64}$`),
        ) as string,
        created: true,
      },
    ]);

    const manifest = await sigManifest(image.repository, image.digest);
    expect(manifest.mediaType).toBe(MediaType.ociManifest);
    expect(manifest.config.mediaType).toBe(MediaType.ociConfig);
    expect(manifest.layers).toHaveLength(1);
    const [layer] = manifest.layers;
    expect(layer!.mediaType).toBe('application/vnd.dev.cosign.simplesigning.v1+json');
    expect(layer!.annotations?.['dev.cosignproject.cosign/signature']).toMatch(
      /^[A-Za-z0-9+/]+=*$/,
    );
    const payload = await readAll(await plain.getBlob(image.repository, layer!));
    expect(JSON.parse(payload.toString('utf8'))).toEqual({
      critical: {
        identity: { 'docker-reference': `${env.registryPlain}/${image.repository}` },
        image: { 'docker-manifest-digest': image.digest },
        type: 'cosign container image signature',
      },
      optional: null,
    });

    const pub = await exportPublic(key, 'consign.pub');
    const verified = await cosign([
      'verify',
      '--key',
      pub,
      '--insecure-ignore-tlog=true',
      ...registryFlags,
      `${env.registryPlain}/${image.repository}@${image.digest}`,
    ]);
    expect(verified.code, verified.stderr).toBe(0);
    const payloads = JSON.parse(verified.stdout) as SigManifest[];
    expect(payloads).toHaveLength(1);
  });

  it('verifies with the key id and refuses another key', async () => {
    const ok = json<VerifyJson>(await consign(['verify', image.ref, '--key', key.id, '--json']));
    expect(ok.verified).toBe(true);
    expect(ok.digest).toBe(image.digest);
    expect(ok.signatures).toEqual([
      expect.objectContaining({ format: 'legacy', valid: true, keyFingerprint: key.fingerprint }),
      expect.objectContaining({ format: 'bundle', valid: true, keyFingerprint: key.fingerprint }),
    ]);

    const otherPub = await exportPublic(other, 'other.pub');
    const no = json<VerifyJson>(
      await consign(['verify', image.ref, '--public-key', otherPub, '--json']),
      1,
    );
    expect(no.verified).toBe(false);
    expect(no.key.fingerprint).toBe(other.fingerprint);
    expect(no.signatures).toHaveLength(2);
    for (const signature of no.signatures) {
      expect(signature).toMatchObject({ valid: false });
      expect(signature.reason).toMatch(/does not verify with this key/);
    }
    expect(no.reason).toBeTruthy();
  });

  it('does not add a second layer when the same key signs again', async () => {
    const again = json<SignJson>(await consign(['sign', image.ref, '--key', key.id, '--json']));
    expect(again.signatures.map((s) => s.created)).toEqual([false, false]);
    expect((await sigManifest(image.repository, image.digest)).layers).toHaveLength(1);
    // Another key appends its own layer and keeps ours.
    json(await consign(['sign', image.ref, '--key', other.id, '--format', 'legacy', '--json']));
    expect((await sigManifest(image.repository, image.digest)).layers).toHaveLength(2);
    const both = json<VerifyJson>(await consign(['verify', image.ref, '--key', key.id, '--json']));
    expect(both.verified).toBe(true);
    expect(both.signatures.map((s) => [s.format, s.valid])).toEqual([
      ['legacy', true],
      ['legacy', false],
      ['bundle', true],
    ]);
    // cosign reads the two-layer manifest too.
    const verified = await cosign([
      'verify',
      '--key',
      await exportPublic(other, 'other-again.pub'),
      '--insecure-ignore-tlog=true',
      ...registryFlags,
      `${env.registryPlain}/${image.repository}@${image.digest}`,
    ]);
    expect(verified.code, verified.stderr).toBe(0);
  });

  it('verifies a signature made by cosign with its public key', async () => {
    const target = await pushBase('cosign-made');
    const made = await cosign(['generate-key-pair', '--output-key-prefix', 'made']);
    expect(made.code, made.stderr).toBe(0);
    const signed = await cosign([
      'sign',
      '--key',
      join(work, 'made.key'),
      '--tlog-upload=false',
      '--yes',
      ...registryFlags,
      `${env.registryPlain}/${target.repository}@${target.digest}`,
    ]);
    expect(signed.code, signed.stderr).toBe(0);
    const ok = json<VerifyJson>(
      await consign(['verify', target.ref, '--public-key', join(work, 'made.pub'), '--json']),
    );
    expect(ok.verified).toBe(true);
    expect(ok.signatures[0]).toMatchObject({ valid: true });
    // Our key did not sign it.
    json(await consign(['verify', target.ref, '--key', key.id, '--json']), 1);
  });

  it('lets cosign sign with a key exported by consign, and consign verifies it', async () => {
    const target = await pushBase('exported-key');
    const file = join(work, 'exported.key');
    json(
      await consign(
        ['keys', 'export', other.id, '--out', file, '--passphrase-stdin', '--json'],
        COSIGN_PASSWORD,
      ),
    );
    const signed = await cosign([
      'sign',
      '--key',
      file,
      '--tlog-upload=false',
      '--yes',
      ...registryFlags,
      `${env.registryPlain}/${target.repository}@${target.digest}`,
    ]);
    expect(signed.code, signed.stderr).toBe(0);
    const ok = json<VerifyJson>(await consign(['verify', target.ref, '--key', other.id, '--json']));
    expect(ok.verified).toBe(true);
    json(await consign(['verify', target.ref, '--key', key.id, '--json']), 1);
  });

  it('rejects a tampered payload', async () => {
    const target = await pushBase('tampered');
    json(await consign(['sign', target.ref, '--key', key.id, '--format', 'legacy', '--json']));
    const tag = cosignTag(target.digest, 'sig');
    const original = await sigManifest(target.repository, target.digest);
    const layer = original.layers[0]!;
    const payload = JSON.parse(
      (await readAll(await plain.getBlob(target.repository, layer))).toString('utf8'),
    ) as { critical: { identity: Record<string, string> } };
    payload.critical.identity['docker-reference'] = `${env.registryPlain}/somewhere/else`;
    const forged = jsonBlob(payload);
    await plain.uploadBlob(target.repository, forged, bufferSource(forged));
    await putManifest(target.repository, tag, {
      ...original,
      layers: [{ ...layer, digest: forged.digest, size: forged.size }],
    });
    const tampered = json<VerifyJson>(
      await consign(['verify', target.ref, '--key', key.id, '--json']),
      1,
    );
    expect(tampered.verified).toBe(false);
    expect(tampered.signatures[0]).toMatchObject({ valid: false });
    expect(tampered.signatures[0]!.reason).toMatch(/payload was altered/);
  });

  it('reports a signature that covers another digest', async () => {
    const target = await pushBase('another-digest');
    json(await consign(['sign', target.ref, '--key', key.id, '--format', 'legacy', '--json']));
    // An image index over the base image has a digest of its own; put the base image's
    // signature at that digest's .sig tag.
    const { digest: indexDigest } = await pushIndexOver(plain, target.repository, target.digest);
    await putManifest(
      target.repository,
      cosignTag(indexDigest, 'sig'),
      await sigManifest(target.repository, target.digest),
    );
    const result = json<VerifyJson>(
      await consign([
        'verify',
        `docker://${env.registryPlain}/${target.repository}:index`,
        '--key',
        key.id,
        '--json',
      ]),
      1,
    );
    expect(result.digest).toBe(indexDigest);
    expect(result.verified).toBe(false);
    expect(result.signatures[0]).toMatchObject({ valid: false, keyFingerprint: key.fingerprint });
    expect(result.signatures[0]!.reason).toContain(`covers ${target.digest}, not ${indexDigest}`);
  });

  it('says so when an image has no signatures', async () => {
    const target = await pushBase('unsigned');
    const result = json<VerifyJson>(
      await consign(['verify', target.ref, '--key', key.id, '--json']),
      1,
    );
    expect(result).toMatchObject({ verified: false, signatures: [] });
    expect(result.reason).toMatch(/has no signatures .*no sha256-[0-9a-f]{64}\.sig tag/);
  });

  it('refuses an unknown format, and verify needs exactly one key', async () => {
    const res = await consign(['sign', image.ref, '--key', key.id, '--format', 'pgp']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/--format pgp is not a signature format/);
    expect(res.stderr).toMatch(/legacy, bundle or both/);
    expect((await consign(['verify', image.ref])).code).toBe(2);
  });

  it('records each signature in the audit log', () => {
    const db = openDatabase(join(home, 'consign.db'));
    try {
      const rows = db
        .prepare("SELECT details FROM audit_events WHERE action = 'image.signed' ORDER BY seq")
        .all() as { details: string }[];
      const details = rows.map((r) => JSON.parse(r.details) as Record<string, unknown>);
      expect(details).toContainEqual(
        expect.objectContaining({
          ref: image.ref,
          digest: image.digest,
          keyId: key.id,
          fingerprint: key.fingerprint,
          format: 'legacy',
        }),
      );
      // The repeated signature by the same key wrote nothing and recorded nothing.
      expect(
        details.filter((d) => d.ref === image.ref && d.keyId === key.id).map((d) => d.format),
      ).toEqual(['legacy', 'bundle']);
      const verified = db
        .prepare("SELECT details FROM audit_events WHERE action = 'image.verified' ORDER BY seq")
        .all() as { details: string }[];
      expect(verified.map((r) => JSON.parse(r.details) as unknown)).toContainEqual({
        ref: image.ref,
        digest: image.digest,
        fingerprint: key.fingerprint,
        verified: true,
        signatures: 2,
      });
    } finally {
      db.close();
    }
  });

  it('never signs with a revoked key, and reports it as revoked when verifying', async () => {
    json(await consign(['keys', 'revoke', key.id, '--reason', 'rotated', '--json']));
    const refused = await consign(['sign', image.ref, '--key', key.id, '--json']);
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stdout)).toMatchObject({ error: { code: 'CHECK_FAILED' } });
    const result = json<VerifyJson>(
      await consign(['verify', image.ref, '--key', key.id, '--json']),
      1,
    );
    expect(result.verified).toBe(false);
    expect(result.key.revoked).toBe(true);
    expect(result.reason).toMatch(/revoked/);
  });
});
