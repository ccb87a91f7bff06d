/**
 * Appends audit events as fast as it can through the engine, on the workspace given as its
 * argument, printing each hundredth seq; the crash-safety test kills it mid-way.
 * Run bundled: tests build it with esbuild, as the benchmarks are.
 */
import { createEngine } from '../../electron/core/engine';

const engine = createEngine({ host: 'cli', home: process.argv[2]! });
const { audit } = engine.requireStore();
for (let i = 0; ; i++) {
  const event = audit.append({
    action: 'test.load',
    subject: `item-${i}`,
    details: { i, customer: `customer-${i % 7}`, text: 'x'.repeat(i % 300) },
  });
  if (event.seq % 100 === 0) process.stdout.write(`${event.seq}\n`);
  // Let background checkpoints run now and then, so a kill can land in one too.
  if (i % 250 === 0) await new Promise((resolve) => setImmediate(resolve));
}
