/**
 * The message shapes a host uses to carry the contract across a process or socket boundary
 * (Electron's utility process, the browser preview's WebSocket), and the engine's end of it.
 */
import {
  events as eventSchemas,
  type ErrorInfo,
  type EventName,
  type Result,
} from '../../../shared/contract';
import type { Dispatch } from './dispatch';
import type { EngineEvents } from './events';

export interface WireRequest {
  type: 'invoke';
  id: number;
  channel: string;
  request: unknown;
}

export type WireMessage =
  | { type: 'result'; id: number; result: Result<unknown> }
  | { type: 'event'; event: EventName; payload: unknown }
  | { type: 'error'; error: ErrorInfo };

function isWireRequest(value: unknown): value is WireRequest {
  const message = value as Partial<WireRequest> | null;
  return (
    typeof message === 'object' &&
    message !== null &&
    message.type === 'invoke' &&
    Number.isSafeInteger(message.id)
  );
}

/**
 * Serves one connection: answers each request with a result carrying its id, forwards every
 * engine event (checked against the contract), and answers anything that is not a request with
 * an error instead of failing. Returns the function that stops forwarding events.
 */
export function serveWire(
  dispatch: Dispatch,
  events: EngineEvents,
  connection: {
    onMessage(handler: (message: unknown) => void): void;
    post(message: WireMessage): void;
  },
): () => void {
  connection.onMessage(async (message) => {
    if (!isWireRequest(message)) {
      connection.post({
        type: 'error',
        error: { code: 'BAD_REQUEST', message: 'Expected {type:"invoke", id, channel, request}.' },
      });
      return;
    }
    const result = await dispatch(message.channel, message.request);
    connection.post({ type: 'result', id: message.id, result });
  });
  // Checked here, where events leave the engine: an emitter with a payload outside the contract
  // fails at once instead of handing the interface something it cannot read.
  return events.subscribe((event, payload) =>
    connection.post({ type: 'event', event, payload: eventSchemas[event].parse(payload) }),
  );
}
