// What the delivery specs set up through the engine before they drive the UI: a signing key, the
// test image in the source registry, and customers, so each spec shows only what it tests.
import type { Page } from '@playwright/test';
import type { CustomerInput } from '../../shared/contract';
import type { TestEnv } from '../../tests/support/test-env';
import type { Preview } from './preview';
import { engineCall } from './test-env';

/** Opens the app on `preview`, generates a key named `keyName` and copies the test image to `source`. */
export async function openReleaseDesk(
  page: Page,
  preview: Preview,
  env: TestEnv,
  options: { keyName: string; source: string },
) {
  await page.goto(preview.url);
  const key = await engineCall(page, 'keys.generate', { name: options.keyName });
  const copied = await engineCall(page, 'images.copy', {
    source: `docker-daemon:${env.baseImage}`,
    destinations: [options.source],
  });
  return { key, copied };
}

/** A customer on the plain registry (no login), entitled to `entitlements`. */
export function plainCustomer(
  env: TestEnv,
  name: string,
  namespace: string,
  entitlements: string[],
): CustomerInput {
  return { name, registry: env.registryPlain, namespace, auth: 'none', entitlements };
}

/** A customer on the TLS registry with basic auth and the test CA (the password added by the caller). */
export function tlsCustomer(env: TestEnv, name: string, namespace: string, entitlements: string[]) {
  return {
    name,
    registry: env.registryTls,
    namespace,
    auth: 'basic' as const,
    username: env.registryTlsUser,
    caFile: env.caFile,
    entitlements,
  };
}
