import type { Locator, Page, WebSocketRoute } from '@playwright/test';
import type Docker from 'dockerode';
import { randomBytes } from 'node:crypto';
import type { WireMessage, WireRequest } from '../electron/preview/protocol';
import type { TestEnv } from '../tests/support/test-env';
import { buildTestImage, dockerClient, type BuiltImage } from './support/docker';
import { expect, test } from './support/preview';
import { attachScreenshot } from './support/screenshots';
import { engineCall, registryTestEnv } from './support/test-env';

/** The full digest a digest element stands for (it may show a shortened one). */
async function digestOf(element: Locator): Promise<string> {
  const digest = await element.getAttribute('data-digest');
  expect(digest).toMatch(/^sha256:[a-f0-9]{64}$/);
  return digest!;
}

async function openImages(page: Page, url: string) {
  await page.goto(url);
  await page.getByTestId('nav-images').click();
  await expect(page.getByRole('heading', { level: 1, name: 'Images' })).toBeVisible();
}

/** Passes the page's engine connection through, holding back the answer to `images.copy`. */
function holdCopyResult(route: WebSocketRoute) {
  const server = route.connectToServer();
  const copies = new Set<number>();
  const held: string[] = [];
  let holding = true;
  route.onMessage((raw) => {
    const message = JSON.parse(String(raw)) as WireRequest;
    if (message.channel === 'images.copy') copies.add(message.id);
    server.send(raw);
  });
  server.onMessage((raw) => {
    const message = JSON.parse(String(raw)) as WireMessage;
    if (holding && message.type === 'result' && copies.has(message.id)) {
      held.push(String(raw));
      return;
    }
    route.send(raw);
  });
  return {
    heldCount: () => held.length,
    release() {
      holding = false;
      for (const raw of held.splice(0)) route.send(raw);
    },
  };
}

test.describe('Inspect and copy', () => {
  let env: TestEnv;
  let docker: Docker;
  let other: BuiltImage | undefined;

  test.beforeAll(() => {
    env = registryTestEnv();
    docker = dockerClient(env.dockerHost);
  });

  test.afterEach(async () => {
    await other?.remove();
    other = undefined;
  });

  test('inspects the base image, copies it to two repositories, and keeps tags immutable', async ({
    page,
    preview,
  }, testInfo) => {
    test.setTimeout(180_000);
    const base = env.baseImage;
    const plain = env.registryPlain;
    const run = `e2e-${randomBytes(4).toString('hex')}`;
    const first = `docker://${plain}/consign-e2e/${run}/first:v1`;
    const second = `docker://${plain}/consign-e2e/${run}/second:v1`;

    await openImages(page, preview.url);

    // The Images row opens the inspector on the local image.
    const row = page.locator(`[data-testid="image-row"][data-ref="${base}"]`);
    await expect(row).toHaveCount(1);
    await row.getByRole('button', { name: `Inspect ${base}` }).click();
    const inspector = page.getByRole('dialog', { name: 'Image details' });
    await expect(inspector.getByTestId('inspector-ref')).toHaveText(`docker-daemon:${base}`);
    const local = await engineCall(page, 'images.inspect', { ref: `docker-daemon:${base}` });
    await expect(inspector.getByTestId('inspector-digest')).toHaveText(local.digest);
    await expect(inspector.getByTestId('inspector-media-type')).toHaveText(local.mediaType);
    const layers = inspector.getByTestId('inspector-layer');
    await expect(layers).toHaveCount(local.layers.length);
    expect(local.layers.length).toBeGreaterThan(0);
    for (const [position, layer] of local.layers.entries()) {
      const shown = layers.nth(position);
      await expect(shown.getByTestId('layer-digest')).toHaveAttribute('data-digest', layer.digest);
      await expect(shown.getByTestId('layer-digest')).toHaveText(layer.digest.slice(0, 19));
      await expect(shown.getByTestId('layer-size')).toHaveAttribute(
        'data-bytes',
        String(layer.size),
      );
    }
    await expect(inspector.getByTestId('inspector-config')).toContainText(local.config!.digest);
    await expect(inspector.getByTestId('inspector-no-signatures')).toContainText(
      'No signatures or referrers found',
    );
    await attachScreenshot(page, testInfo, 'inspector-local.png', { fullPage: false });

    // Copy to two new repositories on the plain registry.
    await inspector.getByRole('button', { name: 'Copy to registries…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Copy to registries' });
    await expect(dialog.getByLabel('Source')).toHaveValue(`docker-daemon:${base}`);
    await expect(dialog.getByLabel('Source')).toHaveAttribute('readonly', '');
    await expect(dialog.getByLabel('Allow moving an existing tag')).not.toBeChecked();

    // A reference without its transport is explained before anything is sent.
    const destination1 = dialog.getByRole('textbox', { name: 'Destination 1' });
    await destination1.fill(`${plain}/consign-e2e/${run}/first:v1`);
    await dialog.getByRole('button', { name: 'Start copy' }).click();
    await expect(dialog).toContainText('Start with docker://');
    await expect(dialog.getByTestId('copy-body')).toHaveAttribute('data-phase', 'editing');

    await destination1.fill(first);
    await dialog.getByRole('button', { name: 'Add destination' }).click();
    await dialog.getByRole('textbox', { name: 'Destination 2' }).fill(second);
    await attachScreenshot(page, testInfo, 'copy-form.png', { fullPage: false });
    await dialog.getByRole('button', { name: 'Start copy' }).click();

    const progress = (ref: string) =>
      dialog.locator(`[data-testid="copy-destination-progress"][data-destination="${ref}"]`);
    for (const ref of [first, second]) {
      await expect(progress(ref)).toHaveAttribute('data-status', 'copied', { timeout: 120_000 });
    }
    await expect(dialog.getByTestId('copy-body')).toHaveAttribute('data-phase', 'finished');
    const digests = new Set<string>();
    for (const ref of [first, second]) {
      const card = progress(ref);
      await expect(card.getByTestId('copy-status')).toHaveText('Copied');
      // The bar is fed by the engine's progress events for this copy's blobs.
      await expect(card.getByTestId('copy-progress')).toHaveAttribute('data-percent', '100');
      await card.getByTestId('copy-blobs-toggle').click();
      const blobs = card.getByTestId('copy-blob');
      await expect(blobs).toHaveCount(local.layers.length + 1);
      await expect(card.locator('[data-testid="copy-blob"][data-state="done"]')).toHaveCount(
        local.layers.length + 1,
      );
      await expect(card.getByTestId('copy-count-uploaded')).toContainText(
        String(local.layers.length + 1),
      );
      digests.add(await digestOf(card.getByTestId('copy-destination-digest')));
    }
    expect(digests.size, 'both destinations hold the same image').toBe(1);
    const [copied] = [...digests];
    await expect(dialog.getByTestId('copy-digest')).toHaveText(copied!);
    await expect(progress(first).getByTestId('copy-blob').last()).toBeInViewport();
    await attachScreenshot(page, testInfo, 'copy-done.png', { fullPage: false });
    await dialog.getByRole('button', { name: 'Close', exact: true }).click();
    await expect(dialog).toBeHidden();
    await inspector.getByRole('button', { name: 'Close dialog' }).click();
    await expect(inspector).toBeHidden();

    // Inspecting the registry copy by reference shows the same digest.
    await page.getByRole('textbox', { name: 'Inspect a reference' }).fill(first);
    await page.getByRole('button', { name: 'Inspect', exact: true }).click();
    await expect(inspector.getByTestId('inspector-ref')).toHaveText(first);
    await expect(inspector.getByTestId('inspector-digest')).toHaveText(copied!);
    await expect(inspector.getByTestId('inspector-layer')).toHaveCount(local.layers.length);
    await expect(inspector.getByTestId('inspector-no-signatures')).toContainText(
      'No signatures or referrers found',
    );
    await attachScreenshot(page, testInfo, 'inspector-registry.png', { fullPage: false });
    await inspector.getByRole('button', { name: 'Close dialog' }).click();

    // A reference that does not exist says so, with what to do.
    await page
      .getByRole('textbox', { name: 'Inspect a reference' })
      .fill(`docker://${plain}/consign-e2e/${run}/missing:v1`);
    await page.getByRole('button', { name: 'Inspect', exact: true }).click();
    const failure = inspector.getByTestId('inspector-error');
    await expect(failure).toBeVisible();
    await expect(failure.getByTestId('error-message')).not.toBeEmpty();
    await attachScreenshot(page, testInfo, 'inspector-error.png', { fullPage: false });
    await inspector.getByRole('button', { name: 'Close dialog' }).click();

    // Another image to the same tag: the tag is not moved.
    other = await buildTestImage(docker, {
      repositoryPrefix: 'consign-e2e/copy',
      payloadBytes: 4_000,
    });
    await page.getByRole('button', { name: 'Refresh' }).click();
    const otherRow = page.locator(`[data-testid="image-row"][data-ref="${other.ref}"]`);
    await expect(otherRow).toHaveCount(1);
    await otherRow.getByRole('button', { name: `Copy ${other.ref} to registries` }).click();
    await expect(dialog.getByLabel('Source')).toHaveValue(`docker-daemon:${other.ref}`);
    await dialog.getByRole('textbox', { name: 'Destination 1' }).fill(first);
    await dialog.getByRole('button', { name: 'Start copy' }).click();
    const conflict = progress(first);
    await expect(conflict).toHaveAttribute('data-status', 'conflict', { timeout: 60_000 });
    await expect(conflict.getByTestId('copy-status')).toHaveText('Tag conflict');
    const problem = conflict.getByTestId('copy-destination-error');
    await expect(problem.getByTestId('error-message')).toContainText(first);
    await expect(problem.getByTestId('error-message')).toContainText(copied!);
    await expect(problem.getByTestId('error-remedy')).toContainText('What to do:');
    await attachScreenshot(page, testInfo, 'copy-conflict.png', { fullPage: false });

    // The registry still serves the first image under that tag.
    const after = await engineCall(page, 'images.inspect', { ref: first });
    expect(after.digest).toBe(copied);
  });

  test('keeps the dialog open while the copy runs, with progress from the engine', async ({
    page,
    preview,
  }, testInfo) => {
    let tap: ReturnType<typeof holdCopyResult> | undefined;
    await page.routeWebSocket(
      (url) => url.pathname === '/rpc',
      (route) => (tap = holdCopyResult(route)),
    );
    const run = `e2e-${randomBytes(4).toString('hex')}`;
    const destination = `docker://${env.registryPlain}/consign-e2e/${run}/held:v1`;
    await openImages(page, preview.url);
    const row = page.locator(`[data-testid="image-row"][data-ref="${env.baseImage}"]`);
    await row.getByRole('button', { name: `Copy ${env.baseImage} to registries` }).click();
    const dialog = page.getByRole('dialog', { name: 'Copy to registries' });
    await dialog.getByRole('textbox', { name: 'Destination 1' }).fill(destination);
    await dialog.getByRole('button', { name: 'Start copy' }).click();

    // The engine has finished, but its answer is held: the dialog is still running.
    await expect.poll(() => tap?.heldCount() ?? 0, { timeout: 60_000 }).toBe(1);
    const body = dialog.getByTestId('copy-body');
    await expect(body).toHaveAttribute('data-phase', 'running');
    const card = dialog.getByTestId('copy-destination-progress');
    await expect(card).toHaveAttribute('data-status', 'running');
    await expect(card.getByTestId('copy-status')).toHaveText('Copying');
    await expect(card.getByTestId('copy-progress')).toHaveAttribute('data-percent', '100');
    await expect(card.getByTestId('copy-progress-text')).toHaveText('2 of 2 blobs uploaded');
    await expect(dialog.getByRole('button', { name: 'Close dialog' })).toHaveCount(0);
    await expect(dialog.getByRole('button', { name: 'Close', exact: true })).toHaveCount(0);
    await page.keyboard.press('Escape');
    await expect(dialog).toBeVisible();
    await card.getByTestId('copy-blobs-toggle').click();
    await expect(card.locator('[data-testid="copy-blob"][data-state="done"]')).toHaveCount(2);
    await expect(card.getByTestId('copy-blob').last()).toBeInViewport();
    await attachScreenshot(page, testInfo, 'copy-running.png', { fullPage: false });

    tap!.release();
    await expect(body).toHaveAttribute('data-phase', 'finished');
    await expect(card).toHaveAttribute('data-status', 'copied');
    await page.keyboard.press('Escape');
    await expect(dialog).toBeHidden();
  });
});
