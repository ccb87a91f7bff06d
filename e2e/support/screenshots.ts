import type { Page, TestInfo } from '@playwright/test';

/**
 * Saves a screenshot in the test's output folder and attaches it to the report: the full page,
 * or with `{ fullPage: false }` what the window shows (for dialogs over a scrolled page).
 */
export async function attachScreenshot(
  page: Page,
  testInfo: TestInfo,
  name: string,
  options: { fullPage?: boolean } = {},
) {
  const path = testInfo.outputPath(name);
  await page.screenshot({ path, fullPage: options.fullPage ?? true });
  await testInfo.attach(name, { path, contentType: 'image/png' });
}
