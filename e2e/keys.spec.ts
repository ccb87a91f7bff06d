import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from './support/preview';
import { attachScreenshot } from './support/screenshots';
import { engineCall, registryTestEnv } from './support/test-env';

const ENCRYPTED_HEADER = '-----BEGIN ENCRYPTED COSIGN PRIVATE KEY-----';

test.describe('Keys', () => {
  let folder: string;

  test.beforeAll(async () => {
    // Brings the test keyring's variables into the preview's environment.
    registryTestEnv();
    folder = await mkdtemp(join(tmpdir(), 'consign-e2e-keys-'));
  });

  test.afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  test('generates, exports, refuses a duplicate import and revokes a key', async ({
    page,
    preview,
  }, testInfo) => {
    const name = 'release-signing';
    const keyFile = join(folder, 'release-signing.key');
    const passphrase = 'orbit-lantern-quartz-47';

    await page.goto(preview.url);
    await page.getByTestId('nav-keys').click();
    await expect(page.getByRole('heading', { name: 'Keys', level: 1 })).toBeVisible();
    await expect(page.getByTestId('keys-empty')).toBeVisible();
    await attachScreenshot(page, testInfo, 'keys-empty.png');

    // Generate: the new key is listed as active, with the full SHA-256 fingerprint behind it.
    await page.getByTestId('keys-generate').click();
    const generate = page.getByRole('dialog', { name: 'Generate a signing key' });
    await generate.getByLabel('Name').fill(name);
    await generate.getByRole('button', { name: 'Generate key' }).click();
    await expect(generate).toBeHidden();

    const row = page.locator(`[data-testid="key-row"][data-name="${name}"]`);
    await expect(row).toHaveCount(1);
    await expect(row.getByTestId('key-state')).toHaveText('Active');
    await expect(row.getByTestId('key-algorithm')).toHaveText('ECDSA P-256');
    await expect(row.getByTestId('key-origin')).toHaveText('Generated');
    await expect(row.getByTestId('key-last-used')).toHaveText('Never');
    const fingerprint = await row.getByTestId('key-fingerprint').getAttribute('data-fingerprint');
    expect(fingerprint).toMatch(/^[0-9a-f]{64}$/);
    await expect(row.getByTestId('key-fingerprint')).toHaveText(`${fingerprint!.slice(0, 12)}…`);
    const [stored] = await engineCall(page, 'keys.list', {});
    expect(stored).toMatchObject({ name, fingerprint, state: 'active', origin: 'generated' });
    await attachScreenshot(page, testInfo, 'keys-listed.png');

    // Export the public key: its PEM, ready to copy.
    await row.getByRole('button', { name: `Export the public key of ${name}` }).click();
    const publicKey = page.getByRole('dialog', { name: `Public key of ${name}` });
    const pem = publicKey.getByTestId('key-public-pem');
    await expect(pem).toContainText('-----BEGIN PUBLIC KEY-----');
    await expect(pem).toContainText('-----END PUBLIC KEY-----');
    expect((await pem.textContent())?.trim()).toBe(stored!.publicKey.trim());
    await expect(publicKey.getByTestId('key-public-fingerprint')).toHaveText(fingerprint!);
    await expect(publicKey.getByRole('button', { name: 'Copy PEM' })).toBeVisible();
    await attachScreenshot(page, testInfo, 'keys-public-key.png', { fullPage: false });
    await publicKey.getByRole('button', { name: 'Close', exact: true }).click();
    await expect(publicKey).toBeHidden();

    // Export the encrypted key: two different passphrases are refused before anything is sent.
    await row.getByRole('button', { name: `More actions for ${name}` }).click();
    await page.getByRole('menuitem', { name: 'Export encrypted key…' }).click();
    const exporting = page.getByRole('dialog', { name: 'Export encrypted key' });
    await expect(exporting.getByTestId('key-export-warning')).toContainText(
      'can sign images as “release-signing”',
    );
    await exporting.getByLabel('Save to').fill(keyFile);
    await exporting.getByLabel(/^Passphrase/).fill(passphrase);
    await exporting.getByLabel('Repeat passphrase').fill(`${passphrase}x`);
    await exporting.getByRole('button', { name: 'Export encrypted key' }).click();
    await expect(exporting.getByText('The passphrases do not match.')).toBeVisible();
    await attachScreenshot(page, testInfo, 'keys-export-mismatch.png', { fullPage: false });
    expect(existsSync(keyFile)).toBe(false);

    await exporting.getByLabel('Repeat passphrase').fill(passphrase);
    await exporting.getByRole('button', { name: 'Export encrypted key' }).click();
    const done = exporting.getByTestId('key-export-done');
    await expect(done).toBeVisible();
    await expect(done.getByTestId('key-export-path')).toContainText('release-signing.key');
    expect((await readFile(keyFile, 'utf8')).startsWith(ENCRYPTED_HEADER)).toBe(true);
    await attachScreenshot(page, testInfo, 'keys-exported.png', { fullPage: false });
    await done.getByRole('button', { name: 'Close', exact: true }).click();
    await expect(exporting).toBeHidden();

    // Importing the same key under another name is refused as a duplicate.
    await page.getByTestId('keys-import').click();
    const importing = page.getByRole('dialog', { name: 'Import a signing key' });
    await importing.getByLabel('Name').fill('release-signing-copy');
    await importing.getByLabel('Key file').fill(keyFile);
    const importPassphrase = importing.getByLabel('Passphrase');
    await expect(importPassphrase).toHaveAttribute('type', 'password');
    await importPassphrase.fill(passphrase);
    await importing.getByRole('button', { name: 'Import key' }).click();
    const refusal = importing.getByTestId('key-import-error');
    await expect(refusal).toBeVisible();
    await expect(refusal.getByTestId('error-message')).not.toBeEmpty();
    // The passphrase was sent once and is gone from the form, and from the page.
    await expect(importPassphrase).toHaveValue('');
    expect(await page.content()).not.toContain(passphrase);
    expect(await engineCall(page, 'keys.list', {})).toHaveLength(1);
    await attachScreenshot(page, testInfo, 'keys-import-duplicate.png', { fullPage: false });
    await importing.getByRole('button', { name: 'Cancel' }).click();
    await expect(importing).toBeHidden();

    // Revoke: a reason is required; afterwards the key is listed as revoked, with the reason.
    const reason = 'Laptop with the exported key file was lost';
    await row.getByRole('button', { name: `More actions for ${name}` }).click();
    await page.getByRole('menuitem', { name: 'Revoke…' }).click();
    const revoking = page.getByRole('dialog', { name: `Revoke ${name}?` });
    await expect(revoking).toContainText('never signs again');
    await expect(revoking).toContainText('cannot be undone');
    await revoking.getByRole('button', { name: 'Revoke key' }).click();
    await expect(revoking.getByText('Say why the key is revoked.')).toBeVisible();
    await revoking.getByLabel('Reason').fill(reason);
    await attachScreenshot(page, testInfo, 'keys-revoke-confirm.png', { fullPage: false });
    await revoking.getByRole('button', { name: 'Revoke key' }).click();
    await expect(revoking).toBeHidden();

    await expect(row).toHaveAttribute('data-state', 'revoked');
    await expect(row.getByTestId('key-state')).toHaveText('Revoked');
    await expect(row.getByTestId('key-revocation')).toContainText(reason);
    const [revoked] = await engineCall(page, 'keys.list', {});
    expect(revoked).toMatchObject({ state: 'revoked', revocationReason: reason });
    await row.getByRole('button', { name: `More actions for ${name}` }).click();
    await expect(page.getByRole('menuitem', { name: 'Revoke…' })).toBeDisabled();
    await expect(page.getByRole('menuitem', { name: 'Export encrypted key…' })).toBeDisabled();
    await page.keyboard.press('Escape');
    await expect(page.getByRole('menu')).toBeHidden();
    await attachScreenshot(page, testInfo, 'keys-revoked.png');
  });
});
