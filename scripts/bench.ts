/**
 * `npm run bench`: measures the engine against its targets and prints a table (and JSON with
 * --json). Each benchmark is bundled with esbuild and run in its own Node process, so one cannot
 * warm or slow another.
 *
 *   npm run bench [-- --events N] [--json]
 */
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const { values } = parseArgs({
  options: { events: { type: 'string', default: '100000' }, json: { type: 'boolean' } },
});

await build({
  entryPoints: { audit: 'scripts/bench/audit.ts' },
  outdir: 'out/bench',
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'esm',
  packages: 'external',
  logLevel: 'warning',
});

const audit = JSON.parse(
  execFileSync(process.execPath, ['out/bench/audit.js', values.events], { encoding: 'utf8' }),
) as { events: number; appendMs: number; appendPerSecond: number; verifyMs: number };

const rows = [
  [
    'audit: append',
    `${audit.events} events`,
    `${audit.appendMs} ms`,
    `${audit.appendPerSecond}/s`,
    '',
  ],
  ['audit: verify chain', `${audit.events} events`, `${audit.verifyMs} ms`, '', 'target < 1000 ms'],
];

if (values.json) {
  console.log(JSON.stringify({ audit }, null, 2));
} else {
  const widths = [0, 1, 2, 3, 4].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const row of rows) console.log(row.map((cell, i) => cell.padEnd(widths[i]!)).join('  '));
}
