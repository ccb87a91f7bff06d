import type { WebSocketRoute } from '@playwright/test';
import type { EventOf } from '../shared/contract';
import type { WireRequest, WireMessage } from '../electron/preview/protocol';
import { expect, test } from './support/preview';
import { attachScreenshot } from './support/screenshots';

/**
 * Sits on the page's connection to the preview server: passes every message through, counts the
 * requests per channel, can hold back answers to one channel, and can push an engine event of
 * our own to the page.
 */
class BridgeTap {
  readonly requests = new Map<string, number>();
  #page: WebSocketRoute | undefined;
  #channelOf = new Map<number, string>();
  #holding: string | undefined;
  #held: string[] = [];

  attach(page: WebSocketRoute) {
    this.#page = page;
    const server = page.connectToServer();
    page.onMessage((raw) => {
      const message = JSON.parse(String(raw)) as WireRequest;
      this.#channelOf.set(message.id, message.channel);
      this.requests.set(message.channel, this.count(message.channel) + 1);
      server.send(raw);
    });
    server.onMessage((raw) => {
      const message = JSON.parse(String(raw)) as WireMessage;
      if (message.type === 'result' && this.#channelOf.get(message.id) === this.#holding) {
        this.#held.push(String(raw));
        return;
      }
      page.send(raw);
    });
  }

  count(channel: string): number {
    return this.requests.get(channel) ?? 0;
  }

  /** Holds back the engine's answers on `channel` until `release()`. */
  hold(channel: string) {
    this.#holding = channel;
  }

  release() {
    this.#holding = undefined;
    for (const raw of this.#held.splice(0)) this.#page?.send(raw);
  }

  pushStatus(payload: EventOf<'status'>) {
    const message: WireMessage = { type: 'event', event: 'status', payload };
    this.#page?.send(JSON.stringify(message));
  }
}

test('a status event from the engine updates its card at once, then re-checks', async ({
  page,
  preview,
}, testInfo) => {
  const tap = new BridgeTap();
  await page.routeWebSocket(
    (url) => url.pathname === '/rpc',
    (ws) => tap.attach(ws),
  );
  await page.goto(preview.url);
  await page.getByRole('button', { name: 'Settings' }).click();
  const docker = page.getByTestId('settings-docker');
  await expect(docker).toHaveAttribute('data-state', 'ok');
  await expect(page.getByRole('button', { name: 'Check again' })).toBeEnabled();
  const checksBefore = tap.count('system.status');

  // While the re-check is held back, the card shows what the event said.
  tap.hold('system.status');
  tap.pushStatus({
    subject: 'docker',
    state: 'error',
    message: 'The Docker engine stopped answering.',
  });
  await expect(docker).toHaveAttribute('data-state', 'error');
  await expect(docker.getByTestId('check-message')).toHaveText(
    'The Docker engine stopped answering.',
  );
  await expect.poll(() => tap.count('system.status')).toBe(checksBefore + 1);
  await expect(page.getByTestId('settings-keychain')).toHaveAttribute('data-state', 'ok');
  await attachScreenshot(page, testInfo, 'status-event-applied.png');

  // The full check's answer (the engine is in fact fine) replaces it.
  tap.release();
  await expect(docker).toHaveAttribute('data-state', 'ok');
  await expect(docker.getByTestId('check-problem')).toHaveCount(0);
});
