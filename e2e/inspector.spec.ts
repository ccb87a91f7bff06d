import { randomBytes } from 'node:crypto';
import type { TestEnv } from '../tests/support/test-env';
import { expect, test } from './support/preview';
import { PlainRegistry } from './support/registry';
import { attachScreenshot } from './support/screenshots';
import { registryTestEnv } from './support/test-env';

const BUNDLE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
const SIMPLESIGNING = 'application/vnd.dev.cosign.simplesigning.v1+json';

test.describe('Image inspector', () => {
  let env: TestEnv;

  test.beforeAll(() => {
    env = registryTestEnv();
  });

  test('shows a multi-platform index with its signatures, and copies them along', async ({
    page,
    preview,
  }, testInfo) => {
    test.setTimeout(120_000);
    const registry = new PlainRegistry(env.registryPlain);
    const run = randomBytes(4).toString('hex');
    const repository = `consign-e2e/inspector-${run}`;

    // An index of two platforms, signed both ways: a cosign signature tag and an OCI referrer
    // (through the referrers fallback tag, as distribution 2.8 has no referrers API).
    const amd64 = await registry.pushImage(
      repository,
      { os: 'linux', architecture: 'amd64' },
      3_000,
    );
    const arm64 = await registry.pushImage(
      repository,
      { os: 'linux', architecture: 'arm64', variant: 'v8' },
      5_000,
    );
    const index = await registry.pushManifest(repository, 'v1', {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        { ...amd64.manifest, platform: { os: 'linux', architecture: 'amd64' } },
        { ...arm64.manifest, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
      ],
    });
    const hex = index.digest.slice('sha256:'.length);
    const payload = await registry.pushBlob(
      repository,
      Buffer.from(
        JSON.stringify({
          critical: {
            identity: { 'docker-reference': `${env.registryPlain}/${repository}` },
            image: { 'docker-manifest-digest': index.digest },
            type: 'cosign container image signature',
          },
          optional: null,
        }),
      ),
      SIMPLESIGNING,
    );
    const signatureConfig = await registry.pushBlob(
      repository,
      Buffer.from('{"architecture":"","os":"","rootfs":{"type":"layers","diff_ids":[]}}'),
      'application/vnd.oci.image.config.v1+json',
    );
    const cosign = await registry.pushManifest(repository, `sha256-${hex}.sig`, {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: signatureConfig,
      layers: [
        {
          ...payload,
          annotations: { 'dev.cosignproject.cosign/signature': randomBytes(64).toString('base64') },
        },
      ],
    });
    const empty = await registry.pushBlob(
      repository,
      Buffer.from('{}'),
      'application/vnd.oci.empty.v1+json',
    );
    const bundle = await registry.pushBlob(repository, Buffer.from('{"mediaType":""}'), BUNDLE);
    const referrer = await registry.pushManifest(repository, null, {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      artifactType: BUNDLE,
      config: empty,
      layers: [bundle],
      subject: index,
    });
    await registry.pushManifest(repository, `sha256-${hex}`, {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [{ ...referrer, artifactType: BUNDLE }],
    });

    const source = `docker://${env.registryPlain}/${repository}:v1`;
    await page.goto(preview.url);
    await page.getByTestId('nav-images').click();
    await page.getByRole('textbox', { name: 'Inspect a reference' }).fill(source);
    await page.getByRole('textbox', { name: 'Inspect a reference' }).press('Enter');

    const inspector = page.getByRole('dialog', { name: 'Image details' });
    await expect(inspector.getByTestId('inspector-digest')).toHaveText(index.digest);
    await expect(inspector.getByTestId('inspector-platforms')).toHaveText(
      /linux\/amd64\s*linux\/arm64\/v8/,
    );
    const manifests = inspector.getByTestId('inspector-manifest');
    await expect(manifests).toHaveCount(2);
    await expect(manifests.nth(0)).toContainText('linux/amd64');
    await expect(manifests.nth(1)).toContainText('linux/arm64/v8');
    await expect(inspector.getByTestId('inspector-layer')).toHaveCount(1);

    const signatures = inspector.getByTestId('inspector-signature');
    await expect(signatures).toHaveCount(2);
    const tagged = inspector.locator('[data-testid="inspector-signature"][data-kind="cosign-tag"]');
    await expect(tagged).toContainText('Cosign tag');
    await expect(tagged.locator(`[data-tag="sha256-${hex}.sig"]`)).toHaveText(
      `Tag sha256-${hex.slice(0, 12)}….sig`,
    );
    await expect(tagged.locator(`[data-digest="${cosign.digest}"]`)).toHaveCount(1);
    await expect(tagged.locator(`[data-digest="${index.digest}"]`)).toHaveCount(1);
    const referred = inspector.locator('[data-testid="inspector-signature"][data-kind="referrer"]');
    await expect(referred).toContainText('OCI referrer');
    await expect(referred).toContainText(BUNDLE);
    await expect(referred.locator(`[data-digest="${referrer.digest}"]`)).toHaveCount(1);
    await attachScreenshot(page, testInfo, 'inspector-index.png', { fullPage: false });
    await inspector.getByTestId('inspector-signatures').scrollIntoViewIfNeeded();
    await attachScreenshot(page, testInfo, 'inspector-index-signatures.png', { fullPage: false });

    // The copy takes the whole index and both signatures along.
    const destination = `docker://${env.registryPlain}/consign-e2e/inspector-${run}-copy:v1`;
    await inspector.getByRole('button', { name: 'Copy to registries…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Copy to registries' });
    await dialog.getByRole('textbox', { name: 'Destination 1' }).fill(destination);
    await dialog.getByRole('button', { name: 'Start copy' }).click();
    const card = dialog.getByTestId('copy-destination-progress');
    await expect(card).toHaveAttribute('data-status', 'copied', { timeout: 60_000 });
    await expect(card.getByTestId('copy-destination-digest')).toHaveAttribute(
      'data-digest',
      index.digest,
    );
    await expect(card.getByTestId('copy-count-artifacts')).toContainText('2');
    await attachScreenshot(page, testInfo, 'copy-index.png', { fullPage: false });

    // "Inspect" on the result opens the destination: the same index, signed the same way.
    await card.getByRole('button', { name: 'Inspect' }).click();
    await expect(dialog).toBeHidden();
    await expect(inspector.getByTestId('inspector-ref')).toHaveText(destination);
    await expect(inspector.getByTestId('inspector-digest')).toHaveText(index.digest);
    await expect(inspector.getByTestId('inspector-signature')).toHaveCount(2);
  });
});
