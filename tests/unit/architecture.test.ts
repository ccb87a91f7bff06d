import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.(ts|tsx)$/.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name));
}

/** Every module specifier a file imports, statically, dynamically or through require. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const pattern =
    /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm;
  return [...text.matchAll(pattern)].map((match) => match[1]!);
}

function offenders(dir: string, forbidden: (specifier: string) => boolean): string[] {
  return sourceFiles(dir).flatMap((file) =>
    importsOf(file)
      .filter(forbidden)
      .map((specifier) => `${file} imports ${specifier}`),
  );
}

describe('layering', () => {
  it('sees imports in every form (the checks below can fail)', () => {
    expect(importsOf('electron/main/index.ts')).toContain('electron');
  });

  it('keeps electron/core free of electron, the renderer and the hosts', () => {
    expect(
      offenders(
        'electron/core',
        (s) =>
          s === 'electron' ||
          /renderer|electron\/(main|preload|cli|preview)|\.\.\/(main|preload|cli|preview)\//.test(
            s,
          ),
      ),
    ).toEqual([]);
  });

  it('keeps the contract to types and schemas', () => {
    expect(offenders('shared', (s) => s !== 'zod' && !s.startsWith('./'))).toEqual([]);
  });

  it('lets the renderer reach the engine only through window.consign', () => {
    expect(
      offenders(
        'renderer',
        (s) => s === 'electron' || s.startsWith('node:') || /(^|\/)electron\//.test(s),
      ),
    ).toEqual([]);
  });

  it('keeps the preload to the bridge: electron and the contract only', () => {
    expect(
      offenders('electron/preload', (s) => s !== 'electron' && !s.startsWith('../../shared/')),
    ).toEqual([]);
  });
});
