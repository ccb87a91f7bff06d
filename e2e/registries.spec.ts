import type { TestEnv } from '../tests/support/test-env';
import { expect, test } from './support/preview';
import { attachScreenshot } from './support/screenshots';
import { engineCall, registryTestEnv } from './support/test-env';

test.describe('Settings → Registries', () => {
  let env: TestEnv;

  test.beforeAll(() => {
    env = registryTestEnv();
  });

  test('adds the TLS registry with its credentials and CA, tests it, and removes it', async ({
    page,
    preview,
  }, testInfo) => {
    const host = env.registryTls;
    await page.goto(preview.url);
    await page.getByRole('button', { name: 'Settings' }).click();

    const card = page.getByTestId('settings-registries');
    await expect(card.getByRole('heading', { name: 'Registries' })).toBeVisible();
    await expect(card.getByTestId('registries-empty')).toBeVisible();

    // A wrong password is refused by the registry itself, and nothing is stored.
    await card.getByRole('button', { name: 'Add registry' }).click();
    const form = page.getByRole('dialog', { name: 'Add registry' });
    await expect(form).toBeVisible();
    await form.getByLabel('Host').fill(host);
    await form.getByLabel('Username').fill(env.registryTlsUser);
    const password = form.getByLabel('Password or token');
    await expect(password).toHaveAttribute('type', 'password');
    await password.fill(`${env.registryTlsPassword}-wrong`);
    await form.getByLabel('CA certificate file').fill(env.caFile);
    await form.getByRole('button', { name: 'Verify and save' }).click();

    const refusal = form.getByTestId('registry-form-error');
    await expect(refusal).toBeVisible();
    await expect(refusal.getByTestId('error-message')).not.toBeEmpty();
    await expect(refusal.getByTestId('error-remedy')).toContainText('What to do:');
    // The password was sent once and is gone from the form.
    await expect(password).toHaveValue('');
    expect(await engineCall(page, 'registries.list', {})).toEqual([]);
    await attachScreenshot(page, testInfo, 'registries-wrong-password.png', { fullPage: false });

    // Plain HTTP asks for a second thought.
    await form.getByLabel('Use plain HTTP (no TLS)').check();
    await expect(form.getByTestId('registry-form-insecure-warning')).toBeVisible();
    await form.getByLabel('Use plain HTTP (no TLS)').uncheck();
    await expect(form.getByTestId('registry-form-insecure-warning')).toHaveCount(0);

    // The right password: verified, stored, listed.
    await password.fill(env.registryTlsPassword);
    await form.getByRole('button', { name: 'Verify and save' }).click();
    await expect(form).toBeHidden();

    const row = card.locator(`[data-testid="registry-row"][data-host="${host}"]`);
    await expect(row).toHaveCount(1);
    await expect(row.getByTestId('registry-host')).toHaveText(host);
    await expect(row.getByTestId('registry-username')).toHaveText(env.registryTlsUser);
    await expect(row.getByTestId('registry-connection')).toHaveText('HTTPS');
    await expect(row.getByTestId('registry-ca-file')).toHaveText(env.caFile);
    const stored = await engineCall(page, 'registries.list', {});
    expect(stored.map((registry) => registry.host)).toEqual([host]);
    expect(stored[0]?.username).toBe(env.registryTlsUser);
    // The password never comes back to the page.
    expect(await page.content()).not.toContain(env.registryTlsPassword);

    await row.getByRole('button', { name: `Test ${host}` }).click();
    await expect(row.getByTestId('registry-reachable')).toHaveText('Reachable');
    await expect(row.getByTestId('registry-authenticated')).toHaveText('Authenticated');
    await expect(row.getByTestId('registry-test-problem')).toHaveCount(0);
    await card.scrollIntoViewIfNeeded();
    await attachScreenshot(page, testInfo, 'registries-listed.png', { fullPage: false });

    // Removing asks first, then forgets the registry.
    await row.getByRole('button', { name: `Remove ${host}` }).click();
    const confirm = page.getByRole('dialog', { name: 'Remove registry?' });
    await expect(confirm).toContainText(host);
    await confirm.getByRole('button', { name: 'Remove registry' }).click();
    await expect(confirm).toBeHidden();
    await expect(row).toHaveCount(0);
    await expect(card.getByTestId('registries-empty')).toBeVisible();
    expect(await engineCall(page, 'registries.list', {})).toEqual([]);
  });
});
