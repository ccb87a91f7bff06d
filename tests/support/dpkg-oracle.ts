import { spawnSync } from 'node:child_process';

/** One package as dpkg itself reports it inside an image. */
export interface InstalledDeb {
  name: string;
  version: string;
  sourceName: string;
  sourceVersion: string;
}

/** The oracle for the scanner's Debian inventory: `dpkg-query -W` run in a container of `image`. */
export function installedDebs(image: string, dockerHost: string): InstalledDeb[] {
  const query = spawnSync(
    'docker',
    [
      'run',
      '--rm',
      '--network=none',
      image,
      'dpkg-query',
      '-W',
      '-f',
      '${Package}\\t${Version}\\t${source:Package}\\t${source:Version}\\n',
    ],
    { env: { ...process.env, DOCKER_HOST: dockerHost }, encoding: 'utf8' },
  );
  if (query.status !== 0) throw new Error(`dpkg-query failed in ${image}: ${query.stderr}`);
  return query.stdout
    .trim()
    .split('\n')
    .map((line) => {
      const [name, version, sourceName, sourceVersion] = line.split('\t') as [
        string,
        string,
        string,
        string,
      ];
      return { name, version, sourceName, sourceVersion };
    });
}
