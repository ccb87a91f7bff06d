/** Messages between Electron's main process and the engine's utility process. Types only. */
import type { EventName, Result } from '../../shared/contract';

export interface EngineRequest {
  id: number;
  channel: string;
  request: unknown;
}

export type EngineMessage =
  | { type: 'result'; id: number; result: Result<unknown> }
  | { type: 'event'; event: EventName; payload: unknown }
  | { type: 'ready' };
