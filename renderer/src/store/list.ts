import type { ChannelName, ResponseOf } from '../../../shared/contract';
import { call, toApiError, type ApiError } from '../api';

/** The part of a slice that holds a list the engine gives. */
export interface ListState<T> {
  items: T[];
  /** True once a list has been received (it may be empty). */
  loaded: boolean;
  loading: boolean;
  error: ApiError | null;
}

/** A list not loaded yet. */
export function emptyList<T>(): ListState<T> {
  return { items: [], loaded: false, loading: false, error: null };
}

type ListChannel = {
  [C in ChannelName]: ResponseOf<C> extends unknown[] ? C : never;
}[ChannelName];

/**
 * A `load` for a list channel that keeps only the latest request's answer, so a slow old reply
 * can never overwrite a newer one. On failure the list is emptied: what the engine listed
 * before may no longer be true, so the problem is shown instead of stale rows.
 */
export function latestListLoader<C extends ListChannel>(
  channel: C,
  patch: (values: Partial<ListState<ResponseOf<C>[number]>>) => void,
): () => Promise<void> {
  let latest = 0;
  return async () => {
    const request = ++latest;
    patch({ loading: true });
    try {
      const items = (await call(channel, {} as never)) as ResponseOf<C>[number][];
      if (request === latest) patch({ items, loaded: true, loading: false, error: null });
    } catch (error) {
      if (request === latest) {
        patch({ items: [], loaded: false, loading: false, error: toApiError(channel, error) });
      }
    }
  };
}
