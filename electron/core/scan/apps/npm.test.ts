import { describe, expect, it } from 'vitest';
import { npmInventory, npmPurl, parseLockfile, parseManifest, isNpmManifest } from './npm';

const v1 = JSON.stringify({
  name: 'legacy',
  version: '1.0.0',
  lockfileVersion: 1,
  requires: true,
  dependencies: {
    express: {
      version: '4.17.1',
      resolved: 'https://registry.npmjs.org/express/-/express-4.17.1.tgz',
      requires: { debug: '2.6.9' },
      dependencies: { debug: { version: '2.6.9' } },
    },
    '@babel/core': { version: '7.12.3', dev: true },
    'string-width-cjs': { version: 'npm:string-width@4.2.3' },
  },
});

const v2 = JSON.stringify({
  name: 'web',
  version: '2.0.0',
  lockfileVersion: 2,
  requires: true,
  packages: {
    '': { name: 'web', version: '2.0.0', dependencies: { lodash: '^4.17.0' } },
    'node_modules/lodash': { version: '4.17.20' },
    'node_modules/@types/node': { version: '20.1.0', dev: true },
    'node_modules/a/node_modules/lodash': { version: '3.10.1' },
    'node_modules/local': { resolved: 'packages/local', link: true },
    'packages/local': { name: 'local', version: '0.0.1' },
  },
  dependencies: { lodash: { version: '4.17.20' } },
});

const v3 = JSON.stringify({
  name: 'api',
  lockfileVersion: 3,
  packages: {
    '': { name: 'api' },
    'node_modules/@scope/tool': { version: '1.0.0' },
    'node_modules/alias': { name: 'real-name', version: '2.0.0' },
  },
});

describe('npm lockfiles', () => {
  it('reads version 1 nested dependencies, with dev and alias entries', () => {
    const lock = parseLockfile('srv/legacy/package-lock.json', v1)!;
    expect(lock.base).toBe('srv/legacy');
    expect(lock.entries).toEqual([
      { location: 'node_modules/express', name: 'express', version: '4.17.1', dev: false },
      {
        location: 'node_modules/express/node_modules/debug',
        name: 'debug',
        version: '2.6.9',
        dev: false,
      },
      { location: 'node_modules/@babel/core', name: '@babel/core', version: '7.12.3', dev: true },
      {
        location: 'node_modules/string-width-cjs',
        name: 'string-width',
        version: '4.2.3',
        dev: false,
      },
    ]);
  });

  it('reads version 2 and 3 package maps, skipping the project, links and workspaces', () => {
    const lock2 = parseLockfile('package-lock.json', v2)!;
    expect(lock2.base).toBe('');
    expect(lock2.entries.map((e) => [e.location, e.name, e.version, e.dev])).toEqual([
      ['node_modules/lodash', 'lodash', '4.17.20', false],
      ['node_modules/@types/node', '@types/node', '20.1.0', true],
      ['node_modules/a/node_modules/lodash', 'lodash', '3.10.1', false],
    ]);
    const lock3 = parseLockfile('app/node_modules/.package-lock.json', v3)!;
    // The hidden lockfile inside node_modules is relative to the project folder.
    expect(lock3.base).toBe('app');
    expect(lock3.entries.map((e) => e.name)).toEqual(['@scope/tool', 'real-name']);
  });

  it('refuses what is not a lockfile', () => {
    expect(parseLockfile('package-lock.json', '{not json')).toBeUndefined();
    expect(parseLockfile('package-lock.json', '[]')).toBeUndefined();
    expect(parseLockfile('package-lock.json', '{"name":"x"}')).toBeUndefined();
  });
});

describe('installed npm packages', () => {
  it('recognises package roots only, and needs a name and version', () => {
    expect(isNpmManifest('app/node_modules/lodash/package.json')).toBe(true);
    expect(isNpmManifest('node_modules/@scope/x/package.json')).toBe(true);
    expect(isNpmManifest('app/node_modules/a/node_modules/b/package.json')).toBe(true);
    expect(isNpmManifest('app/node_modules/lodash/fp/package.json')).toBe(false);
    expect(isNpmManifest('app/package.json')).toBe(false);
    expect(isNpmManifest('app/node_modules/.bin/package.json')).toBe(false);
    expect(parseManifest('{"name":"x","version":"1.0.0"}')).toEqual({
      name: 'x',
      version: '1.0.0',
    });
    expect(parseManifest('{"type":"module"}')).toBeUndefined();
    expect(parseManifest('nope')).toBeUndefined();
  });

  it('encodes the scope in the purl as the purl specification asks', () => {
    expect(npmPurl('@babel/core', '7.12.3')).toBe('pkg:npm/%40babel/core@7.12.3');
    expect(npmPurl('lodash', '4.17.20')).toBe('pkg:npm/lodash@4.17.20');
  });

  it('prefers the installed tree and drops lockfile entries it left out', () => {
    const installed = new Map([
      ['app/node_modules/lodash/package.json', { name: 'lodash', version: '4.17.20' }],
      [
        'app/node_modules/a/node_modules/lodash/package.json',
        { name: 'lodash', version: '3.10.1' },
      ],
    ]);
    const app = parseLockfile('app/package-lock.json', v2)!;
    const hidden = parseLockfile('app/node_modules/.package-lock.json', v2)!;
    const legacy = parseLockfile('srv/legacy/package-lock.json', v1)!;
    const found = npmInventory(installed, [app, hidden, legacy]);
    expect(found.map((p) => `${p.name}@${p.version} ${p.path}`)).toEqual([
      'lodash@4.17.20 app/node_modules/lodash/package.json',
      'lodash@3.10.1 app/node_modules/a/node_modules/lodash/package.json',
      // @types/node (dev, not installed) is not reported; the uninstalled project's lock is.
      'express@4.17.1 srv/legacy/package-lock.json',
      'debug@2.6.9 srv/legacy/package-lock.json',
      '@babel/core@7.12.3 srv/legacy/package-lock.json',
      'string-width@4.2.3 srv/legacy/package-lock.json',
    ]);
    expect(found.every((p) => p.type === 'npm')).toBe(true);
  });
});
