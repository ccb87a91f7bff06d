import type Docker from 'dockerode';
import { buildTestImage, dockerClient, type BuiltImage } from './support/docker';
import { expect, test } from './support/preview';
import { attachScreenshot } from './support/screenshots';

/** The size a person reads for a few kilobytes, in the decimal units the Docker CLI uses. */
function kilobytes(bytes: number): string {
  return `${(bytes / 1000).toFixed(1).replace(/\.0$/, '')} kB`;
}

/** Docker reports creation times in whole seconds through the image list. */
function toWholeSecond(iso: string): string {
  return new Date(Math.floor(Date.parse(iso) / 1000) * 1000).toISOString();
}

test.describe('Images', () => {
  let docker: Docker;
  let image: BuiltImage | undefined;

  test.beforeEach(async () => {
    docker = dockerClient();
    image = await buildTestImage(docker, {
      repositoryPrefix: 'consign-e2e/images',
      payloadBytes: 2_500,
    });
  });

  test.afterEach(async () => {
    await image?.remove();
  });

  test('lists a freshly built image and drops it after it is removed', async ({
    page,
    preview,
  }, testInfo) => {
    const built = image!;
    await page.goto(preview.url);
    await page.getByTestId('nav-images').click();
    await expect(page.getByRole('heading', { level: 1, name: 'Images' })).toBeVisible();
    await expect(page.getByTestId('nav-images')).toHaveAttribute('aria-current', 'page');

    const row = page.locator(`[data-testid="image-row"][data-ref="${built.ref}"]`);
    await expect(row).toHaveCount(1);
    await expect(row.getByTestId('image-repository')).toHaveText(built.repository);
    await expect(row.getByTestId('image-tag')).toHaveText(built.tag);
    await expect(row.getByTestId('image-id')).toHaveText(built.id.slice('sha256:'.length, 19));
    await expect(row.getByTestId('image-id')).toHaveAttribute('data-full-id', built.id);
    await expect(row.getByRole('button', { name: 'Copy full image ID' })).toBeVisible();
    await expect(row.getByTestId('image-size')).toHaveAttribute('data-bytes', String(built.size));
    expect(built.size, 'a FROM scratch image is the size of its one file').toBeLessThan(1_000_000);
    await expect(row.getByTestId('image-size')).toHaveText(kilobytes(built.size));
    await expect(row.locator('time')).toHaveAttribute('datetime', toWholeSecond(built.created));

    // Column headers are real table headers, so the table reads right with a screen reader.
    const table = page.getByRole('table', { name: 'Local Docker images' });
    for (const name of ['Repository', 'Tag', 'Image ID', 'Size', 'Created']) {
      await expect(table.getByRole('columnheader', { name })).toBeVisible();
    }

    // The filter narrows the list to the matching image.
    await page.getByRole('textbox', { name: 'Filter images' }).fill(built.repository);
    await expect(page.getByTestId('image-row')).toHaveCount(1);
    await expect(page.getByTestId('images-count')).toContainText('1 of');

    await attachScreenshot(page, testInfo, 'images-page.png');

    // Once the image is gone the filtered list is empty: it says so and offers to clear the filter.
    await built.remove();
    await page.getByRole('button', { name: 'Refresh' }).click();
    await expect(row).toHaveCount(0);
    await expect(page.getByTestId('images-no-match')).toBeVisible();
    await page.getByTestId('images-no-match').getByRole('button', { name: 'Clear filter' }).click();
    await expect(page.getByRole('textbox', { name: 'Filter images' })).toHaveValue('');
    await expect(row).toHaveCount(0);
  });
});
