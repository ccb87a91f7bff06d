import type { Readable } from 'node:stream';
import { ConsignError } from '../errors';
import type { Digest, ParsedManifest } from '../oci';
import type { BlobDescriptor, ImageSource } from './types';

/** What reading an image needs of a registry client. */
export interface RegistryReader {
  readonly host: string;
  getManifest(repository: string, reference: string): Promise<ParsedManifest>;
  getBlob(repository: string, descriptor: { digest: Digest; size: number }): Promise<Readable>;
}

/** An image in a registry, read through the registry client (which verifies every byte). */
export function registrySource(
  registry: RegistryReader,
  repository: string,
  reference: string,
): ImageSource {
  let root: Promise<ParsedManifest> | undefined;
  return {
    description: `docker://${registry.host}/${repository}${reference.includes(':') ? '@' : ':'}${reference}`,
    root() {
      root ??= registry.getManifest(repository, reference).catch((error: unknown) => {
        root = undefined;
        throw error;
      });
      return root;
    },
    manifest(digest: Digest) {
      return registry.getManifest(repository, digest);
    },
    blob(descriptor: BlobDescriptor): Promise<Readable> {
      if (descriptor.size < 0)
        throw new ConsignError('BAD_INPUT', `Blob ${descriptor.digest} has a negative size.`);
      return registry.getBlob(repository, descriptor);
    },
    async close() {},
  };
}
