import { copyImages } from '../../core/images';
import type { Command } from '../command';
import { humanSize, table } from '../output';
import { progressReporter } from '../progress';

export const copyCommand: Command = {
  name: 'copy',
  summary: 'Copy an image with its signatures and referrers to one or more registries',
  usage: 'copy SRC DST [DST...] [--overwrite]',
  help: [
    'SRC      docker://HOST/REPO:TAG, docker-daemon:NAME:TAG, oci:DIR[:TAG] or docker-archive:FILE',
    'DST      docker://HOST[:PORT]/REPO[:TAG]; layers are read once for all destinations',
    'Images from docker-daemon: and docker-archive: are pushed with gzip layers, as docker push does.',
    '--overwrite  move a destination tag that points at another image (tags are immutable otherwise)',
    'Exit 1 when a destination tag already names another image; 3 when a registry fails.',
  ],
  options: { overwrite: { type: 'boolean' } },
  positionals: { min: 2, max: 64 },
  async run({ engine, out }, { values, positionals }) {
    const [source, ...destinations] = positionals;
    const progress = out.json ? undefined : progressReporter(process.stderr);
    const result = await copyImages(engine(), source!, destinations, {
      overwrite: values.overwrite === true,
      ...(progress ? { onProgress: progress.update } : {}),
    });
    progress?.finish();
    out.result(result, () =>
      [
        `digest: ${result.digest}`,
        table(
          ['DESTINATION', 'STATUS', 'UPLOADED', 'MOUNTED', 'PRESENT', 'ARTIFACTS', 'BYTES'],
          result.destinations.map((d) => [
            d.ref,
            d.status,
            String(d.blobsUploaded),
            String(d.blobsMounted),
            String(d.blobsPresent),
            String(d.artifacts),
            humanSize(d.bytesUploaded),
          ]),
        ),
        ...result.destinations.flatMap((d) =>
          d.error
            ? [`${d.ref}: ${d.error.message}${d.error.remedy ? `\n  ${d.error.remedy}` : ''}`]
            : [],
        ),
      ].join('\n'),
    );
    const statuses = result.destinations.map((d) => d.status);
    if (statuses.includes('failed')) return 3;
    if (statuses.includes('conflict')) return 1;
    return 0;
  },
};
