import type { Page } from '@playwright/test';
import { randomBytes } from 'node:crypto';
import type { TestEnv } from '../tests/support/test-env';
import { expect, test } from './support/preview';
import { attachScreenshot } from './support/screenshots';
import { engineCall, registryTestEnv } from './support/test-env';

const SBOM = 'https://cyclonedx.org/bom';
const VULN = 'https://cosign.sigstore.dev/attestation/vuln/v1';

/** Opens the scan report of `ref` from the inspector and waits for its result. */
async function scanFromInspector(page: Page, ref: string) {
  await page.getByTestId('nav-images').click();
  const input = page.getByRole('textbox', { name: 'Inspect a reference' });
  await input.fill(ref);
  await input.press('Enter');
  const inspector = page.getByRole('dialog', { name: 'Image details' });
  await expect(inspector.getByTestId('inspector-result')).toBeVisible({ timeout: 60_000 });
  await inspector.getByTestId('inspector-scan').click();
  const report = page.getByRole('dialog', { name: 'Scan report' });
  await expect(report.getByTestId('scan-ref')).toHaveText(ref);
  await expect(report.getByTestId('scan-result')).toBeVisible({ timeout: 120_000 });
  return report;
}

test.describe('Attesting scan results', () => {
  let env: TestEnv;

  test.beforeAll(() => {
    env = registryTestEnv();
  });

  test('attests a registry image’s SBOM and vulnerability report from the scan report', async ({
    page,
    preview,
  }, info) => {
    test.setTimeout(180_000);
    await page.goto(preview.url);
    const key = await engineCall(page, 'keys.generate', { name: 'release-attest' });
    const ref = `docker://${env.registryPlain}/consign-e2e/attest-${randomBytes(4).toString('hex')}:v1`;
    const copied = await engineCall(page, 'images.copy', {
      source: `docker-daemon:${env.baseImage}`,
      destinations: [ref],
    });

    const report = await scanFromInspector(page, ref);
    await expect(report.getByTestId('scan-scanned-at')).toHaveAttribute('data-cached', 'false');
    await expect(report.getByTestId('scan-attest')).toBeEnabled();
    await report.getByTestId('scan-attest').click();

    const dialog = page.getByRole('dialog', { name: 'Attest scan results' });
    await expect(dialog.getByTestId('attest-reference')).toHaveValue(ref);
    // The only active key is chosen already.
    await expect(dialog.getByTestId('attest-key')).toHaveValue(/^release-attest · /);
    await dialog.getByTestId('attest-submit').click();
    const done = dialog.getByTestId('attest-done');
    await expect(done).toBeVisible({ timeout: 60_000 });
    await expect(done.getByTestId('attest-digest')).toHaveAttribute('data-digest', copied.digest);
    const results = done.getByTestId('attest-result');
    await expect(results).toHaveCount(2);
    await expect(results.nth(0)).toHaveAttribute('data-predicate-type', SBOM);
    await expect(results.nth(0)).toContainText('CycloneDX SBOM');
    await expect(results.nth(1)).toHaveAttribute('data-predicate-type', VULN);
    await expect(results.nth(1)).toContainText('Vulnerability report');
    for (const i of [0, 1]) {
      await expect(results.nth(i)).toHaveAttribute('data-created', 'true');
      await expect(results.nth(i)).toContainText('Attached');
    }
    await attachScreenshot(page, info, 'scan-attest-done.png', { fullPage: false });

    // The engine sees both, valid, by that key.
    const found = await engineCall(page, 'images.signatures', { ref });
    const attestations = found.signatures.filter((s) => s.predicateType !== undefined);
    for (const type of [SBOM, VULN]) {
      expect(attestations).toContainEqual(
        expect.objectContaining({ predicateType: type, valid: true, keyId: key.id }),
      );
    }
    await dialog.getByTestId('attest-close').click();
    await expect(dialog).toBeHidden();

    // Scanned again: from the cache, and attesting again adds nothing.
    await report.getByTestId('scan-rescan').click();
    await expect(report.getByTestId('scan-scanned-at')).toHaveAttribute('data-cached', 'true');
    await expect(report.getByTestId('scan-scanned-at')).toContainText('From cache, scanned');
    await report.getByTestId('scan-attest').click();
    await dialog.getByTestId('attest-submit').click();
    await expect(dialog.getByTestId('attest-done')).toBeVisible({ timeout: 60_000 });
    for (const i of [0, 1]) {
      await expect(dialog.getByTestId('attest-result').nth(i)).toHaveAttribute(
        'data-created',
        'false',
      );
      await expect(dialog.getByTestId('attest-result').nth(i)).toContainText('Already attached');
    }
    const after = await engineCall(page, 'images.signatures', { ref });
    expect(after.signatures.filter((s) => s.predicateType !== undefined)).toHaveLength(
      attestations.length,
    );
  });

  test('explains why an image in the Docker engine cannot be attested', async ({
    page,
    preview,
  }, info) => {
    test.setTimeout(120_000);
    await page.goto(preview.url);
    const report = await scanFromInspector(page, `docker-daemon:${env.baseImage}`);
    await expect(report.getByTestId('scan-attest')).toBeDisabled();
    await report.getByTestId('scan-attest-wrapper').hover();
    await expect(page.getByRole('tooltip')).toContainText(
      'Copy the image to a registry first, then scan and attest it there.',
    );
    await attachScreenshot(page, info, 'scan-attest-local.png', { fullPage: false });
  });
});
