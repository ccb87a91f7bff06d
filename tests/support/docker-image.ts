import type Docker from 'dockerode';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface BuiltImage {
  ref: string;
  repository: string;
  tag: string;
  id: string;
  size: number;
}

/**
 * Builds a tiny image FROM scratch in the test Docker engine (nothing is pulled), with a file
 * whose content is unique to this build, so its id is new too.
 */
export async function buildTestImage(
  docker: Docker,
  repository: string,
  tag: string,
): Promise<BuiltImage> {
  const context = mkdtempSync(join(tmpdir(), 'consign-image-'));
  try {
    writeFileSync(join(context, 'Dockerfile'), 'FROM scratch\nCOPY payload.txt /payload.txt\n');
    writeFileSync(
      join(context, 'payload.txt'),
      `built for a test at ${new Date().toISOString()} ${Math.random()}\n`,
    );
    const stream = await docker.buildImage(
      { context, src: ['Dockerfile', 'payload.txt'] },
      { t: `${repository}:${tag}`, rm: true },
    );
    await new Promise<void>((resolve, reject) =>
      docker.modem.followProgress(stream, (error, output: { error?: string }[]) => {
        const failed = output?.find((line) => line.error);
        if (error || failed) reject(error ?? new Error(failed?.error));
        else resolve();
      }),
    );
    const info = await docker.getImage(`${repository}:${tag}`).inspect();
    return { ref: `${repository}:${tag}`, repository, tag, id: info.Id, size: info.Size };
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
}
