/**
 * The engine in an Electron utility process: scans, transfers and database work never block the
 * main process, which only relays validated requests here and results back.
 */
import { createEngine, engineDispatcher } from '../core';
import type { EngineMessage, EngineRequest } from './engine-protocol';

const port = process.parentPort;
const engine = createEngine({ host: 'electron' });
const dispatch = engineDispatcher(engine, (channel, error) => {
  console.error(`[engine] unexpected error in ${channel}:`, error);
});

const post = (message: EngineMessage) => port.postMessage(message);

engine.events.subscribe((event, payload) => post({ type: 'event', event, payload }));

port.on('message', async ({ data }: { data: EngineRequest }) => {
  const result = await dispatch(data?.channel, data?.request);
  post({ type: 'result', id: data?.id, result });
});

process.on('exit', () => engine.close());
post({ type: 'ready' });
