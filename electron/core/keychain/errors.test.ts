import { describe, expect, it } from 'vitest';
import { keychainError } from '.';

describe('keychainError', () => {
  it('tells a locked keychain from a missing one', () => {
    const locked = keychainError(
      new Error("Couldn't access platform storage: Secret Service: unlock prompt was dismissed"),
      'store a secret',
    );
    expect(locked.code).toBe('KEYCHAIN_LOCKED');
    expect(locked.remedy).toMatch(/Unlock/);

    const missing = keychainError(
      new Error('Platform failure: DBus error: Using X11 for dbus-daemon autolaunch was disabled'),
      'store a secret',
    );
    expect(missing.code).toBe('KEYCHAIN_UNAVAILABLE');
    expect(missing.message).toMatch(/cannot store a secret/);
    expect(missing.message).not.toMatch(/DBus error/);
  });
});
