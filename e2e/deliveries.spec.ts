import type { Locator } from '@playwright/test';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loginArgs } from '../tests/support/cli-args';
import type { TestEnv } from '../tests/support/test-env';
import { jsonOf, previewCli } from './support/consign-cli';
import { expect, test } from './support/preview';
import { openReleaseDesk, plainCustomer, tlsCustomer } from './support/release-desk';
import { attachScreenshot } from './support/screenshots';
import { engineCall, registryTestEnv } from './support/test-env';

interface Inspected {
  digest: string;
}

interface Verified {
  verified: boolean;
  digest: string;
}

/** A delivered image (a target, or the customer's part holding one): verified, with `digest`. */
async function expectVerifiedTarget(scope: Locator, digest: string) {
  await expect(scope.getByTestId('delivery-target-verified')).toHaveAttribute('data-value', 'true');
  await expect(scope.getByTestId('delivery-target-digest')).toHaveAttribute('data-digest', digest);
}

test.describe('Deliveries', () => {
  let env: TestEnv;

  test.beforeAll(() => {
    env = registryTestEnv();
  });

  test('delivers a release to two customers with live progress, verification and its record', async ({
    page,
    preview,
  }, testInfo) => {
    // A scan, two registry pushes with signatures, verification there, and CLI checks afterwards.
    test.setTimeout(300_000);
    const unique = randomBytes(4).toString('hex');
    const name = `orbit-api-${unique}`;
    const source = `docker://${env.registryPlain}/consign-e2e/${name}:2.4.0`;
    const release = 'orbit@2.4.0';

    const { key, copied } = await openReleaseDesk(page, preview, env, {
      keyName: 'release-desk',
      source,
    });
    await engineCall(
      page,
      'customers.save',
      plainCustomer(env, 'Acme', `acme-${unique}`, ['orbit']),
    );
    await engineCall(page, 'customers.save', {
      ...tlsCustomer(env, 'Globex', `globex-${unique}`, ['orbit', 'lantern']),
      password: env.registryTlsPassword,
    });
    const acmeRef = `docker://${env.registryPlain}/acme-${unique}/${name}:2.4.0`;
    const globexRef = `docker://${env.registryTls}/globex-${unique}/${name}:2.4.0`;

    await page.getByTestId('nav-deliveries').click();
    await expect(page.getByRole('heading', { name: 'Deliveries', level: 1 })).toBeVisible();
    await expect(page.getByTestId('deliveries-empty')).toBeVisible();
    await attachScreenshot(page, testInfo, 'deliveries-empty.png');

    // Step 1: the form explains what is missing before anything is sent.
    await page.getByTestId('deliveries-new').click();
    const dialog = page.getByRole('dialog', { name: 'New delivery' });
    const body = dialog.getByTestId('delivery-flow-body');
    await expect(body).toHaveAttribute('data-step', 'form');
    await dialog.getByTestId('delivery-plan').click();
    await expect(dialog.getByText('Enter the release as NAME@VERSION.')).toBeVisible();
    await expect(dialog.getByText('Enter at least one image reference.')).toBeVisible();
    await expect(dialog.getByText('Choose at least one customer.')).toBeVisible();

    await dialog.getByTestId('delivery-release').fill(release);
    await dialog.getByTestId('delivery-images-input').fill(source);
    const customers = dialog.getByTestId('delivery-customers');
    await customers.click();
    for (const customer of ['Acme', 'Globex']) {
      const option = page.getByRole('option', { name: new RegExp(`^${customer}`) });
      await expect(option).toContainText('Entitled');
      await option.click();
    }
    await customers.press('Escape');
    // The only active key is chosen already.
    await expect(dialog.getByTestId('delivery-key')).toHaveValue(/^release-desk · /);
    await attachScreenshot(page, testInfo, 'deliveries-form.png', { fullPage: false });

    // Step 2: the plan shows the scan verdict, the gate and where each image goes.
    await dialog.getByTestId('delivery-plan').click();
    await expect(body).toHaveAttribute('data-step', 'plan', { timeout: 120_000 });
    const plan = dialog.getByTestId('delivery-plan-view');
    await expect(plan).toHaveAttribute('data-gate', 'pass');
    await expect(plan.getByTestId('delivery-gate')).toHaveText('Gate: pass');
    const planned = plan.getByTestId('delivery-image');
    await expect(planned).toHaveCount(1);
    await expect(planned).toHaveAttribute('data-verdict', 'pass');
    await expect(planned.getByTestId('delivery-scan-summary')).toBeVisible();
    for (const [customer, ref] of [
      ['Acme', acmeRef],
      ['Globex', globexRef],
    ] as const) {
      const row = plan.locator(
        `[data-testid="delivery-plan-customer"][data-customer="${customer}"]`,
      );
      await expect(row).toHaveAttribute('data-entitled', 'true');
      await expect(row.getByTestId('delivery-plan-ref')).toHaveText(ref);
    }
    await expect(dialog.getByTestId('delivery-start')).toBeEnabled();
    await attachScreenshot(page, testInfo, 'deliveries-plan.png', { fullPage: false });

    // Step 3: live progress per customer, then step 4: the outcome with verification.
    await dialog.getByTestId('delivery-start').click();
    await expect(body).toHaveAttribute('data-step', /^(run|done)$/);
    if ((await body.getAttribute('data-step')) === 'run') {
      await attachScreenshot(page, testInfo, 'deliveries-running.png', { fullPage: false });
    }
    await expect(body).toHaveAttribute('data-step', 'done', { timeout: 180_000 });
    const done = dialog.getByTestId('delivery-done');
    await expect(done).toHaveAttribute('data-status', 'delivered');
    await expect(done.getByTestId('delivery-all-verified')).toBeVisible();
    for (const [customer, ref] of [
      ['Acme', acmeRef],
      ['Globex', globexRef],
    ] as const) {
      const part = done.locator(`[data-testid="delivery-customer"][data-customer="${customer}"]`);
      await expect(part).toHaveAttribute('data-status', 'delivered');
      const target = part.getByTestId('delivery-target');
      await expect(target).toHaveAttribute('data-ref', ref);
      await expect(target).toHaveAttribute('data-status', 'delivered');
      await expect(target.getByTestId('delivery-target-signed')).toHaveAttribute(
        'data-value',
        'true',
      );
      await expectVerifiedTarget(target, copied.digest);
      await expect(target.getByTestId('delivery-target-record')).not.toBeEmpty();
    }
    await attachScreenshot(page, testInfo, 'deliveries-done.png', { fullPage: false });

    // The detail, opened from the outcome, holds the same.
    await dialog.getByTestId('delivery-show').click();
    await expect(dialog).toBeHidden();
    const drawer = page.getByRole('dialog', { name: `Delivery ${release}` });
    const detail = drawer.getByTestId('delivery-detail');
    await expect(detail).toHaveAttribute('data-status', 'delivered');
    await expect(drawer.getByTestId('delivery-resume')).toHaveCount(0);
    await expect(drawer.getByTestId('delivery-target')).toHaveCount(2);
    await expect(drawer.getByTestId('delivery-image-verdict')).toHaveAttribute(
      'data-verdict',
      'pass',
    );
    await attachScreenshot(page, testInfo, 'deliveries-detail.png', { fullPage: false });

    // The signed records, written out for an auditor with the key that checks them.
    const recordsDir = testInfo.outputPath('records');
    await drawer.getByTestId('delivery-save-records').click();
    const records = page.getByRole('dialog', { name: `Delivery records of ${release}` });
    await records.getByLabel('Folder').fill(recordsDir);
    await records.getByRole('button', { name: 'Save records' }).click();
    await expect(records.getByTestId('delivery-records-dir')).toHaveText(recordsDir);
    const written = await records
      .getByTestId('delivery-records-files')
      .getByRole('listitem')
      .allTextContents();
    expect(written.sort()).toEqual([
      'Acme/orbit-api-' + unique + '-2.4.0.sigstore.json',
      'Acme/orbit-api-' + unique + '-2.4.0.statement.json',
      'Globex/orbit-api-' + unique + '-2.4.0.sigstore.json',
      'Globex/orbit-api-' + unique + '-2.4.0.statement.json',
      'README.txt',
      'signer.pub',
    ]);
    const statement = JSON.parse(
      readFileSync(join(recordsDir, `Acme/${name}-2.4.0.statement.json`), 'utf8'),
    ) as { subject: { digest: { sha256: string } }[]; predicate: { customer: { name: string } } };
    expect(`sha256:${statement.subject[0]!.digest.sha256}`).toBe(copied.digest);
    expect(statement.predicate.customer.name).toBe('Acme');
    await attachScreenshot(page, testInfo, 'deliveries-records.png', { fullPage: false });
    await records.getByTestId('delivery-records-close').click();
    await expect(records).toBeHidden();

    await drawer.getByRole('button', { name: 'Close dialog' }).click();
    await expect(drawer).toBeHidden();

    // The list: one delivery, delivered to both.
    const row = page.getByTestId('delivery-row');
    await expect(row).toHaveCount(1);
    await expect(row).toHaveAttribute('data-status', 'delivered');
    await expect(row).toHaveAttribute('data-release', release);
    await expect(row.getByTestId('delivery-customer-chip')).toHaveCount(2);
    for (const chip of await row.getByTestId('delivery-customer-chip').all()) {
      await expect(chip).toHaveAttribute('data-status', 'delivered');
    }
    await expect(row.getByTestId('delivery-images')).toHaveText('1');
    await attachScreenshot(page, testInfo, 'deliveries-list.png');

    // What the customers' registries hold, as the command sees it: the image, signed by our key.
    const cli = previewCli(preview);
    jsonOf(
      await cli(
        loginArgs({ registry: env.registryTls, username: env.registryTlsUser, caFile: env.caFile }),
        env.registryTlsPassword,
      ),
    );
    for (const ref of [acmeRef, globexRef]) {
      const inspected = jsonOf<Inspected>(await cli(['inspect', ref, '--json']));
      expect(inspected.digest).toBe(copied.digest);
      const verified = jsonOf<Verified>(await cli(['verify', ref, '--key', key.id, '--json']));
      expect(verified).toMatchObject({ verified: true, digest: copied.digest });
    }
  });

  test('refuses an unentitled customer, and retries a failed one alone once its password is fixed', async ({
    page,
    preview,
  }, testInfo) => {
    test.setTimeout(300_000);
    const unique = randomBytes(4).toString('hex');
    const name = `lantern-ui-${unique}`;
    const source = `docker://${env.registryPlain}/consign-e2e/${name}:1.0.0`;
    const release = 'lantern@1.0.0';

    const { copied } = await openReleaseDesk(page, preview, env, {
      keyName: 'release-desk',
      source,
    });
    await engineCall(
      page,
      'customers.save',
      plainCustomer(env, 'Acme', `acme-${unique}`, ['lantern']),
    );
    const globex = tlsCustomer(env, 'Globex', `globex-${unique}`, ['lantern']);
    const saved = await engineCall(page, 'customers.save', {
      ...globex,
      password: `${env.registryTlsPassword}-wrong`,
    });
    await engineCall(
      page,
      'customers.save',
      plainCustomer(env, 'Initech', `initech-${unique}`, ['orbit']),
    );

    await page.getByTestId('nav-deliveries').click();
    await page.getByTestId('deliveries-new').click();
    const dialog = page.getByRole('dialog', { name: 'New delivery' });
    const body = dialog.getByTestId('delivery-flow-body');
    await dialog.getByTestId('delivery-release').fill(release);
    await dialog.getByTestId('delivery-images-input').fill(source);
    const customers = dialog.getByTestId('delivery-customers');
    await customers.click();
    await expect(page.getByRole('option', { name: /^Initech/ })).toContainText('Not entitled');
    for (const customer of ['Acme', 'Globex', 'Initech']) {
      await page.getByRole('option', { name: new RegExp(`^${customer}`) }).click();
    }
    await customers.press('Escape');
    await expect(dialog.getByTestId('delivery-unentitled')).toContainText(
      'Initech not entitled to lantern',
    );

    await dialog.getByTestId('delivery-plan').click();
    await expect(body).toHaveAttribute('data-step', 'plan', { timeout: 120_000 });
    const refused = dialog.locator(
      '[data-testid="delivery-plan-customer"][data-customer="Initech"]',
    );
    await expect(refused).toHaveAttribute('data-entitled', 'false');
    await expect(refused).toContainText('Refused: not entitled');
    await expect(dialog.getByTestId('delivery-plan-ref')).toHaveCount(2);

    await dialog.getByTestId('delivery-start').click();
    await expect(body).toHaveAttribute('data-step', 'done', { timeout: 180_000 });
    const done = dialog.getByTestId('delivery-done');
    await expect(done).toHaveAttribute('data-status', 'partial');
    const part = (customer: string) =>
      page.locator(`[data-testid="delivery-customer"][data-customer="${customer}"]`);
    await expect(part('Acme')).toHaveAttribute('data-status', 'delivered');
    await expect(part('Globex')).toHaveAttribute('data-status', 'failed');
    await expect(part('Globex').getByTestId('delivery-target-error')).not.toBeEmpty();
    await expect(part('Initech')).toHaveAttribute('data-status', 'refused');
    await attachScreenshot(page, testInfo, 'deliveries-partial.png', { fullPage: false });

    // The detail offers Resume for the delivery and Retry for the failed customer only.
    await dialog.getByTestId('delivery-show').click();
    const drawer = page.getByRole('dialog', { name: `Delivery ${release}` });
    await expect(drawer.getByTestId('delivery-detail')).toHaveAttribute('data-status', 'partial');
    await expect(drawer.getByTestId('delivery-resume')).toBeVisible();
    await expect(drawer.getByTestId('delivery-retry')).toHaveCount(1);
    await expect(part('Globex').getByTestId('delivery-retry')).toBeVisible();
    await attachScreenshot(page, testInfo, 'deliveries-retry.png', { fullPage: false });

    await engineCall(page, 'customers.save', {
      id: saved.id,
      ...globex,
      password: env.registryTlsPassword,
    });
    await drawer.getByRole('button', { name: 'Retry the delivery to Globex' }).click();
    await expect(drawer).toBeHidden();
    await expect(body).toHaveAttribute('data-step', 'done', { timeout: 180_000 });
    await expect(dialog.getByTestId('delivery-run-error')).toHaveCount(0);
    const retried = part('Globex');
    await expect(retried).toHaveAttribute('data-status', 'delivered');
    await expectVerifiedTarget(retried, copied.digest);
    await expect(part('Initech')).toHaveAttribute('data-status', 'refused');
    await attachScreenshot(page, testInfo, 'deliveries-retried.png', { fullPage: false });
    await dialog.getByTestId('delivery-close').click();

    // Nothing reached the customer who is not entitled; one delivery in the list.
    const [delivery] = await engineCall(page, 'deliveries.list', {});
    const detail = await engineCall(page, 'deliveries.get', { id: delivery!.id });
    expect(detail.customers.find((c) => c.name === 'Initech')?.images).toEqual([]);
    await expect(page.getByTestId('delivery-row')).toHaveCount(1);
    await expect(
      page.locator('[data-testid="delivery-customer-chip"][data-customer="Globex"]'),
    ).toHaveAttribute('data-status', 'delivered');
  });
});
