import { accessSync, constants, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConsignError } from '../errors';

export const PRODUCT_NAME = 'Consign';

/**
 * The folder the desktop app keeps its data in (Electron's `userData` for this product), computed
 * without Electron so that the CLI and the app share one workspace by default.
 */
export function defaultWorkspacePath(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = homedir(),
): string {
  switch (platform) {
    case 'darwin':
      return join(home, 'Library', 'Application Support', PRODUCT_NAME);
    case 'win32':
      return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), PRODUCT_NAME);
    default:
      return join(env.XDG_CONFIG_HOME || join(home, '.config'), PRODUCT_NAME);
  }
}

/** `--home` wins over `CONSIGN_HOME`, which wins over the app's data folder. */
export function resolveWorkspacePath(explicit?: string, env: NodeJS.ProcessEnv = process.env) {
  const chosen = explicit || env.CONSIGN_HOME || defaultWorkspacePath(env);
  return resolve(chosen);
}

export interface Workspace {
  readonly path: string;
  readonly databasePath: string;
}

const remedy = (path: string) =>
  `Make sure ${path} is a folder you can write to, or choose another with --home or CONSIGN_HOME.`;

/** Creates the workspace folder if needed and proves it is writable. */
export function openWorkspace(path: string): Workspace {
  try {
    mkdirSync(path, { recursive: true, mode: 0o700 });
    accessSync(path, constants.W_OK | constants.R_OK);
    // access() trusts mode bits; a read-only mount or a full disk only shows on a real write.
    const probe = join(path, `.write-probe-${process.pid}`);
    writeFileSync(probe, '');
    rmSync(probe);
  } catch (cause) {
    const why = (cause as NodeJS.ErrnoException).code ?? 'an error';
    throw new ConsignError(
      'WORKSPACE_UNAVAILABLE',
      `The workspace ${path} is not usable (${why}).`,
      {
        remedy: remedy(path),
        cause,
      },
    );
  }
  return { path, databasePath: join(path, 'consign.db') };
}
