import type { Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ConsignBridge, SystemStatus } from '../shared/contract';
import { dockerClient } from './support/docker';
import { projectRoot } from './support/paths';
import { expect, test } from './support/preview';
import { attachScreenshot } from './support/screenshots';

const appVersion = (
  JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { version: string }
).version;

/** Engine text as it reads on screen: `commands` in backticks are shown as code, without them. */
function onScreen(text: string): string {
  return text.replaceAll('`', '');
}

/** What the engine itself answers on `system.status`, through the page's own bridge. */
async function engineStatus(page: Page): Promise<SystemStatus> {
  const result = await page.evaluate(() =>
    (globalThis as unknown as { consign: ConsignBridge }).consign.invoke('system.status', {}),
  );
  if (!result.ok) throw new Error(`system.status failed: ${result.error.message}`);
  return result.data;
}

test.describe('Settings', () => {
  test('shows the workspace, an available keychain and the Docker engine', async ({
    page,
    preview,
  }, testInfo) => {
    const engine = await dockerClient().version();

    await page.goto(preview.url);
    await expect(page.getByTestId('app-version')).toHaveText(`Version ${appVersion}`);
    await page.getByRole('button', { name: 'Settings' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Settings' })).toBeVisible();

    const workspace = page.getByTestId('settings-workspace');
    await expect(workspace.getByTestId('workspace-path')).toHaveText(preview.home);
    await expect(workspace.getByTestId('workspace-writable')).toHaveText('Yes');
    await expect(workspace.getByTestId('workspace-audit-intact')).toHaveText('Yes');
    await expect(workspace.getByTestId('check-state')).toHaveText('OK');

    const keychain = page.getByTestId('settings-keychain');
    await expect(keychain.getByTestId('keychain-service')).toHaveText(preview.keychainService);
    await expect(keychain.getByTestId('keychain-available')).toHaveText('Yes');
    await expect(keychain.getByTestId('check-state')).toHaveText('OK');

    const docker = page.getByTestId('settings-docker');
    await expect(docker.getByTestId('docker-reachable')).toHaveText('Yes');
    await expect(docker.getByTestId('docker-version')).toHaveText(engine.Version);
    await expect(docker.getByTestId('docker-api-version')).toHaveText(engine.ApiVersion);
    await expect(docker.getByTestId('docker-platform')).toHaveText(`${engine.Os}/${engine.Arch}`);
    await expect(docker.getByTestId('docker-endpoint')).toHaveText(preview.dockerHost!);
    await expect(docker.getByTestId('check-state')).toHaveText('OK');
    await expect(docker.getByTestId('check-problem')).toHaveCount(0);

    const about = page.getByTestId('settings-about');
    await expect(about.getByTestId('about-version')).toHaveText(appVersion);
    await expect(about.getByTestId('about-host')).toHaveText('Browser preview');

    // Checking again runs the checks again and lands on the same answers.
    const checkAgain = page.getByRole('button', { name: 'Check again' });
    await checkAgain.click();
    await expect(checkAgain).toBeEnabled();
    await expect(docker.getByTestId('docker-version')).toHaveText(engine.Version);

    await attachScreenshot(page, testInfo, 'settings-page.png');
  });

  test.describe('when the Docker engine is unreachable', () => {
    const missingSocket = 'unix:///nonexistent/docker.sock';
    test.use({ previewEnv: { DOCKER_HOST: missingSocket } });

    test('explains the problem and what to do, on Settings and on Images', async ({
      page,
      preview,
    }, testInfo) => {
      await page.goto(preview.url);
      await page.getByRole('button', { name: 'Settings' }).click();

      const docker = page.getByTestId('settings-docker');
      await expect(docker).toHaveAttribute('data-state', 'error');
      await expect(docker.getByTestId('check-state')).toHaveText('Error');
      await expect(docker.getByTestId('docker-reachable')).toHaveText('No');
      await expect(docker.getByTestId('docker-endpoint')).toHaveText(missingSocket);

      const expected = (await engineStatus(page)).docker;
      expect(expected.state).toBe('error');
      expect(expected.remedy, 'the engine gives a remedy for an unreachable engine').toBeTruthy();
      await expect(docker.getByTestId('check-message')).toHaveText(onScreen(expected.message));
      await expect(docker.getByTestId('error-remedy')).toHaveText(
        `What to do: ${onScreen(expected.remedy!)}`,
      );
      await expect(docker.getByTestId('error-remedy')).toContainText(missingSocket);

      // The rest of the environment is unaffected.
      await expect(page.getByTestId('settings-workspace')).toHaveAttribute('data-state', 'ok');
      await attachScreenshot(page, testInfo, 'settings-docker-unreachable.png');

      await page.getByRole('button', { name: 'Images' }).click();
      const alert = page.getByTestId('images-error');
      await expect(alert).toBeVisible();
      await expect(alert).toHaveAttribute('data-code', 'DOCKER_UNAVAILABLE');
      await expect(alert).toContainText('Docker engine not reachable');
      await expect(alert.getByTestId('error-remedy')).toHaveText(
        `What to do: ${onScreen(expected.remedy!)}`,
      );
      await expect(page.getByTestId('images-table')).toHaveCount(0);

      // Refreshing keeps explaining rather than failing differently.
      await page.getByRole('button', { name: 'Refresh' }).click();
      await expect(page.getByRole('button', { name: 'Refresh' })).toBeEnabled();
      await expect(alert.getByTestId('error-remedy')).toContainText(missingSocket);
      await attachScreenshot(page, testInfo, 'images-docker-unreachable.png');
    });
  });
});
