import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Why Java archives cannot be built here, or undefined when the JDK's `jar` tool is available. */
export function jarUnavailable(): string | undefined {
  const probe = spawnSync('jar', ['--version'], { encoding: 'utf8' });
  return probe.status === 0 ? undefined : 'the JDK `jar` tool is not installed';
}

/**
 * Writes `files` (archive path → content) into a new archive at `out` with the JDK's `jar` tool;
 * `manifest` becomes META-INF/MANIFEST.MF (jar adds Manifest-Version and Created-By).
 * `stored` keeps entries uncompressed, as Spring Boot stores its nested jars.
 */
export function buildJar(
  out: string,
  files: Record<string, string | Buffer>,
  options: { manifest?: string; stored?: boolean } = {},
): string {
  const root = mkdtempSync(join(dirname(out), 'jar-'));
  try {
    for (const [name, data] of Object.entries(files)) {
      mkdirSync(dirname(join(root, name)), { recursive: true });
      writeFileSync(join(root, name), data);
    }
    const args = [options.stored ? '--no-compress' : '', '--create', '--file', out];
    if (options.manifest) {
      writeFileSync(`${root}.mf`, options.manifest);
      args.push('--manifest', `${root}.mf`);
    }
    args.push('-C', root, '.');
    const run = spawnSync(
      'jar',
      args.filter((a) => a),
      { encoding: 'utf8' },
    );
    if (run.status !== 0) throw new Error(`jar failed: ${run.stderr}`);
    return out;
  } finally {
    rmSync(root, { recursive: true, force: true });
    rmSync(`${root}.mf`, { force: true });
  }
}

/** `groupId`/`artifactId`/`version` as Maven writes them into every artifact it packages. */
export function pomProperties(group: string, artifact: string, version: string): string {
  return `#Created by Apache Maven\nversion=${version}\ngroupId=${group}\nartifactId=${artifact}\n`;
}
