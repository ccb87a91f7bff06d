import { _electron as electron, expect, test } from '@playwright/test';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from './support/paths';

/**
 * The Electron binary, if it was installed. Found through the electron package's path.txt, not
 * `require('electron')`, which would try to download the binary when it is missing.
 */
function electronBinary(): string | undefined {
  const pathFile = join(projectRoot, 'node_modules', 'electron', 'path.txt');
  if (!existsSync(pathFile)) return undefined;
  const binary = join(
    projectRoot,
    'node_modules',
    'electron',
    'dist',
    readFileSync(pathFile, 'utf8').trim(),
  );
  return existsSync(binary) ? binary : undefined;
}

const binary = electronBinary();
const appVersion = (
  JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { version: string }
).version;

test.describe('Desktop app', () => {
  test.skip(
    binary === undefined,
    'The Electron binary is not installed (node_modules/electron/dist is absent and cannot be downloaded here); the browser-preview specs cover the renderer.',
  );

  test('opens a window whose renderer sees only window.consign', async () => {
    const main = join(projectRoot, 'out', 'main', 'index.js');
    expect(existsSync(main), `${main} must exist: run \`npm run build\` first`).toBe(true);
    const home = await mkdtemp(join(tmpdir(), 'consign-e2e-electron-'));
    const env: Record<string, string> = {};
    for (const [name, value] of Object.entries(process.env)) {
      if (value !== undefined && name !== 'ELECTRON_RENDERER_URL') env[name] = value;
    }
    const app = await electron.launch({
      executablePath: binary!,
      // The project folder, as `electron .` runs it: package.json names out/main/index.js.
      // Chromium refuses to run as root with its sandbox on.
      args: [...(process.getuid?.() === 0 ? ['--no-sandbox'] : []), projectRoot],
      cwd: projectRoot,
      env: {
        ...env,
        CONSIGN_HOME: home,
        CONSIGN_KEYCHAIN_SERVICE: `consign-e2e-${randomBytes(6).toString('hex')}`,
      },
    });
    try {
      const window = await app.firstWindow();
      await expect(window).toHaveTitle('Consign');
      // The version comes from the engine over the preload bridge: the round trip works.
      await expect(window.getByTestId('app-version')).toHaveText(`Version ${appVersion}`);
      const globals = await window.evaluate(() => {
        const scope = globalThis as Record<string, unknown>;
        return {
          consign: typeof scope.consign,
          invoke: typeof (scope.consign as { invoke?: unknown } | undefined)?.invoke,
          require: typeof scope.require,
          process: typeof scope.process,
          module: typeof scope.module,
        };
      });
      expect(globals).toEqual({
        consign: 'object',
        invoke: 'function',
        require: 'undefined',
        process: 'undefined',
        module: 'undefined',
      });
    } finally {
      await app.close();
      await rm(home, { recursive: true, force: true });
    }
  });
});
