import type { Command } from '../command';
import { humanSize, table } from '../output';

function ago(iso: string, now = Date.now()): string {
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  const steps: [number, string][] = [
    [60, 'second'],
    [60, 'minute'],
    [24, 'hour'],
    [30, 'day'],
    [12, 'month'],
  ];
  let value = seconds;
  for (const [size, unit] of steps) {
    if (value < size) return `${value} ${unit}${value === 1 ? '' : 's'} ago`;
    value = Math.floor(value / size);
  }
  return `${value} year${value === 1 ? '' : 's'} ago`;
}

export const imagesCommand: Command = {
  name: 'images',
  summary: 'List the images in the local Docker engine',
  usage: 'images [--all]',
  help: ['--all   include intermediate images', 'Honours DOCKER_HOST.'],
  options: { all: { type: 'boolean' } },
  async run({ engine, out }, { values }) {
    const images = await engine().docker.listImages({ all: values.all === true });
    out.result(images, () =>
      table(
        ['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE'],
        images.map((image) => [
          image.repository,
          image.tag,
          image.id.replace(/^sha256:/, '').slice(0, 12),
          ago(image.created),
          humanSize(image.size),
        ]),
      ),
    );
    return 0;
  },
};
