import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from './support/preview';
import { attachScreenshot } from './support/screenshots';
import { useScratch } from './support/scratch';
import { engineCall } from './support/test-env';

test.describe('Customers', () => {
  const scratch = useScratch('consign-e2e-customers-');

  test('onboards a customer on the TLS registry, tests it, catches a wrong password, exports a kit and removes it', async ({
    page,
    preview,
  }, testInfo) => {
    // Registry round trips, keychain writes and a key generation: more than the default minute.
    test.setTimeout(180_000);
    const { env, folder } = scratch;
    const name = 'Acme Corp';
    const host = env.registryTls;
    const password = env.registryTlsPassword;
    const wrongPassword = `${password}-wrong`;
    const kitDir = join(folder, 'acme-kit');

    await page.goto(preview.url);
    await page.getByRole('button', { name: 'Customers' }).click();
    await expect(page.getByRole('heading', { name: 'Customers', level: 1 })).toBeVisible();
    await expect(page.getByTestId('customers-empty')).toBeVisible();

    // The form explains what is missing before anything is sent.
    await page.getByTestId('customers-add').click();
    const form = page.getByRole('dialog', { name: 'Add customer' });
    await form.getByRole('button', { name: 'Add customer' }).click();
    await expect(form.getByText('Enter the customer’s name.')).toBeVisible();
    await expect(form.getByText('Enter a host name or IP address')).toBeVisible();
    await expect(form.getByText('Enter the namespace their images go under.')).toBeVisible();
    await expect(form.getByText('Enter the password or token for this account.')).toBeVisible();
    expect(await engineCall(page, 'customers.list', {})).toEqual([]);

    await form.getByRole('textbox', { name: 'Name', exact: true }).fill(name);
    await form.getByRole('textbox', { name: 'Registry', exact: true }).fill(host);
    const namespace = form.getByRole('textbox', { name: 'Namespace', exact: true });
    await namespace.fill('Acme/Releases');
    await namespace.blur();
    await expect(form.getByText('Use lowercase letters, digits')).toBeVisible();
    await namespace.fill('acme/releases');
    await expect(form.getByTestId('customer-form-destination')).toHaveText(
      `Images go to ${host}/acme/releases/<image>:<tag>`,
    );
    await expect(form.getByRole('radio', { name: 'Basic' })).toBeChecked();
    await form.getByLabel('Username').fill(env.registryTlsUser);
    const passwordField = form.getByLabel('Password or token');
    await expect(passwordField).toHaveAttribute('type', 'password');
    await passwordField.fill(password);
    await form.getByLabel('CA certificate file').fill(env.caFile);

    // Plain HTTP asks for a second thought.
    const insecure = form.getByRole('switch', { name: 'Use plain HTTP (no TLS)' });
    await insecure.check();
    await expect(form.getByTestId('customer-form-insecure-warning')).toBeVisible();
    await insecure.uncheck();
    await expect(form.getByTestId('customer-form-insecure-warning')).toHaveCount(0);

    const contacts = form.getByLabel('Contacts');
    await contacts.fill('Jane Doe <jane@acme.example>');
    await contacts.press('Enter');
    await contacts.fill('Release desk <releases@acme.example>');
    await contacts.press('Enter');
    const products = form.getByLabel('Entitled products');
    await products.fill('orbit');
    await products.press('Enter');
    await products.fill('lantern');
    await products.press('Enter');
    await form.getByLabel('Notes').fill('Quarterly releases; change window on Sundays.');
    await attachScreenshot(page, testInfo, 'customers-add-form.png', { fullPage: false });
    await form.getByRole('button', { name: 'Add customer' }).click();
    await expect(form).toBeHidden();

    const row = page.locator(`[data-testid="customer-row"][data-name="${name}"]`);
    await expect(row).toHaveCount(1);
    await expect(row.getByTestId('customer-destination')).toHaveText(`${host}/acme/releases`);
    await expect(row.getByTestId('customer-auth')).toContainText('Basic');
    await expect(row.getByTestId('customer-username')).toHaveText(env.registryTlsUser);
    await expect(row.getByTestId('customer-auth')).toContainText('Password in keychain');
    await expect(row.getByTestId('customer-entitlement')).toHaveText(['lantern', 'orbit']);
    await expect(row.getByTestId('customer-contact')).toContainText('Jane Doe <jane@acme.example>');
    await expect(row.getByTestId('customer-test-state')).toHaveText('Not tested yet');

    const [stored] = await engineCall(page, 'customers.list', {});
    expect(stored).toMatchObject({
      name,
      registry: host,
      namespace: 'acme/releases',
      auth: 'basic',
      username: env.registryTlsUser,
      hasPassword: true,
      caFile: env.caFile,
      insecureHttp: false,
      contacts: ['Jane Doe <jane@acme.example>', 'Release desk <releases@acme.example>'],
      entitlements: ['lantern', 'orbit'],
    });
    // The password stays in the keychain: never in the list's answer or the page.
    expect(JSON.stringify(stored)).not.toContain(password);
    expect(await page.content()).not.toContain(password);

    // Test connection: reachable, authenticated, and allowed to push.
    await row.getByRole('button', { name: `Test connection to ${name}` }).click();
    for (const step of ['reachable', 'authenticated', 'canPush']) {
      await expect(row.getByTestId(`customer-step-${step}`)).toHaveAttribute('data-state', 'ok');
    }
    await expect(row.getByTestId('customer-test-problem')).toHaveCount(0);
    await attachScreenshot(page, testInfo, 'customers-tested.png');

    // Edit: the password field is write-only, empty with a hint that leaving it keeps the stored one.
    await row.getByRole('button', { name: `Edit ${name}` }).click();
    const edit = page.getByRole('dialog', { name: `Edit ${name}` });
    await expect(edit.getByRole('textbox', { name: 'Name', exact: true })).toHaveValue(name);
    const editPassword = edit.getByLabel('Password or token');
    await expect(editPassword).toHaveValue('');
    await expect(editPassword).toHaveAttribute(
      'placeholder',
      'Stored in the keychain — leave empty to keep',
    );
    await editPassword.fill(wrongPassword);
    await edit.getByRole('button', { name: 'Save changes' }).click();
    await expect(edit).toBeHidden();
    // New credentials make the earlier answer stale.
    await expect(row.getByTestId('customer-test-state')).toHaveText('Not tested yet');

    await row.getByRole('button', { name: `Test connection to ${name}` }).click();
    await expect(row.getByTestId('customer-step-reachable')).toHaveAttribute('data-state', 'ok');
    await expect(row.getByTestId('customer-step-authenticated')).toHaveAttribute(
      'data-state',
      'failed',
    );
    await expect(row.getByTestId('customer-step-canPush')).toHaveAttribute('data-state', 'skipped');
    const problem = row.getByTestId('customer-test-problem');
    await expect(problem).toContainText('The connection test stopped at “Authenticated”');
    await expect(problem.getByTestId('error-message')).toContainText('refused');
    await expect(problem.getByTestId('error-remedy')).toContainText('What to do:');
    const html = await page.content();
    expect(html).not.toContain(wrongPassword);
    expect(html).not.toContain(password);
    expect(JSON.stringify(await engineCall(page, 'customers.list', {}))).not.toContain(password);
    await attachScreenshot(page, testInfo, 'customers-wrong-password.png');

    // The verification kit needs a key to trust; the refusal says so, then it is written.
    await row.getByRole('button', { name: `More actions for ${name}` }).click();
    await page.getByRole('menuitem', { name: 'Export verification kit…' }).click();
    const kit = page.getByRole('dialog', { name: `Verification kit for ${name}` });
    await kit.getByLabel('Folder').fill(kitDir);
    await kit.getByRole('button', { name: 'Export kit' }).click();
    await expect(kit.getByTestId('customer-kit-error')).toContainText('no active signing key');
    await expect(kit.getByTestId('customer-kit-error').getByTestId('error-remedy')).toBeVisible();
    expect(existsSync(kitDir)).toBe(false);
    await engineCall(page, 'keys.generate', { name: 'release-signing' });
    await kit.getByRole('button', { name: 'Export kit' }).click();
    await expect(kit.getByTestId('customer-kit-done')).toBeVisible();
    await expect(kit.getByTestId('customer-kit-dir')).toHaveText(kitDir);
    const listed = await kit
      .getByTestId('customer-kit-files')
      .getByRole('listitem')
      .allTextContents();
    expect(listed.length).toBeGreaterThan(1);
    const onDisk = await readdir(kitDir, { recursive: true });
    for (const file of listed) expect(onDisk).toContain(file);
    await attachScreenshot(page, testInfo, 'customers-kit.png', { fullPage: false });
    await kit.getByRole('button', { name: 'Close', exact: true }).click();
    await expect(kit).toBeHidden();

    // Removing asks first, then forgets the customer.
    await row.getByRole('button', { name: `More actions for ${name}` }).click();
    await page.getByRole('menuitem', { name: 'Remove…' }).click();
    const confirm = page.getByRole('dialog', { name: `Remove ${name}?` });
    await confirm.getByRole('button', { name: 'Remove customer' }).click();
    await expect(confirm).toBeHidden();
    await expect(row).toHaveCount(0);
    await expect(page.getByTestId('customers-empty')).toBeVisible();
    expect(await engineCall(page, 'customers.list', {})).toEqual([]);
  });
});
