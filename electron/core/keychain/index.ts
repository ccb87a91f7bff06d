import { AsyncEntry, type EntryOptions } from '@napi-rs/keyring';
import { randomBytes } from 'node:crypto';
import { ConsignError } from '../errors';

export const DEFAULT_KEYCHAIN_SERVICE = 'Consign';

/**
 * On Linux the store is pinned to the Secret Service (gnome-keyring, KWallet): the library's
 * fallbacks would keep secrets somewhere we did not choose, and a missing keychain must fail
 * loudly instead.
 */
const entryOptions: EntryOptions =
  process.platform === 'linux' ? { linux: { store: 'secret-service' } } : {};

const PROBE_ACCOUNT = 'consign.probe';
const PROBE_TIMEOUT_MS = 10_000;

export function keychainBackend(platform: NodeJS.Platform = process.platform): string {
  switch (platform) {
    case 'darwin':
      return 'macOS Keychain';
    case 'win32':
      return 'Windows Credential Manager';
    default:
      return 'Secret Service (D-Bus)';
  }
}

const unavailableRemedy =
  process.platform === 'linux'
    ? 'Start a Secret Service keyring in your session (GNOME Keyring or KWallet). On a headless machine: ' +
      'run Consign inside `dbus-run-session` with `gnome-keyring-daemon --unlock --components=secrets` started first.'
    : 'Make sure the system keychain service is running for your user.';

const lockedRemedy =
  'Unlock your login keyring (log in to the desktop session, or open your keyring manager) and try again.';

/**
 * Translates the keyring library's errors into ours. The library's text never holds the secret,
 * but it can be long and technical, so only our own sentence reaches the user.
 */
export function keychainError(cause: unknown, action: string): ConsignError {
  const text = cause instanceof Error ? `${cause.message} ${String(cause.cause ?? '')}` : '';
  if (/locked|unlock|dismissed|prompt/i.test(text)) {
    return new ConsignError(
      'KEYCHAIN_LOCKED',
      `The keychain is locked, so Consign cannot ${action}.`,
      {
        remedy: lockedRemedy,
        cause,
      },
    );
  }
  if (/abort/i.test(text)) {
    return new ConsignError(
      'KEYCHAIN_UNAVAILABLE',
      `The keychain did not answer in time to ${action}.`,
      {
        remedy: lockedRemedy,
        cause,
      },
    );
  }
  return new ConsignError(
    'KEYCHAIN_UNAVAILABLE',
    `No ${keychainBackend()} keychain is reachable, so Consign cannot ${action}.`,
    { remedy: unavailableRemedy, cause },
  );
}

/** Secrets by account name, under one keychain service name per workspace. */
export class Keychain {
  readonly service: string;

  constructor(service: string = DEFAULT_KEYCHAIN_SERVICE) {
    this.service = service;
  }

  #entry(account: string, action: string): AsyncEntry {
    try {
      return new AsyncEntry(this.service, account, entryOptions);
    } catch (cause) {
      throw keychainError(cause, action);
    }
  }

  async get(account: string): Promise<string | null> {
    const action = 'read a stored secret';
    try {
      return await this.#entry(account, action).getPassword();
    } catch (cause) {
      throw cause instanceof ConsignError ? cause : keychainError(cause, action);
    }
  }

  async set(account: string, secret: string): Promise<void> {
    const action = 'store a secret';
    try {
      await this.#entry(account, action).setPassword(secret);
    } catch (cause) {
      throw cause instanceof ConsignError ? cause : keychainError(cause, action);
    }
  }

  /** Removes a secret; true when one was there. */
  async delete(account: string): Promise<boolean> {
    const action = 'remove a stored secret';
    try {
      return await this.#entry(account, action).deleteCredential();
    } catch (cause) {
      throw cause instanceof ConsignError ? cause : keychainError(cause, action);
    }
  }

  /**
   * Proves the keychain works end to end: store, read back and remove a random value. A mere
   * lookup would succeed on a locked keyring, which then fails at the first real signature.
   */
  async probe(): Promise<void> {
    const action = 'use it';
    const value = randomBytes(16).toString('hex');
    const signal = AbortSignal.timeout(PROBE_TIMEOUT_MS);
    try {
      const entry = this.#entry(PROBE_ACCOUNT, action);
      await entry.setPassword(value, signal);
      const read = await entry.getPassword(signal);
      await entry.deleteCredential(signal);
      if (read !== value) {
        throw new ConsignError(
          'KEYCHAIN_UNAVAILABLE',
          'The keychain did not return what was stored in it.',
          {
            remedy: unavailableRemedy,
          },
        );
      }
    } catch (cause) {
      throw cause instanceof ConsignError ? cause : keychainError(cause, action);
    }
  }
}
