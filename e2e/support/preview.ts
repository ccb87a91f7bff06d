import { test as base, type TestInfo } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeBinary, projectRoot } from './paths';

const READY_LINE = /^Consign preview: (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)\s*$/m;
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;

export interface PreviewOptions {
  /** Environment overrides for the preview server; `undefined` removes a variable. */
  env?: Record<string, string | undefined>;
}

/** A browser preview server running the real engine on a fresh, temporary workspace. */
export interface Preview {
  /** The tokenised address to open. */
  url: string;
  /** The workspace folder given with --home. */
  home: string;
  /** The keychain service name the engine was given. */
  keychainService: string;
  /** The DOCKER_HOST the engine was given (if any). */
  dockerHost: string | undefined;
  /** Everything the server printed so far. */
  output(): string;
  stop(): Promise<void>;
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** Starts `out/preview/server.js` and resolves once it has printed its address. */
export async function startPreview(options: PreviewOptions = {}): Promise<Preview> {
  const server = join(projectRoot, 'out', 'preview', 'server.js');
  for (const built of [server, join(projectRoot, 'out', 'renderer', 'index.html')]) {
    if (!existsSync(built)) {
      throw new Error(
        `${built} does not exist: run \`npm run build\` before the end-to-end tests.`,
      );
    }
  }
  const home = await mkdtemp(join(tmpdir(), 'consign-e2e-'));
  const keychainService = `consign-e2e-${randomBytes(6).toString('hex')}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CONSIGN_HOME: home,
    CONSIGN_KEYCHAIN_SERVICE: keychainService,
  };
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }

  const child = spawn(nodeBinary(), [server, '--port', '0', '--home', home], {
    cwd: projectRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      if (!(await waitForExit(child, STOP_TIMEOUT_MS))) {
        child.kill('SIGKILL');
        await waitForExit(child, STOP_TIMEOUT_MS);
      }
    }
    await rm(home, { recursive: true, force: true });
  };

  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`The preview did not start within ${START_TIMEOUT_MS} ms.`)),
        START_TIMEOUT_MS,
      );
      const check = () => {
        const match = READY_LINE.exec(output);
        if (match?.[1]) {
          clearTimeout(timer);
          child.stdout.off('data', check);
          resolve(match[1]);
        }
      };
      child.stdout.on('data', check);
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`The preview exited (${signal ?? `code ${code}`}) before it was ready.`));
      });
    });
    return {
      url,
      home,
      keychainService,
      dockerHost: env.DOCKER_HOST,
      output: () => output,
      stop,
    };
  } catch (error) {
    await stop();
    const detail = output.trim() ? `\n--- preview output ---\n${output.trim()}` : '';
    throw new Error(`${error instanceof Error ? error.message : String(error)}${detail}`, {
      cause: error,
    });
  }
}

async function attachOutput(testInfo: TestInfo, preview: Preview) {
  await testInfo.attach('preview-server.log', {
    body: preview.output(),
    contentType: 'text/plain',
  });
}

/**
 * `test` with a `preview` fixture: a preview server for this test alone, on its own temporary
 * workspace, stopped (and its workspace removed) afterwards. Override its environment with
 * `test.use({ previewEnv: { DOCKER_HOST: '…' } })`.
 */
export const test = base.extend<{
  previewEnv: Record<string, string | undefined>;
  preview: Preview;
}>({
  previewEnv: [{}, { option: true }],
  preview: async ({ previewEnv }, use, testInfo) => {
    const preview = await startPreview({ env: previewEnv });
    try {
      await use(preview);
    } finally {
      await preview.stop();
      await attachOutput(testInfo, preview);
    }
  },
});

export { expect } from '@playwright/test';
