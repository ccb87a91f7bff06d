import type { Readable } from 'node:stream';
import type { Digest, ParsedManifest } from '../oci';

/** Where an image is read from: a registry, the Docker engine, a layout folder, an archive. */
export interface ImageSource {
  /** For messages, e.g. "oci:/path:tag". */
  readonly description: string;
  /** The image's top-level manifest or index, exactly as stored (bytes + digest). */
  root(): Promise<ParsedManifest>;
  /** A manifest (child of an index) by digest, verified. */
  manifest(digest: Digest): Promise<ParsedManifest>;
  /** A blob's content as a stream, verified against the descriptor as it flows. */
  blob(descriptor: BlobDescriptor): Promise<Readable>;
  /** Releases the source and removes any temporary files. */
  close(): Promise<void>;
}

export interface BlobDescriptor {
  digest: Digest;
  size: number;
  mediaType?: string;
}
