import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from './support/preview';
import { openReleaseDesk, plainCustomer } from './support/release-desk';
import { attachScreenshot } from './support/screenshots';
import { useScratch } from './support/scratch';
import { engineCall } from './support/test-env';

test.describe('Delivery bundles', () => {
  const scratch = useScratch('consign-e2e-bundles-');

  test('exports a signed bundle and delivers it from the file to a customer', async ({
    page,
    preview,
  }, testInfo) => {
    test.setTimeout(240_000);
    const { env, folder } = scratch;
    const unique = randomBytes(4).toString('hex');
    const source = `docker://${env.registryPlain}/consign-e2e/lantern-${unique}:3.1.0`;
    await openReleaseDesk(page, preview, env, { keyName: 'offline-desk', source });
    await engineCall(
      page,
      'customers.save',
      plainCustomer(env, 'Initech', `initech-${unique}`, ['lantern']),
    );
    await page.getByTestId('nav-deliveries').click();

    // Export: the form says what is missing, then writes the file and shows its digest.
    await page.getByTestId('bundle-export-open').click();
    const exporting = page.getByRole('dialog', { name: 'Export a delivery bundle' });
    await exporting.getByTestId('bundle-export-submit').click();
    await expect(exporting.getByText('Name the release.')).toBeVisible();
    await expect(exporting.getByText('Add at least one image.')).toBeVisible();
    await expect(exporting.getByText('Give the path of the file to write.')).toBeVisible();
    const out = join(folder, `lantern-${unique}.tar`);
    await exporting.getByTestId('bundle-export-release').fill('lantern@3.1.0');
    await exporting.getByTestId('bundle-export-images').fill(source);
    await exporting.getByTestId('bundle-export-out').fill(out);
    await expect(exporting.getByTestId('bundle-export-key')).toHaveValue(/^offline-desk · /);
    await exporting.getByTestId('bundle-export-submit').click();
    await expect(exporting.getByTestId('bundle-export-done')).toBeVisible({ timeout: 120_000 });
    await expect(exporting.getByTestId('bundle-export-path')).toHaveText(out);
    await expect(exporting.getByTestId('bundle-export-digest')).toHaveAttribute(
      'data-digest',
      /^sha256:[a-f0-9]{64}$/,
    );
    expect(existsSync(out)).toBe(true);
    await attachScreenshot(page, testInfo, 'bundle-exported.png', { fullPage: false });
    await exporting.getByTestId('bundle-export-close').click();

    // Import: the same file, to the customer; each image arrives signed and verified.
    await page.getByTestId('bundle-import-open').click();
    const importing = page.getByRole('dialog', { name: 'Deliver from a bundle' });
    await importing.getByTestId('bundle-import-path').fill(join(folder, 'missing.tar'));
    const customers = importing.getByTestId('bundle-import-customers-input');
    await customers.click();
    await page.getByRole('option', { name: 'Initech' }).click();
    await customers.press('Escape');
    await importing.getByTestId('bundle-import-submit').click();
    await expect(importing.getByTestId('bundle-import-error')).toContainText('is not a file');

    await importing.getByTestId('bundle-import-path').fill(out);
    await importing.getByTestId('bundle-import-submit').click();
    const done = importing.getByTestId('bundle-import-done');
    await expect(done).toBeVisible({ timeout: 120_000 });
    await expect(done).toContainText('lantern@3.1.0');
    const row = done.getByTestId('bundle-import-customers').locator('tbody tr');
    await expect(row).toHaveCount(1);
    await expect(row).toContainText(
      `${env.registryPlain}/initech-${unique}/lantern-${unique}:3.1.0`,
    );
    await expect(row.getByTestId('delivery-customer-status')).toHaveAttribute(
      'data-status',
      'delivered',
    );
    await attachScreenshot(page, testInfo, 'bundle-imported.png', { fullPage: false });
    await importing.getByTestId('bundle-import-close').click();
    await expect(page.getByTestId('delivery-row').first()).toContainText('lantern@3.1.0');
  });
});
