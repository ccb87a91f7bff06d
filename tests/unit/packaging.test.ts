import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const require = createRequire(import.meta.url);

interface BuilderConfig {
  files: string[];
  linux: { target: string[] };
  mac: { target: string[]; entitlements: string };
  win: { target: string[] };
  asarUnpack: string[];
}

/** electron-builder's own validator, run offline: the same check `electron-builder` performs. */
async function validate(config: unknown): Promise<void> {
  const { validateConfiguration } = require('app-builder-lib/out/util/config/config') as {
    validateConfiguration: (config: unknown, logger: unknown) => Promise<void>;
  };
  const { DebugLogger } = require('builder-util/out/DebugLogger') as {
    DebugLogger: new (enabled: boolean) => unknown;
  };
  await validateConfiguration(config, new DebugLogger(false));
}

describe('electron-builder.yml', () => {
  const config = parse(readFileSync('electron-builder.yml', 'utf8')) as BuilderConfig;

  // The first call loads electron-builder's validator, which takes seconds on a busy machine.
  it('passes electron-builder schema validation', async () => {
    await expect(validate(config)).resolves.toBeUndefined();
  }, 60_000);

  it('is rejected by the same validation when it holds an unknown option', async () => {
    await expect(validate({ ...config, notAnOption: true })).rejects.toThrow(/notAnOption/);
  });

  it('builds AppImage and deb for Linux, dmg for macOS and nsis for Windows', () => {
    expect(config.linux.target).toEqual(expect.arrayContaining(['AppImage', 'deb']));
    expect(config.mac.target).toContain('dmg');
    expect(config.win.target).toContain('nsis');
  });

  it('packages the built app and keeps the native keychain module outside the asar', () => {
    expect(config.files).toEqual(
      expect.arrayContaining(['out/main/**', 'out/preload/**', 'out/renderer/**']),
    );
    expect(config.asarUnpack.some((p) => p.includes('@napi-rs/keyring'))).toBe(true);
    expect(() => readFileSync(config.mac.entitlements)).not.toThrow();
  });
});
