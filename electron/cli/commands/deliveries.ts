import { resolve } from 'node:path';
import { getDelivery, listDeliveries, saveDeliveryRecords } from '../../core/delivery';
import { ConsignError } from '../../core/errors';
import type { Command } from '../command';
import { table } from '../output';
import { deliveryJson, deliveryText } from './deliver';

const USAGE = 'deliveries list [--limit N] | deliveries show ID | deliveries records ID --out DIR';

function usage(message: string): ConsignError {
  return new ConsignError('BAD_REQUEST', message, { remedy: `Usage: consign ${USAGE}` });
}

export const deliveriesCommand: Command = {
  name: 'deliveries',
  summary: 'List deliveries, or show one with each customer and image',
  usage: USAGE,
  help: [
    'list          newest first: id, release, status, gate, customers and their status',
    '--limit N     at most N deliveries (default 200, up to 1000)',
    'show ID       one delivery as `consign deliver` reports it (the same --json shape)',
    'records ID    write the signed delivery records (Sigstore bundles, one per customer and',
    "              image, with the decoded statements and the signer's public key) for auditors",
    '--out DIR     where (a new or empty folder)',
  ],
  options: { limit: { type: 'string' }, out: { type: 'string' } },
  positionals: { min: 1, max: 2 },
  async run({ engine, out }, { values, positionals }) {
    const [sub, id] = positionals;
    if (sub === 'list') {
      if (id !== undefined) throw usage('deliveries list takes no argument.');
      if (values.out !== undefined) throw usage('--out applies to deliveries records only.');
      let limit: number | undefined;
      if (typeof values.limit === 'string') {
        limit = Number(values.limit);
        if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
          throw usage(`--limit ${values.limit} is not a number from 1 to 1000.`);
        }
      }
      const deliveries = listDeliveries(engine(), limit);
      out.result(deliveries, () =>
        deliveries.length
          ? table(
              ['ID', 'RELEASE', 'STATUS', 'GATE', 'IMAGES', 'CUSTOMERS', 'CREATED'],
              deliveries.map((d) => [
                d.id,
                d.release,
                d.status,
                d.gate ?? '-',
                String(d.images),
                d.customers.map((c) => `${c.name} (${c.status})`).join(', '),
                d.createdAt,
              ]),
            )
          : 'No deliveries yet.',
      );
      return 0;
    }
    if (values.limit !== undefined) throw usage('--limit applies to deliveries list only.');
    if (sub === 'records') {
      if (id === undefined) throw usage('deliveries records needs the id of a delivery.');
      if (typeof values.out !== 'string' || !values.out.trim()) throw usage('--out DIR missing.');
      const saved = await saveDeliveryRecords(engine(), id, resolve(values.out));
      out.result(saved, () =>
        [
          `Wrote ${saved.files.length} files to ${saved.dir}:`,
          ...saved.files.map((f) => `  ${f}`),
        ].join('\n'),
      );
      return 0;
    }
    if (values.out !== undefined) throw usage('--out applies to deliveries records only.');
    if (sub === 'show') {
      if (id === undefined) throw usage('deliveries show needs the id of a delivery.');
      const delivery = getDelivery(engine(), id);
      out.result(deliveryJson(delivery), () => deliveryText(delivery));
      return 0;
    }
    throw usage(`"${sub}" is not a deliveries subcommand.`);
  },
};
