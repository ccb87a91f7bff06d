import { useState } from 'react';
import type { ApiError } from '../api';

/** What a store action answers: its data, or the error to show. */
export type Outcome<T> = { ok: true; data: T } | { ok: false; error: ApiError };

/**
 * The running/failed state of a dialog's one request. `run` marks the dialog busy, clears the
 * last error, and keeps the new one if the request fails; the outcome is returned either way.
 */
export function useRequest() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const run = async <T>(request: () => Promise<Outcome<T>>): Promise<Outcome<T>> => {
    setBusy(true);
    setError(null);
    const outcome = await request();
    setBusy(false);
    if (!outcome.ok) setError(outcome.error);
    return outcome;
  };
  return { busy, error, setError, run };
}
