import type { Page } from '@playwright/test';
import { randomBytes } from 'node:crypto';
import { gzipSync, constants } from 'node:zlib';
import { pack } from 'tar-stream';
import type { TestEnv } from '../tests/support/test-env';
import { expect, test } from './support/preview';
import { PlainRegistry } from './support/registry';
import { attachScreenshot } from './support/screenshots';
import { registryTestEnv } from './support/test-env';

/**
 * A gzip tar layer of `files` files of 1 KiB random bytes each: many entries make the scan take
 * long enough to watch and to cancel, at about 1.5 KiB a file.
 */
async function layerOfManyFiles(layer: number, files: number): Promise<Buffer> {
  const archive = pack();
  const chunks: Buffer[] = [];
  archive.on('data', (chunk) => chunks.push(chunk as Buffer));
  const ended = new Promise<void>((done) => archive.on('end', () => done()));
  const data = randomBytes(files * 1024);
  for (let i = 0; i < files; i++) {
    archive.entry(
      { name: `data/${layer}/${Math.floor(i / 1000)}/f${i}.bin`, mode: 0o644 },
      data.subarray(i * 1024, (i + 1) * 1024),
    );
  }
  archive.finalize();
  await ended;
  return gzipSync(Buffer.concat(chunks), { level: constants.Z_BEST_SPEED });
}

test.describe('Scan progress', () => {
  let env: TestEnv;
  let ref: string;
  const layerCount = 3;

  test.beforeAll(async () => {
    test.setTimeout(180_000);
    env = registryTestEnv();
    // About 180 MB and 120,000 files in three layers, so a scan runs long enough to cancel.
    const registry = new PlainRegistry(env.registryPlain);
    const repository = `consign-e2e/scan-progress-${Date.now().toString(36)}`;
    const layers = [];
    for (let i = 0; i < layerCount; i++) {
      const bytes = await layerOfManyFiles(i, 40_000);
      layers.push(
        await registry.pushBlob(repository, bytes, 'application/vnd.oci.image.layer.v1.tar+gzip'),
      );
    }
    const config = await registry.pushBlob(
      repository,
      Buffer.from(
        JSON.stringify({
          os: 'linux',
          architecture: 'amd64',
          config: { User: '1000' },
          rootfs: { type: 'layers', diff_ids: [] },
        }),
      ),
      'application/vnd.oci.image.config.v1+json',
    );
    await registry.pushManifest(repository, 'v1', {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config,
      layers,
    });
    ref = `docker://${env.registryPlain}/${repository}:v1`;
  });

  const openScan = async (page: Page, url: string) => {
    await page.goto(url);
    await page.getByTestId('nav-images').click();
    const input = page.getByRole('textbox', { name: 'Inspect a reference' });
    await input.fill(ref);
    await input.press('Enter');
    const inspector = page.getByRole('dialog', { name: 'Image details' });
    await expect(inspector.getByTestId('inspector-result')).toBeVisible();
    await inspector.getByTestId('inspector-scan').click();
    return page.getByRole('dialog', { name: 'Scan report' });
  };

  test('shows each layer’s progress, and Cancel stops the scan with nothing kept', async ({
    page,
    preview,
  }, info) => {
    test.setTimeout(180_000);
    const report = await openScan(page, preview.url);
    const running = report.getByTestId('scan-running');
    await expect(running).toBeVisible();
    const layers = running.getByTestId('scan-progress-layer');
    // One bar per layer as soon as the manifest is read, and one for all of them.
    await layers.nth(layerCount - 1).waitFor();
    await expect(running.getByTestId('scan-progress-overall')).toBeVisible();
    await report.getByTestId('scan-cancel').click();
    await expect(report.getByTestId('scan-cancelled')).toBeVisible({ timeout: 30_000 });
    await expect(report.getByTestId('scan-cancelled')).toContainText('Scan cancelled');
    await expect(running).toHaveCount(0);
    await expect(report.getByTestId('scan-error')).toHaveCount(0);
    await expect(report.getByTestId('scan-result')).toHaveCount(0);
    await attachScreenshot(page, info, 'scan-cancelled.png', { fullPage: false });

    // Nothing was cached: scanning again reads every layer, to the end.
    await report.getByTestId('scan-rescan').click();
    await expect(report.getByTestId('scan-cancelled')).toHaveCount(0);
    await layers.nth(layerCount - 1).waitFor();
    await expect(report.getByTestId('scan-result')).toBeVisible({ timeout: 150_000 });
    await expect(running).toHaveCount(0);
    await expect(report.getByTestId('scan-layers')).toHaveText(String(layerCount));
  });
});
