import { inspectImage } from '../../core/images';
import type { Command } from '../command';
import { humanSize, table } from '../output';

export const inspectCommand: Command = {
  name: 'inspect',
  summary: 'Resolve an image reference: digest, platforms, layers and signatures',
  usage: 'inspect REF',
  help: [
    'REF  docker://HOST/REPO:TAG, docker-daemon:NAME:TAG, oci:DIR[:TAG] or docker-archive:FILE',
  ],
  options: {},
  positionals: { min: 1, max: 1 },
  async run({ engine, out }, { positionals }) {
    const info = await inspectImage(engine(), positionals[0]!);
    out.result(info, () => {
      const lines = [
        `digest:     ${info.digest}`,
        `media type: ${info.mediaType}`,
        `size:       ${humanSize(info.size)}`,
      ];
      if (info.platforms?.length) {
        lines.push(
          `platforms:  ${info.platforms.map((p) => [p.os, p.architecture, p.variant].filter(Boolean).join('/')).join(', ')}`,
        );
      }
      if (info.layers.length) {
        lines.push(
          '',
          table(
            ['LAYER', 'SIZE', 'MEDIA TYPE'],
            info.layers.map((l) => [l.digest, humanSize(l.size), l.mediaType]),
          ),
        );
      }
      lines.push(
        '',
        info.signatures.length
          ? table(
              ['SIGNATURE/ARTIFACT', 'KIND', 'FOR', 'TYPE'],
              info.signatures.map((s) => [
                s.digest,
                s.kind,
                s.subject,
                s.artifactType ?? s.tag ?? s.mediaType,
              ]),
            )
          : 'signatures: none found',
      );
      return lines.join('\n');
    });
    return 0;
  },
};
