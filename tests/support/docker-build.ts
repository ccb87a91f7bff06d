import type Docker from 'dockerode';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Builds an image in the test Docker engine from a Dockerfile and context files given in memory
 * (FROM scratch or the local base image: nothing is pulled). Returns `docker image inspect`.
 */
export async function buildImage(
  docker: Docker,
  ref: string,
  dockerfile: string,
  files: Record<string, string | Buffer> = {},
  buildArgs: Record<string, string> = {},
): Promise<Docker.ImageInspectInfo> {
  const context = mkdtempSync(join(tmpdir(), 'consign-build-'));
  try {
    writeFileSync(join(context, 'Dockerfile'), dockerfile);
    for (const [name, data] of Object.entries(files)) writeFileSync(join(context, name), data);
    const stream = await docker.buildImage(
      { context, src: ['Dockerfile', ...Object.keys(files)] },
      { t: ref, rm: true, forcerm: true, buildargs: buildArgs },
    );
    await new Promise<void>((resolve, reject) =>
      docker.modem.followProgress(stream, (error, output: { error?: string }[]) => {
        const failed = output?.find((line) => line.error);
        if (error || failed) reject(error ?? new Error(failed?.error));
        else resolve();
      }),
    );
    return await docker.getImage(ref).inspect();
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
}
