import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** The repository root (this file lives in e2e/support). */
export const projectRoot = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The Node 22 the project pins, so the engine's hosts run on the runtime they were built for
 * even when the test runner itself was started by an older system Node.
 */
export function nodeBinary(): string {
  const pinned = join(projectRoot, 'node_modules', '.bin', 'node');
  return existsSync(pinned) ? pinned : process.execPath;
}
