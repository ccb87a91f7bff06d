import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConsignError } from '../errors';
import { defaultWorkspacePath, openWorkspace, resolveWorkspacePath } from '.';

describe('workspace location', () => {
  it('uses the same folder as the desktop app on each platform', () => {
    expect(defaultWorkspacePath({}, 'linux', '/home/ana')).toBe('/home/ana/.config/Consign');
    expect(defaultWorkspacePath({ XDG_CONFIG_HOME: '/cfg' }, 'linux', '/home/ana')).toBe(
      '/cfg/Consign',
    );
    expect(defaultWorkspacePath({}, 'darwin', '/Users/ana')).toBe(
      '/Users/ana/Library/Application Support/Consign',
    );
    expect(
      defaultWorkspacePath({ APPDATA: 'C:/Users/ana/AppData/Roaming' }, 'win32', 'C:/Users/ana'),
    ).toBe(join('C:/Users/ana/AppData/Roaming', 'Consign'));
  });

  it('prefers --home, then CONSIGN_HOME, then the default', () => {
    expect(resolveWorkspacePath('/a', { CONSIGN_HOME: '/b' })).toBe(resolve('/a'));
    expect(resolveWorkspacePath(undefined, { CONSIGN_HOME: 'rel/b' })).toBe(resolve('rel/b'));
    expect(resolveWorkspacePath(undefined, { XDG_CONFIG_HOME: '/x' })).toMatch(/Consign$/);
  });
});

describe('openWorkspace', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'consign-ws-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates the folder and names the database in it', () => {
    const ws = openWorkspace(join(dir, 'a', 'b'));
    expect(ws.databasePath).toBe(join(dir, 'a', 'b', 'consign.db'));
  });

  it('explains an unusable folder and how to choose another', () => {
    const file = join(dir, 'not-a-folder');
    writeFileSync(file, '');
    let error: unknown;
    try {
      openWorkspace(join(file, 'ws'));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConsignError);
    expect((error as ConsignError).code).toBe('WORKSPACE_UNAVAILABLE');
    expect((error as ConsignError).message).toMatch(/not usable \(ENOTDIR\)/);
    expect((error as ConsignError).remedy).toMatch(/--home or CONSIGN_HOME/);
  });
});
