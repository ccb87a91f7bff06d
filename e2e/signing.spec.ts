import type { Locator, Page } from '@playwright/test';
import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestEnv } from '../tests/support/test-env';
import { COSIGN_REGISTRY_FLAGS, runCosign, writeMinimalTrustedRoot } from '../tests/support/cosign';
import { expect, test } from './support/preview';
import { PlainRegistry } from './support/registry';
import { attachScreenshot } from './support/screenshots';
import { useScratch } from './support/scratch';
import { engineCall } from './support/test-env';

/** Pushes a fresh one-layer image to the plain test registry; returns its reference and digest. */
async function pushImage(env: TestEnv, name: string) {
  const registry = new PlainRegistry(env.registryPlain);
  const repository = `consign-e2e/${name}-${randomBytes(4).toString('hex')}`;
  const { manifest } = await registry.pushImage(
    repository,
    { os: 'linux', architecture: 'amd64' },
    4_096,
    'v1',
  );
  return {
    ref: `docker://${env.registryPlain}/${repository}:v1`,
    /** How cosign names it: by digest, without a transport. */
    pinned: `${env.registryPlain}/${repository}@${manifest.digest}`,
    digest: manifest.digest,
  };
}

async function inspect(page: Page, ref: string): Promise<Locator> {
  await page.getByTestId('nav-images').click();
  const input = page.getByRole('textbox', { name: 'Inspect a reference' });
  await input.fill(ref);
  await input.press('Enter');
  const inspector = page.getByRole('dialog', { name: 'Image details' });
  await expect(inspector.getByTestId('inspector-ref')).toHaveText(ref);
  return inspector;
}

test.describe('Signing', () => {
  const scratch = useScratch('consign-e2e-signing-');

  test('a key generated in the app signs an image that cosign verifies', async ({
    page,
    preview,
  }, testInfo) => {
    const { env, folder } = scratch;
    test.skip(!env.cosign, 'cosign is not part of this test environment');
    test.setTimeout(180_000);
    const image = await pushImage(env, 'signing');
    const name = 'release-2026';

    // A new key, made in the app.
    await page.goto(preview.url);
    await page.getByTestId('nav-keys').click();
    await page.getByTestId('keys-generate').click();
    const generate = page.getByRole('dialog', { name: 'Generate a signing key' });
    await generate.getByLabel('Name').fill(name);
    await generate.getByRole('button', { name: 'Generate key' }).click();
    await expect(generate).toBeHidden();
    const keyRow = page.locator(`[data-testid="key-row"][data-name="${name}"]`);
    await expect(keyRow.getByTestId('key-last-used')).toHaveText('Never');
    const fingerprint = await keyRow
      .getByTestId('key-fingerprint')
      .getAttribute('data-fingerprint');
    expect(fingerprint).toMatch(/^[0-9a-f]{64}$/);
    const keyId = await keyRow.getAttribute('data-key-id');

    // The image is not signed yet.
    const inspector = await inspect(page, image.ref);
    await expect(inspector.getByTestId('inspector-digest')).toHaveText(image.digest);
    const signatures = inspector.getByTestId('signatures');
    await expect(signatures.getByTestId('signatures-empty')).toContainText('Not signed yet');
    await attachScreenshot(page, testInfo, 'signing-unsigned.png', { fullPage: false });

    // The only active key is chosen already, and both formats are ticked.
    await signatures.getByRole('button', { name: 'Sign…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Sign image' });
    await expect(dialog.getByTestId('sign-reference')).toHaveValue(image.ref);
    await expect(dialog.getByTestId('sign-key')).toHaveValue(
      `${name} · ${fingerprint!.slice(0, 12)}…`,
    );
    const legacy = dialog.getByRole('checkbox', { name: 'Legacy cosign (.sig)' });
    const bundle = dialog.getByRole('checkbox', { name: 'Sigstore bundle' });
    await expect(legacy).toBeChecked();
    await expect(bundle).toBeChecked();

    // Without a format nothing is sent.
    await legacy.uncheck();
    await bundle.uncheck();
    await dialog.getByRole('button', { name: 'Sign', exact: true }).click();
    await expect(dialog.getByText('Choose at least one format.')).toBeVisible();
    expect((await engineCall(page, 'images.signatures', { ref: image.ref })).signatures).toEqual(
      [],
    );
    await legacy.check();
    await bundle.check();
    await expect(dialog.getByText('Choose at least one format.')).toBeHidden();
    await expect(bundle).toBeChecked();
    await attachScreenshot(page, testInfo, 'signing-dialog.png', { fullPage: false });

    await dialog.getByRole('button', { name: 'Sign', exact: true }).click();
    const done = dialog.getByTestId('sign-done');
    await expect(done).toBeVisible({ timeout: 60_000 });
    await expect(done.getByTestId('sign-digest')).toHaveAttribute('data-digest', image.digest);
    const results = done.getByTestId('sign-result');
    await expect(results).toHaveCount(2);
    await expect(results.nth(0)).toHaveAttribute('data-format', 'legacy');
    await expect(results.nth(0)).toHaveAttribute('data-created', 'true');
    await expect(results.nth(1)).toHaveAttribute('data-format', 'bundle');
    await expect(results.nth(1)).toHaveAttribute('data-created', 'true');
    await attachScreenshot(page, testInfo, 'signing-done.png', { fullPage: false });
    await done.getByRole('button', { name: 'Close', exact: true }).click();
    await expect(dialog).toBeHidden();

    // Both signatures are listed, each valid and made by this key.
    const rows = signatures.getByTestId('signature-row');
    await expect(rows).toHaveCount(2);
    for (const kind of ['legacy', 'bundle']) {
      const row = signatures.locator(`[data-testid="signature-row"][data-kind="${kind}"]`);
      await expect(row).toHaveAttribute('data-status', 'valid');
      await expect(row.getByTestId('signature-status')).toHaveText('Valid');
      await expect(row.getByTestId('signature-key-name')).toHaveText(name);
      await expect(row.getByTestId('signature-fingerprint')).toHaveText(
        `${fingerprint!.slice(0, 12)}…`,
      );
      await expect(row).toHaveAttribute('data-key-fingerprint', fingerprint!);
    }
    await expect(signatures.getByTestId('signatures-count')).toHaveText('2 signatures');
    await attachScreenshot(page, testInfo, 'signing-signatures.png', { fullPage: false });

    // The engine agrees: a valid signature by this key covers the image's digest.
    const verified = await engineCall(page, 'images.verify', { ref: image.ref, keyId: keyId! });
    expect(verified).toMatchObject({ verified: true, digest: image.digest, key: { fingerprint } });

    // Signing used the key: the Keys page says when.
    await inspector.getByRole('button', { name: 'Close dialog' }).click();
    await expect(inspector).toBeHidden();
    await page.getByTestId('nav-keys').click();
    await expect(keyRow.getByTestId('key-last-used')).not.toHaveText('Never');
    await expect(keyRow.getByTestId('key-last-used').locator('time')).toHaveAttribute(
      'datetime',
      /^\d{4}-\d\d-\d\dT/,
    );

    // The public key as the app exports it is all cosign needs to verify the signature.
    await keyRow.getByRole('button', { name: `Export the public key of ${name}` }).click();
    const publicKey = page.getByRole('dialog', { name: `Public key of ${name}` });
    const pem = publicKey.getByTestId('key-public-pem');
    await expect(pem).toContainText('-----BEGIN PUBLIC KEY-----');
    const pub = join(folder, 'release-2026.pub');
    await writeFile(pub, `${(await pem.textContent())!.trim()}\n`);
    const home = await mkdtemp(join(folder, 'cosign-home-'));
    const cosign = await runCosign(
      env.cosign!,
      [
        'verify',
        '--key',
        pub,
        '--insecure-ignore-tlog=true',
        ...COSIGN_REGISTRY_FLAGS,
        image.pinned,
      ],
      { cwd: home },
    );
    expect(cosign.code, cosign.stderr).toBe(0);
    // The Sigstore bundle too, the way cosign 2.5 finds bundles: as a sign-predicate attestation.
    const bundleCheck = await runCosign(
      env.cosign!,
      [
        'verify-attestation',
        '--new-bundle-format',
        '--trusted-root',
        writeMinimalTrustedRoot(home),
        '--key',
        pub,
        '--insecure-ignore-tlog=true',
        '--type',
        'https://sigstore.dev/cosign/sign/v1',
        ...COSIGN_REGISTRY_FLAGS,
        image.pinned,
      ],
      { cwd: home },
    );
    expect(bundleCheck.code, bundleCheck.stderr).toBe(0);
    const payloads = JSON.parse(cosign.stdout) as {
      critical: { image: { 'docker-manifest-digest': string } };
    }[];
    expect(payloads.map((payload) => payload.critical.image['docker-manifest-digest'])).toContain(
      image.digest,
    );

    // Leave no private key in the shared test keyring.
    await engineCall(page, 'keys.revoke', { id: keyId!, reason: 'End of the test' });
  });

  test('a revoked key’s signature shows as revoked, and signing needs an active key', async ({
    page,
    preview,
  }, testInfo) => {
    test.setTimeout(120_000);
    const { env } = scratch;
    const image = await pushImage(env, 'signing-revoked');
    const name = 'laptop-key';

    await page.goto(preview.url);

    // An image outside a registry has nothing to sign: the section says where signing happens.
    const local = await inspect(page, `docker-daemon:${env.baseImage}`);
    await expect(local.getByTestId('signatures-local')).toContainText(
      'Only registry images are signed',
    );
    await expect(local.getByRole('button', { name: 'Sign…' })).toHaveCount(0);
    await local.getByRole('button', { name: 'Close dialog' }).click();
    await expect(local).toBeHidden();

    const key = await engineCall(page, 'keys.generate', { name });
    await expect(
      engineCall(page, 'images.sign', {
        ref: `docker-daemon:${env.baseImage}`,
        keyId: key.id,
        formats: ['legacy'],
      }),
    ).rejects.toThrow(/only registry images/);
    await engineCall(page, 'images.sign', { ref: image.ref, keyId: key.id, formats: ['legacy'] });

    const inspector = await inspect(page, image.ref);
    const signatures = inspector.getByTestId('signatures');
    const row = signatures.getByTestId('signature-row');
    await expect(row).toHaveCount(1);
    await expect(row).toHaveAttribute('data-status', 'valid');

    // The key is revoked elsewhere while the dialog is open: signing is refused, with a remedy.
    await signatures.getByRole('button', { name: 'Sign…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Sign image' });
    await expect(dialog.getByTestId('sign-key')).toHaveValue(new RegExp(`^${name} · `));
    await engineCall(page, 'keys.revoke', { id: key.id, reason: 'Laptop lost' });
    await dialog.getByRole('button', { name: 'Sign', exact: true }).click();
    const refusal = dialog.getByTestId('sign-error');
    await expect(refusal).toBeVisible();
    await expect(refusal).toHaveAttribute('data-code', 'CHECK_FAILED');
    await expect(refusal.getByTestId('error-message')).toContainText('revoked');
    await expect(refusal.getByTestId('error-remedy')).not.toBeEmpty();
    await attachScreenshot(page, testInfo, 'signing-refused.png', { fullPage: false });
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect(dialog).toBeHidden();

    // Its signature stays listed, made by that key, but no longer counts.
    await expect(row).toHaveAttribute('data-status', 'revoked');
    await expect(row.getByTestId('signature-status')).toHaveText('Revoked key');
    await expect(row.getByTestId('signature-key-name')).toHaveText(name);
    await expect(row).toHaveAttribute('data-key-fingerprint', key.fingerprint);
    const verified = await engineCall(page, 'images.verify', { ref: image.ref, keyId: key.id });
    expect(verified).toMatchObject({ verified: false, key: { revoked: true } });
    await attachScreenshot(page, testInfo, 'signing-revoked.png', { fullPage: false });

    // With no active key left, the dialog says so and leads to the Keys page.
    await signatures.getByRole('button', { name: 'Sign…' }).click();
    const guidance = dialog.getByTestId('sign-no-keys');
    await expect(guidance).toContainText('No active signing key');
    await expect(dialog.getByRole('button', { name: 'Sign', exact: true })).toBeDisabled();
    await attachScreenshot(page, testInfo, 'signing-no-key.png', { fullPage: false });
    await guidance.getByRole('button', { name: 'Go to Keys' }).click();
    await expect(dialog).toBeHidden();
    await expect(inspector).toBeHidden();
    await expect(page.getByRole('heading', { name: 'Keys', level: 1 })).toBeVisible();
    await expect(
      page.locator(`[data-testid="key-row"][data-name="${name}"]`).getByTestId('key-state'),
    ).toHaveText('Revoked');
  });
});
