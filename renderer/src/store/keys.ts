import type { StateCreator } from 'zustand';
import type { KeyInfo, RequestOf, ResponseOf } from '../../../shared/contract';
import { call, toApiError, type ApiError } from '../api';
import type { StoreState } from '.';
import { emptyList, latestListLoader, type ListState } from './list';

/** The answer of a key operation, or why it failed. */
export type KeyOutcome<T> = { ok: true; data: T } | { ok: false; error: ApiError };

/** What the import form sends. The passphrase is passed through and never kept here. */
export type KeyImport = RequestOf<'keys.import'>;

/** What the encrypted-export form sends. The passphrase is passed through and never kept here. */
export type KeyExport = RequestOf<'keys.export'>;

export interface KeysSlice {
  keys: ListState<KeyInfo> & {
    load: () => Promise<void>;
    /** Creates a key in the keychain, then refreshes the list. */
    generate: (name: string) => Promise<KeyOutcome<KeyInfo>>;
    /** Imports a key file the engine reads from its own disk, then refreshes the list. */
    importFile: (request: KeyImport) => Promise<KeyOutcome<KeyInfo>>;
    exportPublic: (id: string) => Promise<KeyOutcome<ResponseOf<'keys.exportPublic'>>>;
    /** Writes an encrypted, cosign-compatible key file where the engine runs. */
    exportEncrypted: (request: KeyExport) => Promise<KeyOutcome<ResponseOf<'keys.export'>>>;
    /** Revokes a key for good, then refreshes the list. */
    revoke: (id: string, reason: string) => Promise<KeyOutcome<KeyInfo>>;
  };
}

export const createKeysSlice: StateCreator<StoreState, [], [], KeysSlice> = (set, get) => {
  const patch = (values: Partial<KeysSlice['keys']>) =>
    set((state) => ({ keys: { ...state.keys, ...values } }));

  /** Runs one request; when `refresh` is set, reloads the list after a success. */
  const run = async <T>(
    channel: Parameters<typeof toApiError>[0],
    request: () => Promise<T>,
    refresh: boolean,
  ): Promise<KeyOutcome<T>> => {
    let data: T;
    try {
      data = await request();
    } catch (error) {
      return { ok: false, error: toApiError(channel, error) };
    }
    if (refresh) await get().keys.load();
    return { ok: true, data };
  };

  return {
    keys: {
      ...emptyList(),
      load: latestListLoader('keys.list', patch),
      generate: (name) => run('keys.generate', () => call('keys.generate', { name }), true),
      importFile: (request) => run('keys.import', () => call('keys.import', request), true),
      exportPublic: (id) =>
        run('keys.exportPublic', () => call('keys.exportPublic', { id }), false),
      exportEncrypted: (request) => run('keys.export', () => call('keys.export', request), false),
      revoke: (id, reason) => run('keys.revoke', () => call('keys.revoke', { id, reason }), true),
    },
  };
};
