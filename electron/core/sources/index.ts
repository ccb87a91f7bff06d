import type { DockerEngine } from '../docker';
import type { ImageReference } from '../oci';
import { openDockerArchive } from './docker-archive';
import { openDockerDaemon } from './docker-daemon';
import { openOciLayout } from './oci-layout';
import type { ImageSource } from './types';

export type { BlobDescriptor, ImageSource } from './types';
export { openDockerArchive, synthesizeManifest } from './docker-archive';
export { openDockerDaemon } from './docker-daemon';
export { openOciLayout, REF_NAME_ANNOTATION } from './oci-layout';
export { layoutRefName, OciLayoutRegistry, splitLayoutRefName } from './oci-layout-registry';
export { registrySource, type RegistryReader } from './registry';
export { indexTar, TarIndex, type TarEntry } from './tar';
export { skipBytes } from './store';

export interface SourceDeps {
  docker: DockerEngine;
}

/** A reference to an image outside any registry. */
export type LocalImageReference = Exclude<ImageReference, { transport: 'docker' }>;

/**
 * Opens a local image (Docker engine, layout folder, archive). Close it when done. Registry
 * images are read through `registrySource`, with a client configured for their host.
 */
export async function openSource(ref: LocalImageReference, deps: SourceDeps): Promise<ImageSource> {
  switch (ref.transport) {
    case 'oci':
      return openOciLayout(ref.path, ref.tag);
    case 'docker-archive':
      return openDockerArchive(ref.path, ref.name);
    case 'docker-daemon':
      return openDockerDaemon(ref.name, deps.docker);
  }
}
