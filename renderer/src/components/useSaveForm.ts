import { useState } from 'react';
import { useRequest, type Outcome } from './useRequest';

/**
 * The state of a dialog that writes to one path the person types (a new file, a new or empty
 * folder): the path, its problem once a submit was tried, the request, and what was written.
 * `close` forgets all of it (refused while the request runs).
 */
export function useSaveForm<T>(
  onClose: () => void,
  pathRequired: string,
  save: (path: string) => Promise<Outcome<T>>,
) {
  const [path, setPath] = useState('');
  const [attempted, setAttempted] = useState(false);
  const { busy, error, setError, run } = useRequest();
  const [written, setWritten] = useState<T | null>(null);
  const missing = path.trim() === '' ? pathRequired : null;

  const close = () => {
    if (busy) return;
    setPath('');
    setAttempted(false);
    setError(null);
    setWritten(null);
    onClose();
  };

  const submit = async () => {
    setAttempted(true);
    if (missing) return;
    const outcome = await run(() => save(path.trim()));
    if (outcome.ok) setWritten(outcome.data);
  };

  return {
    path,
    setPath,
    /** Why the path cannot be used, once a submit was tried. */
    problem: attempted ? missing : null,
    busy,
    error,
    written,
    close,
    submit,
  };
}
