// The customer verification kit, end to end: images signed by `consign sign` in a customer's
// namespace of a real registry, the kit written by `consign customers kit`, and the kit's own
// verify.sh running cosign 2.5 offline against them.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeyInfo } from '../../shared/contract';
import { createEngine } from '../../electron/core/engine';
import { engineDispatcher } from '../../electron/core/handlers';
import { customerAddArgs } from '../support/cli-args';
import { copyFromDaemon, jsonOf as json, workspaceCli } from '../support/consign-cli';
import { runCosign } from '../support/cosign';
import { runCustomerTool } from '../support/customer-side';
import { forgetKeys } from '../support/key-cleanup';
import { uniqueRepository } from '../support/registry-fixtures';
import { testEnv } from '../support/test-env';

const env = testEnv();

interface KitJson {
  dir: string;
  files: string[];
}

/** Every file under `dir`, relative to it. */
function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

describe.skipIf(!env.cosign)('customer verification kit', () => {
  let home: string;
  let work: string;
  let namespace: string;
  let release: KeyInfo;
  let retired: KeyInfo;
  const customer = 'Kit Test Customer';
  const consign = workspaceCli(() => home);

  /** Runs the kit's verify.sh with cosign offline: its own HOME, every proxy a closed port. */
  const verifyScript = (dir: string, args: string[]) =>
    runCustomerTool(join(dir, 'verify.sh'), args, { cwd: work });

  /** Pushes the test image to `<namespace>/<name>:1` and returns its pinned reference. */
  const push = async (name: string) => {
    const ref = `docker://${env.registryPlain}/${namespace}/${name}:1`;
    const { digest } = await copyFromDaemon(consign, env.baseImage, ref);
    return { ref, pinned: `${env.registryPlain}/${namespace}/${name}@${digest}` };
  };

  let signed: Awaited<ReturnType<typeof push>>;
  let unsigned: Awaited<ReturnType<typeof push>>;
  let foreign: Awaited<ReturnType<typeof push>>;
  let legacyOnly: Awaited<ReturnType<typeof push>>;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'consign-kit-'));
    work = mkdtempSync(join(tmpdir(), 'consign-kit-files-'));
    namespace = uniqueRepository('kit');
    release = json<KeyInfo>(await consign(['keys', 'generate', '--name', 'Release', '--json']));
    retired = json<KeyInfo>(await consign(['keys', 'generate', '--name', 'Retired', '--json']));

    signed = await push('app');
    unsigned = await push('unsigned');
    foreign = await push('foreign');
    legacyOnly = await push('legacy-only');
    json(await consign(['sign', signed.ref, '--key', release.id, '--json']));
    json(await consign(['sign', foreign.ref, '--key', retired.id, '--json']));
    json(
      await consign(['sign', legacyOnly.ref, '--key', release.id, '--format', 'legacy', '--json']),
    );
    // A revoked key is no longer trusted: the kit carries active keys only.
    json(
      await consign(['keys', 'revoke', retired.id, '--reason', 'rotated for the test', '--json']),
    );

    json(await consign(customerAddArgs(customer, ['--registry', env.registryPlain], namespace)));
  });

  afterAll(() => {
    forgetKeys([release, retired]);
    rmSync(home, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });

  it('writes the kit into a new folder and lists exactly what it wrote', async () => {
    const out = join(work, 'kit', 'nested');
    const kit = json<KitJson>(
      await consign(['customers', 'kit', customer, '--out', out, '--json']),
    );
    expect(kit.dir).toBe(out);
    expect([...kit.files].sort()).toEqual(listFiles(out));
    expect(kit.files).toEqual(
      expect.arrayContaining([
        'README.md',
        'verify.sh',
        'trusted_root.json',
        'keys/release.pub',
        'kyverno/verify-images.yaml',
        'policy-controller/cluster-image-policy.yaml',
        'containers/policy.json',
        'containers/registries.d/consign-kit-test-customer.yaml',
      ]),
    );
    // Active keys only: the revoked key is neither a file nor in any policy.
    expect(kit.files.filter((f) => f.startsWith('keys/'))).toEqual(['keys/release.pub']);
    expect(readFileSync(join(out, 'keys/release.pub'), 'utf8')).toBe(release.publicKey);
    for (const file of kit.files) {
      expect(readFileSync(join(out, file), 'utf8')).not.toContain(retired.fingerprint);
    }
    expect(statSync(join(out, 'verify.sh')).mode & 0o777).toBe(0o755);
    // Loopback plain HTTP: the script carries cosign's plain-HTTP flags.
    expect(readFileSync(join(out, 'verify.sh'), 'utf8')).toContain(
      "registry_flags='--allow-http-registry --allow-insecure-registry'",
    );

    const engine = createEngine({ host: 'test', home, keychainService: env.keychainService });
    try {
      const [event] = engine.requireStore().audit.list({ action: 'customer.kit' });
      expect(event).toMatchObject({
        action: 'customer.kit',
        subject: customer,
        details: {
          customer,
          dir: out,
          files: kit.files.length,
          keys: [{ id: release.id, fingerprint: release.fingerprint }],
        },
      });
    } finally {
      engine.close();
    }
  });

  it('passes with cosign 2.5 for the signed image, in both formats, offline', async () => {
    const out = join(work, 'kit', 'nested');
    const result = await verifyScript(out, [signed.pinned]);
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(result.stdout).toContain(`verified  legacy  ${signed.pinned}  (keys/release.pub)`);
    expect(result.stdout).toContain(`verified  bundle  ${signed.pinned}  (keys/release.pub)`);
    // A tag works too: cosign resolves it.
    const byTag = await verifyScript(out, [signed.ref]);
    expect(byTag.code, byTag.stderr).toBe(0);
  });

  it('fails for an unsigned image, one signed by a revoked key, and a missing format', async () => {
    const out = join(work, 'kit', 'nested');
    const none = await verifyScript(out, [unsigned.pinned]);
    expect(none.code, none.stdout).toBe(1);
    expect(none.stderr).toContain(`FAILED    legacy  ${unsigned.pinned}`);
    expect(none.stderr).toContain(`FAILED    bundle  ${unsigned.pinned}`);

    const other = await verifyScript(out, [foreign.pinned]);
    expect(other.code, other.stdout).toBe(1);

    // Signed in the legacy format only: both formats are required unless --format says otherwise.
    const partial = await verifyScript(out, [legacyOnly.pinned]);
    expect(partial.code).toBe(1);
    expect(partial.stdout).toContain(`verified  legacy  ${legacyOnly.pinned}`);
    expect(partial.stderr).toContain(`FAILED    bundle  ${legacyOnly.pinned}`);
    const legacy = await verifyScript(out, ['--format', 'legacy', legacyOnly.pinned]);
    expect(legacy.code, legacy.stderr).toBe(0);

    // One bad image among good ones fails the run.
    const mixed = await verifyScript(out, [signed.pinned, unsigned.pinned]);
    expect(mixed.code).toBe(1);
  });

  it("runs the README's cosign commands as written, from the kit's folder", async () => {
    const out = join(work, 'kit', 'nested');
    const readme = readFileSync(join(out, 'README.md'), 'utf8');
    const commands = readme.split('\n').filter((line) => line.startsWith('cosign verify'));
    expect(commands).toHaveLength(2);
    const placeholder = `${env.registryPlain}/${namespace}/IMAGE@sha256:DIGEST`;
    for (const command of commands) {
      expect(command).toContain(placeholder);
      const args = command.split(' ').slice(1);
      const run = (image: string) =>
        runCosign(
          env.cosign!,
          args.map((arg) => (arg === placeholder ? image : arg)),
          { cwd: out },
        );
      const good = await run(signed.pinned);
      expect(good.code, `${command}\n${good.stderr}`).toBe(0);
      expect((await run(unsigned.pinned)).code).not.toBe(0);
    }
  });

  it('is written through the contract channel as well, for the app', async () => {
    const engine = createEngine({ host: 'test', home, keychainService: env.keychainService });
    try {
      const dispatch = engineDispatcher(engine);
      const dir = join(work, 'from-the-app');
      const answer = await dispatch('customers.kit', { name: customer.toUpperCase(), dir });
      expect(answer.ok, JSON.stringify(answer)).toBe(true);
      const kit = (answer as { data: KitJson }).data;
      expect(kit.dir).toBe(dir);
      expect([...kit.files].sort()).toEqual(listFiles(dir));
      const refused = await dispatch('customers.kit', { name: customer, dir });
      expect(refused).toMatchObject({ ok: false, error: { code: 'BAD_INPUT' } });
    } finally {
      engine.close();
    }
  });

  it('refuses a folder that is not empty, a file, and an unknown customer, writing nothing', async () => {
    const full = join(work, 'kit', 'nested');
    const before = listFiles(full);
    const again = await consign(['customers', 'kit', customer, '--out', full, '--json']);
    expect(again.code).toBe(2);
    const { error } = JSON.parse(again.stdout) as { error: { code: string; message: string } };
    expect(error.code).toBe('BAD_INPUT');
    expect(error.message).toContain('is not empty');
    expect(listFiles(full)).toEqual(before);

    const file = join(work, 'a-file');
    writeFileSync(file, 'x');
    const onFile = await consign(['customers', 'kit', customer, '--out', file, '--json']);
    expect(onFile.code).toBe(2);
    expect(onFile.stdout).toContain('is a file, not a folder');

    const fresh = join(work, 'never-written');
    const unknown = await consign(['customers', 'kit', 'No Such Customer', '--out', fresh]);
    expect(unknown.code).toBe(2);
    expect(() => statSync(fresh)).toThrow();
  });
});
