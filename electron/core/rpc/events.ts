import { events, type EventName, type EventOf } from '../../../shared/contract';

export type EventListener = <E extends EventName>(event: E, payload: EventOf<E>) => void;

/**
 * The engine's outbound events. Payloads are checked against the contract when emitted, so a
 * host can forward them to any interface as they are.
 */
export class EngineEvents {
  readonly #listeners = new Set<EventListener>();

  emit<E extends EventName>(event: E, payload: EventOf<E>): void {
    const checked = events[event].parse(payload) as EventOf<E>;
    for (const listener of this.#listeners) listener(event, checked);
  }

  /** Subscribes to every event; returns the unsubscribe function. */
  subscribe(listener: EventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
