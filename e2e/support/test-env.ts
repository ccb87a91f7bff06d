import type { Page } from '@playwright/test';
import type { ChannelName, ConsignBridge, RequestOf, ResponseOf } from '../../shared/contract';
import { testEnv, type TestEnv } from '../../tests/support/test-env';

/**
 * The real test environment (registries, dockerd, keyring). Call it before the preview starts:
 * when the variables come from `.test-env/env.json` rather than the test runner, this also puts
 * them into process.env, so the preview's engine talks to the test services.
 */
export function registryTestEnv(): TestEnv {
  return testEnv();
}

/** Calls the engine directly through the page's own bridge, to check what the UI claims. */
export async function engineCall<C extends ChannelName>(
  page: Page,
  channel: C,
  request: RequestOf<C>,
): Promise<ResponseOf<C>> {
  const result = await page.evaluate(
    ([name, body]) =>
      (globalThis as unknown as { consign: ConsignBridge }).consign.invoke(
        name as ChannelName,
        body as never,
      ),
    [channel, request] as const,
  );
  if (!result.ok) throw new Error(`${channel} failed: ${result.error.message}`);
  return result.data as ResponseOf<C>;
}
