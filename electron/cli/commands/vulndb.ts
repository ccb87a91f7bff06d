import { ConsignError } from '../../core';
import { importVulnData, vulnDataStatus, type ImportProgress } from '../../core/vulndb';
import type { Command } from '../command';
import { table } from '../output';

const SUBCOMMANDS = ['import', 'status'];

/** A one-line counter for terminals; silent when stderr is not one (pipelines' logs stay clean). */
function importProgress(stream: NodeJS.WriteStream) {
  if (!stream.isTTY) return undefined;
  let shown = false;
  return {
    update({ done, total }: ImportProgress) {
      shown = true;
      const share = total ? ` (${Math.floor((done / total) * 100)}%)` : '';
      stream.write(`\rReading OSV entries: ${done}${total ? ` of ${total}` : ''}${share} `);
    },
    finish() {
      if (shown) stream.write('\n');
    },
  };
}

export const vulndbCommand: Command = {
  name: 'vulndb',
  summary: 'Import offline vulnerability data (OSV) or a malware blocklist; show what is loaded',
  usage: 'vulndb <import PATH|status>',
  help: [
    'import PATH  an OSV all.zip as osv.dev publishes it per ecosystem (e.g. Debian/all.zip,',
    '             npm/all.zip), a folder of OSV JSON files, or one OSV JSON file; or a malware',
    '             blocklist: one SHA-256 a line, optionally followed by a name (after spaces',
    '             or a comma), # comments, or a CSV file with a sha256 column (and a name',
    '             column); told apart by content; all or nothing',
    'status       records per ecosystem, blocklisted hashes, when data was imported, how old',
    'Data older than a week is still used for scans, with a warning.',
  ],
  options: {},
  positionals: { min: 1, max: 2 },
  async run({ engine, out }, { positionals }) {
    const [name, path, ...rest] = positionals;
    if (!SUBCOMMANDS.includes(name!)) {
      throw new ConsignError('BAD_REQUEST', `"${name}" is not a vulndb subcommand.`, {
        remedy: 'Usage: consign vulndb import PATH | consign vulndb status',
      });
    }
    if (name === 'import' ? !path || rest.length : path !== undefined) {
      throw new ConsignError(
        'BAD_REQUEST',
        name === 'import' ? 'Give one PATH to import.' : 'Unexpected argument.',
        { remedy: `Usage: consign vulndb ${name === 'import' ? 'import PATH' : 'status'}` },
      );
    }
    if (name === 'import') {
      const progress = out.json ? undefined : importProgress(process.stderr);
      let result;
      try {
        result = await importVulnData(engine(), path!, {
          ...(progress ? { onProgress: progress.update } : {}),
        });
      } finally {
        progress?.finish();
      }
      if (result.kind === 'blocklist') {
        out.result(
          result,
          () =>
            `Imported ${result.imported} new and ${result.updated} renamed blocklist hashes from ${result.source}` +
            (result.unchanged ? ` (${result.unchanged} already listed)` : '') +
            '.',
        );
        return 0;
      }
      out.result(result, () =>
        [
          `Imported ${result.imported} new and ${result.updated} updated OSV records from ${result.source}` +
            (result.unchanged ? ` (${result.unchanged} already current)` : '') +
            '.',
          `Ecosystems: ${result.ecosystems.join(', ') || 'none'}`,
          ...(result.skipped
            ? [
                `Skipped ${result.skipped} entries that are not OSV records:`,
                ...result.skippedReasons.map((s) => `  ${s.entry}: ${s.reason}`),
              ]
            : []),
        ].join('\n'),
      );
      return 0;
    }
    const status = vulnDataStatus(engine());
    out.result(status, () =>
      [
        `Records:  ${status.records}`,
        `Blocklist: ${status.blocklist} SHA-256 ${status.blocklist === 1 ? 'hash' : 'hashes'} of known malware (and the built-in list)`,
        ...(status.builtAt ? [`Imported: ${status.builtAt}`] : []),
        ...(status.dataAsOf ? [`Data as of: ${status.dataAsOf} (${status.ageDays} days old)`] : []),
        ...(status.warning ? [`Warning:  ${status.warning}`] : []),
        ...(status.ecosystems.length
          ? [
              '',
              table(
                ['ECOSYSTEM', 'RECORDS'],
                status.ecosystems.map((e) => [e.name, String(e.records)]),
              ),
            ]
          : []),
      ].join('\n'),
    );
    return 0;
  },
};
