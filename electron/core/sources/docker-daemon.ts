import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { DockerEngine } from '../docker';
import { ConsignError } from '../errors';
import { openArchive } from './docker-archive';
import type { ImageSource } from './types';

/**
 * Reads an image from the local Docker engine: its `docker save` tarball is streamed to a
 * temporary file (memory stays flat whatever the size) and read as a docker-archive, with random
 * access to each layer. The file is removed on close() and when anything fails.
 */
export async function openDockerDaemon(name: string, docker: DockerEngine): Promise<ImageSource> {
  const description = `docker-daemon:${name}`;
  // Asking first gives a clear NOT_FOUND before any export starts.
  await docker.inspectImage(name);
  const folder = await mkdtemp(join(tmpdir(), 'consign-daemon-'));
  const remove = () => rm(folder, { recursive: true, force: true });
  try {
    const file = join(folder, 'image.tar');
    const stream = await docker.exportImage(name);
    try {
      await pipeline(stream, createWriteStream(file, { flags: 'wx' }));
    } catch (cause) {
      if (cause instanceof ConsignError) throw cause;
      throw new ConsignError(
        'DOCKER_UNAVAILABLE',
        `The Docker engine at ${docker.endpoint.display} stopped while exporting ${name}.`,
        {
          remedy:
            'Check that the engine is running and the temporary folder has space, then retry.',
          cause,
        },
      );
    }
    // The export holds only this image, so there is nothing to choose by name.
    return await openArchive(file, undefined, description, remove);
  } catch (error) {
    await remove();
    throw error;
  }
}
