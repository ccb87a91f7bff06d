import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { expect } from 'vitest';
import { CLI } from './consign-cli';

/**
 * A keyring locked as a real one is after login without the password: a first D-Bus session
 * creates a password-protected login keyring under `dataHome`; later sessions start the daemon
 * without the password, so every use of the keyring asks to unlock and is refused.
 */
export function createLockedKeyring(dataHome: string): void {
  const created = spawnSync(
    'dbus-run-session',
    [
      '--',
      'sh',
      '-c',
      'printf pw | gnome-keyring-daemon --unlock --components=secrets --daemonize >/dev/null && ' +
        'printf v | secret-tool store --label=seed app consign-test && ' +
        'kill $(pgrep -n -f "gnome-keyring-daemon --unlock") 2>/dev/null; true',
    ],
    { env: { ...process.env, XDG_DATA_HOME: dataHome }, encoding: 'utf8', timeout: 60_000 },
  );
  expect(created.status, created.stderr).toBe(0);
}

/**
 * Runs `consign` with each argument list, in order, in one D-Bus session whose keyring is
 * locked. The output is what the commands printed, then a line `codes A B …` with their exit
 * codes.
 */
export function consignWithLockedKeyring(
  dataHome: string,
  commands: string[][],
): SpawnSyncReturns<string> {
  const quote = (arg: string) => `'${arg.replaceAll("'", `'\\''`)}'`;
  const runs = commands
    .map(
      (args, i) =>
        `${quote(process.execPath)} ${quote(CLI)} ${args.map(quote).join(' ')}; c${i}=$?`,
    )
    .join('; ');
  const codes = commands.map((_, i) => `$c${i}`).join(' ');
  return spawnSync(
    'dbus-run-session',
    [
      '--',
      'sh',
      '-c',
      `gnome-keyring-daemon --components=secrets --daemonize >/dev/null; ${runs}; ` +
        `kill $(pgrep -n -f "gnome-keyring-daemon --components") 2>/dev/null; echo "codes ${codes}"`,
    ],
    { env: { ...process.env, XDG_DATA_HOME: dataHome }, encoding: 'utf8', timeout: 60_000 },
  );
}
