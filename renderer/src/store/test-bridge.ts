/**
 * Test-only helpers for store tests: a fake preload bridge on `window.consign`, and a fresh
 * store after every test.
 */
import { afterEach, vi } from 'vitest';
import type { ConsignBridge, Result } from '../../../shared/contract';
import { useStore } from '.';

type Reply = Result<unknown> | Promise<Result<unknown>>;

/** Puts `invoke` behind `window.consign`; events are never emitted. Returns `invoke`. */
export function installBridge<Invoke extends (...args: never[]) => unknown>(invoke: Invoke) {
  vi.stubGlobal('window', {
    consign: { invoke, on: () => () => {} } as unknown as ConsignBridge,
  });
  return invoke;
}

/** A bridge answering every call from `answer`; every call is recorded. */
export function stubBridge(answer: (channel: string, request: unknown) => Reply) {
  return installBridge(
    vi.fn((channel: string, request: unknown) => Promise.resolve(answer(channel, request))),
  );
}

/** A bridge answering each channel from `answers`; a call to any other channel fails the test. */
export function stubBridgeByChannel(answers: Record<string, (request: unknown) => Reply>) {
  return installBridge(
    vi.fn((channel: string, request: unknown) => {
      const answer = answers[channel];
      if (!answer) throw new Error(`unexpected call to ${channel}`);
      return Promise.resolve(answer(request));
    }),
  );
}

/** Removes the fake bridge and starts the store afresh after each test of the calling file. */
export function resetStoreAfterEach() {
  afterEach(() => {
    vi.unstubAllGlobals();
    useStore.setState(useStore.getInitialState());
  });
}
