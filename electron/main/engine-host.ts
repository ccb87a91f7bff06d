/**
 * The engine in an Electron utility process: scans, transfers and database work never block the
 * main process, which only relays validated requests here and results back.
 */
import { createEngine, engineDispatcher, serveWire } from '../core';

const port = process.parentPort;
const engine = createEngine({ host: 'electron' });
const dispatch = engineDispatcher(engine, (channel, error) => {
  console.error(`[engine] unexpected error in ${channel}:`, error);
});

serveWire(dispatch, engine.events, {
  onMessage: (handler) => port.on('message', ({ data }) => handler(data)),
  post: (message) => port.postMessage(message),
});

process.on('exit', () => engine.close());
