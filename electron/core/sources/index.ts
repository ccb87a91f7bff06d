import type { DockerEngine } from '../docker';
import { ConsignError } from '../errors';
import type { ImageReference } from '../oci';
import { openDockerArchive } from './docker-archive';
import { openDockerDaemon } from './docker-daemon';
import { openOciLayout } from './oci-layout';
import type { ImageSource } from './types';

export type { BlobDescriptor, ImageSource } from './types';
export { openDockerArchive, synthesizeManifest } from './docker-archive';
export { openDockerDaemon } from './docker-daemon';
export { openOciLayout, REF_NAME_ANNOTATION } from './oci-layout';
export { indexTar, TarIndex, type TarEntry } from './tar';

export interface SourceDeps {
  docker: DockerEngine;
}

/** Opens the image a reference names, whatever its transport. Close it when done. */
export async function openSource(ref: ImageReference, deps: SourceDeps): Promise<ImageSource> {
  switch (ref.transport) {
    case 'oci':
      return openOciLayout(ref.path, ref.tag);
    case 'docker-archive':
      return openDockerArchive(ref.path, ref.name);
    case 'docker-daemon':
      return openDockerDaemon(ref.name, deps.docker);
    case 'docker':
      // Registry sources are served by the registry client; wire it here.
      throw new ConsignError(
        'BAD_REQUEST',
        `Reading ${ref.registry}/${ref.repository} from a registry is not available in this build.`,
        { remedy: 'Use a docker-daemon:, oci: or docker-archive: source for now.' },
      );
  }
}
