import type { EventName, EventOf } from '../../../shared/contract';

export type EventListener = <E extends EventName>(event: E, payload: EventOf<E>) => void;

/**
 * The engine's outbound events. A host that carries them across a boundary checks each payload
 * against the contract there (`serveWire`); in-process listeners such as the command line get
 * them as emitted, so a command does not build the contract's schemas at every start.
 */
export class EngineEvents {
  readonly #listeners = new Set<EventListener>();

  emit<E extends EventName>(event: E, payload: EventOf<E>): void {
    for (const listener of this.#listeners) listener(event, payload);
  }

  /** Subscribes to every event; returns the unsubscribe function. */
  subscribe(listener: EventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
