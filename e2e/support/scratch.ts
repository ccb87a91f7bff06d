import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestEnv } from '../../tests/support/test-env';
import { test } from './preview';
import { registryTestEnv } from './test-env';

/** What a describe block's tests share: the test environment and a folder for their files. */
export interface Scratch {
  env: TestEnv;
  folder: string;
}

/**
 * Registers the hooks of a describe block whose tests need the test environment (read before any
 * preview starts) and a temporary folder (named `<prefix>…`, removed after the block). The fields
 * are filled in beforeAll, so read them inside tests.
 */
export function useScratch(prefix: string): Scratch {
  const scratch = {} as Scratch;
  test.beforeAll(async () => {
    scratch.env = registryTestEnv();
    scratch.folder = await mkdtemp(join(tmpdir(), prefix));
  });
  test.afterAll(async () => {
    if (scratch.folder) await rm(scratch.folder, { recursive: true, force: true });
  });
  return scratch;
}
