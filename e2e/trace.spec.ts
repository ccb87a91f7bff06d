import type { Page } from '@playwright/test';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openDatabase } from '../electron/core/db';
import { expect, test } from './support/preview';
import { attachScreenshot } from './support/screenshots';
import { useScratch } from './support/scratch';
import { engineCall } from './support/test-env';

const DIGEST = `sha256:${'4e'.repeat(32)}`;
const FINGERPRINT = '9f'.repeat(32);
const CVE = 'CVE-2099-7101';

/**
 * A finished delivery of demo@1.0.0 to Acme and Bolt, written as the delivery engine writes its
 * rows, with the scan inventory trace reads: a glibc package and a finding on it.
 */
function seedDelivery(home: string) {
  const db = openDatabase(join(home, 'consign.db'));
  try {
    const at = new Date().toISOString();
    db.prepare(
      `INSERT INTO deliveries (id, product, version, origin, status, key_fingerprint, public_key,
         policy, gate, created_at, updated_at, finished_at)
       VALUES ('e2e-trace-1', 'demo', '1.0.0', 'deliver', 'delivered', ?, 'PEM', '{}', 'pass', ?, ?, ?)`,
    ).run(FINGERPRINT, at, at, at);
    db.prepare(
      `INSERT INTO delivery_images (delivery_id, position, source, name, tag, digest, verdict)
       VALUES ('e2e-trace-1', 0, 'docker://registry.example/src/app:1.0.0', 'app', '1.0.0', ?, 'pass')`,
    ).run(DIGEST);
    const purl = 'pkg:deb/debian/libc6@2.36-9%2Bdeb12u7?arch=amd64&distro=debian-12';
    db.prepare(
      `INSERT INTO delivery_packages (delivery_id, position, purl) VALUES ('e2e-trace-1', 0, ?)`,
    ).run(purl);
    for (const id of [CVE, 'CONSIGN-E2E-TRACE-1']) {
      db.prepare(
        `INSERT INTO delivery_vulnerabilities (delivery_id, position, vuln_id, purl)
         VALUES ('e2e-trace-1', 0, ?, ?)`,
      ).run(id, purl);
    }
    ['Acme', 'Bolt'].forEach((name, position) => {
      db.prepare(
        `INSERT INTO delivery_customers (delivery_id, customer_id, customer_name, position, status)
         VALUES ('e2e-trace-1', ?, ?, ?, 'delivered')`,
      ).run(`c-${name}`, name, position);
      db.prepare(
        `INSERT INTO delivery_targets (delivery_id, customer_id, position, ref, digest, status,
           signed, verified, updated_at)
         VALUES ('e2e-trace-1', ?, 0, ?, ?, 'delivered', 1, 1, ?)`,
      ).run(`c-${name}`, `docker://registry.example/${name.toLowerCase()}/app:1.0.0`, DIGEST, at);
    });
  } finally {
    db.close();
  }
}

/** The dialog's answer: one row per customer and image. */
async function expectAcmeAndBolt(page: Page) {
  const dialog = page.getByRole('dialog', { name: 'Who received this?' });
  const rows = dialog.getByTestId('trace-row');
  await expect(rows).toHaveCount(2);
  await expect(rows.getByTestId('trace-customer-link')).toHaveText(['Acme', 'Bolt']);
  await expect(rows.getByTestId('trace-delivery-link')).toHaveText(['demo@1.0.0', 'demo@1.0.0']);
  await expect(dialog.getByTestId('trace-summary')).toHaveText(
    '2 delivered images matched. Received by: Acme, Bolt.',
  );
  return dialog;
}

test.describe('Trace', () => {
  const scratch = useScratch('consign-e2e-trace-');

  test('traces from the Audit page and leads to the delivery and the customers', async ({
    page,
    preview,
  }, info) => {
    seedDelivery(preview.home);
    await page.goto(preview.url);
    await page.getByTestId('nav-audit').click();
    await page.getByTestId('audit-trace').click();
    const dialog = page.getByRole('dialog', { name: 'Who received this?' });
    const query = dialog.getByLabel('Digest, vulnerability or package');
    await expect(query).toHaveValue('');

    // A malformed query says what would be understood.
    await query.fill('sha256:1234');
    await dialog.getByRole('button', { name: 'Trace', exact: true }).click();
    await expect(dialog.getByTestId('trace-error')).toContainText('pkg:deb/debian/openssl');

    // A package URL without a version matches the delivered libc6.
    await query.fill('pkg:deb/debian/libc6');
    await query.press('Enter');
    await expectAcmeAndBolt(page);
    await expect(dialog.getByTestId('trace-row').first()).toContainText('libc6@2.36-9');
    await attachScreenshot(page, info, 'trace-dialog.png', { fullPage: false });

    // The answer is the engine's.
    const answer = await engineCall(page, 'trace.query', { query: DIGEST });
    expect(answer.deliveries.map((hit) => hit.customer).sort()).toEqual(['Acme', 'Bolt']);

    // Nothing delivered: said plainly.
    await query.fill(`sha256:${'0'.repeat(64)}`);
    await query.press('Enter');
    await expect(dialog.getByTestId('trace-none')).toContainText(
      `No delivery contained sha256:${'0'.repeat(64)}.`,
    );

    // A customer leads to the Customers page, a release to its delivery.
    await query.fill(DIGEST);
    await query.press('Enter');
    await expectAcmeAndBolt(page);
    await dialog.getByRole('button', { name: 'Show customer Bolt in Customers' }).click();
    await expect(dialog).toBeHidden();
    await expect(page.getByRole('heading', { level: 1, name: 'Customers' })).toBeVisible();

    await page.getByTestId('nav-audit').click();
    await page.getByTestId('audit-trace').click();
    await query.fill(DIGEST);
    await query.press('Enter');
    await expectAcmeAndBolt(page);
    await dialog
      .getByRole('button', { name: 'Show delivery demo@1.0.0 in Deliveries' })
      .first()
      .click();
    await expect(page.getByRole('heading', { level: 1, name: 'Deliveries' })).toBeVisible();
    await expect(
      page.locator('[data-testid="delivery-row"][data-delivery-id="e2e-trace-1"]'),
    ).toHaveAttribute('aria-selected', 'true');
  });

  test('asks "who received this?" from a vulnerability of a scan report', async ({
    page,
    preview,
  }, info) => {
    const { env, folder } = scratch;
    test.skip(
      !env.debianImage,
      'the test environment has no Debian image (CONSIGN_TEST_DEBIAN_IMAGE): debootstrap could not build one here',
    );
    test.setTimeout(180_000);
    const image = env.debianImage!;
    seedDelivery(preview.home);
    // A test advisory on the image's glibc, fixed in no version.
    await writeFile(
      join(folder, 'CONSIGN-E2E-TRACE-1.json'),
      JSON.stringify({
        id: 'CONSIGN-E2E-TRACE-1',
        modified: new Date().toISOString(),
        aliases: [CVE],
        summary: 'Test advisory: glibc, for trace',
        affected: [
          {
            package: { ecosystem: 'Debian:12', name: 'glibc' },
            ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }] }],
          },
        ],
      }),
    );

    await page.goto(preview.url);
    await engineCall(page, 'vulndb.import', { path: join(folder, 'CONSIGN-E2E-TRACE-1.json') });
    await page.getByTestId('images-filter').fill(image);
    const row = page.locator(`[data-testid="image-row"][data-ref="${image}"]`);
    await row.getByRole('button', { name: `Scan ${image}` }).click();
    const report = page.getByRole('dialog', { name: 'Scan report' });
    await expect(report.getByTestId('scan-result')).toBeVisible({ timeout: 120_000 });
    const libc = report.locator(
      `[data-testid="vulnerability-row"][data-id="${CVE}"][data-package="libc6"]`,
    );
    await libc.getByRole('button', { name: `Who received ${CVE}?` }).click();

    const dialog = await expectAcmeAndBolt(page);
    await expect(dialog.getByLabel('Digest, vulnerability or package')).toHaveValue(CVE);
    await expect(dialog.getByTestId('trace-result')).toHaveAttribute('data-kind', 'vulnerability');
    await attachScreenshot(page, info, 'trace-from-scan.png', { fullPage: false });
  });
});
