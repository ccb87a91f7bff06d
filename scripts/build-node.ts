/**
 * Builds the hosts that run outside Electron: the `consign` command and the browser preview
 * (server in Node, bridge script in the page). electron-vite builds the Electron side.
 */
import { build } from 'esbuild';
import { chmod } from 'node:fs/promises';

const node = {
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'esm',
  // Dependencies stay in node_modules; only our own code is bundled.
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
} as const;

await Promise.all([
  build({
    ...node,
    entryPoints: ['electron/cli/consign.ts'],
    // Commands are loaded on demand: each gets its own chunk, so start-up reads only what it runs.
    splitting: true,
    outdir: 'out/cli',
    chunkNames: 'chunks/[name]-[hash]',
    banner: { js: '#!/usr/bin/env node' },
  }),
  build({ ...node, entryPoints: ['electron/preview/server.ts'], outfile: 'out/preview/server.js' }),
  build({
    entryPoints: ['electron/preview/bridge.ts'],
    outfile: 'out/preview/bridge.js',
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'chrome120',
    logLevel: 'warning',
  }),
]);
await chmod('out/cli/consign.js', 0o755);
