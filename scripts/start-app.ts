/**
 * `npm start`: runs the built desktop app. Electron's own binary is fetched on first use (it is not
 * part of the npm package); where it cannot be fetched, say so and offer the browser preview.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

let electronBinary: string;
try {
  electronBinary = require('electron') as string;
} catch {
  console.error(
    [
      '',
      'Consign: the Electron runtime could not be downloaded on this machine, so the desktop',
      'window cannot open here. Everything else works:',
      '  npm run preview   the same app in your browser, served on 127.0.0.1',
      '  npx consign ...   the command-line interface',
      'On a machine with access to the Electron release downloads, `npm start` opens the app.',
    ].join('\n'),
  );
  process.exit(1);
}

const child = spawn(electronBinary, ['.', ...process.argv.slice(2)], { stdio: 'inherit' });
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => child.kill(signal));
}
