import { spawnSync } from 'node:child_process';
import { testEnv } from './test-env';

/** Removes generated keys' private halves from the test keychain, so a run leaves none behind. */
export function forgetKeys(
  keys: Iterable<{ id: string } | undefined>,
  service = testEnv().keychainService,
): void {
  for (const key of keys) {
    if (!key) continue;
    spawnSync('secret-tool', ['clear', 'service', service, 'username', `key:${key.id}`]);
  }
}
