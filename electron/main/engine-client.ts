import { app, utilityProcess, type UtilityProcess } from 'electron';
import { join } from 'node:path';
import type { Result } from '../../shared/contract';
import type { WireMessage, WireRequest } from '../core/rpc/wire';

type EventSink = (event: string, payload: unknown) => void;

const engineGone: Result<never> = {
  ok: false,
  error: {
    code: 'INTERNAL',
    message: 'The Consign engine stopped unexpectedly.',
    remedy:
      'Restart Consign. If it keeps happening, run it with CONSIGN_DEBUG=1 and report the log.',
  },
};

/** Starts the engine's utility process and relays requests to it. */
export function startEngine(onEvent: EventSink) {
  const child: UtilityProcess = utilityProcess.fork(join(__dirname, 'engine-host.js'), [], {
    serviceName: 'Consign engine',
    stdio: 'inherit',
    env: {
      ...process.env,
      // The desktop app's workspace is its data folder unless the user chose one.
      CONSIGN_HOME: process.env.CONSIGN_HOME || app.getPath('userData'),
    },
  });
  let nextId = 1;
  const pending = new Map<number, (result: Result<unknown>) => void>();

  child.on('message', (message: WireMessage) => {
    if (message.type === 'result') {
      pending.get(message.id)?.(message.result);
      pending.delete(message.id);
    } else if (message.type === 'event') {
      onEvent(message.event, message.payload);
    }
  });
  child.on('exit', () => {
    for (const settle of pending.values()) settle(engineGone);
    pending.clear();
  });

  return {
    invoke(channel: string, request: unknown): Promise<Result<unknown>> {
      const id = nextId++;
      const message: WireRequest = { type: 'invoke', id, channel, request };
      return new Promise((resolve) => {
        pending.set(id, resolve);
        child.postMessage(message);
      });
    },
    stop() {
      child.kill();
    },
  };
}
