/**
 * Messages between the browser preview's bridge (in the page) and its server (hosting the
 * engine), over one loopback WebSocket. Types only.
 */
import type { ErrorInfo, EventName, Result } from '../../shared/contract';

export interface InvokeMessage {
  type: 'invoke';
  id: number;
  channel: string;
  request: unknown;
}

export type ServerMessage =
  | { type: 'result'; id: number; result: Result<unknown> }
  | { type: 'event'; event: EventName; payload: unknown }
  | { type: 'error'; error: ErrorInfo };

export const RPC_PATH = '/rpc';
export const BRIDGE_PATH = '/consign-preview-bridge.js';
export const TOKEN_PARAM = 'token';
