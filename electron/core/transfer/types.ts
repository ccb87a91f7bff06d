import type { Readable } from 'node:stream';
import type { Descriptor, Digest, ParsedManifest } from '../oci';
import type { ReadBuffers } from '../registry';
import type { ImageSource } from '../sources';

/** What the copy engine needs of a registry (the registry client provides it). */
export interface RegistryApi {
  readonly host: string;
  headManifest(
    repository: string,
    reference: string,
  ): Promise<{ digest: Digest; mediaType: string; size: number } | null>;
  getManifest(repository: string, reference: string): Promise<ParsedManifest>;
  putManifest(
    repository: string,
    reference: string,
    manifest: { bytes: Buffer; mediaType: string },
  ): Promise<Digest>;
  hasBlob(repository: string, digest: Digest): Promise<number | null>;
  getBlob(
    repository: string,
    descriptor: { digest: Digest; size: number },
    offset?: number,
    signal?: AbortSignal,
    readBuffers?: ReadBuffers,
  ): Promise<Readable>;
  mountBlob(repository: string, digest: Digest, fromRepository: string): Promise<boolean>;
  uploadBlob(
    repository: string,
    descriptor: { digest: Digest; size: number },
    open: (offset: number) => Promise<Readable>,
    options?: {
      onProgress?: (bytesSent: number) => void;
      onSent?: (position: number) => void;
      signal?: AbortSignal;
      checkExisting?: boolean;
    },
  ): Promise<unknown>;
  /** Uploads content whose digest is only known at its end (see RegistryClient). */
  uploadStreamedBlob(
    repository: string,
    source: {
      open(
        offset: number,
      ): Promise<{ stream: Readable; result: Promise<{ digest: Digest; size: number }> }>;
    },
    options?: { onProgress?: (bytesSent: number) => void; signal?: AbortSignal },
  ): Promise<{ digest: Digest; size: number }>;
  referrers(
    repository: string,
    digest: Digest,
    artifactType?: string,
  ): Promise<{ manifests: Descriptor[] }>;
  supportsReferrersApi(repository: string): Promise<boolean>;
  addReferrers(repository: string, subject: Digest, descriptors: Descriptor[]): Promise<unknown>;
}

export interface RegistryLocation {
  registry: RegistryApi;
  repository: string;
}

export interface CopySource {
  image: ImageSource;
  /** Set when the source is a registry: its signatures and referrers travel too, and blobs can be mounted. */
  location?: RegistryLocation;
  /**
   * Push uncompressed layers gzip-compressed, as `docker push` does: for images exported from the
   * Docker engine, whose layers are stored uncompressed only because of how they were exported.
   */
  compressLayers?: boolean;
}

export interface CopyDestination extends RegistryLocation {
  /** As the user named it, for messages and results. */
  ref: string;
  tag?: string;
}

export type DestinationStatus = 'copied' | 'unchanged' | 'conflict' | 'failed';

export interface DestinationResult {
  ref: string;
  digest: Digest;
  status: DestinationStatus;
  error?: { code: string; message: string; remedy?: string };
  blobsUploaded: number;
  blobsMounted: number;
  blobsPresent: number;
  bytesUploaded: number;
  artifacts: number;
}

export interface CopyResult {
  digest: Digest;
  mediaType: string;
  destinations: DestinationResult[];
}

export interface CopyProgress {
  destination: string;
  digest: Digest;
  state: 'queued' | 'running' | 'done' | 'failed';
  done: number;
  total: number;
}

/** A memory of where blobs are, to mount instead of upload (see registry/blob-locations). */
export interface BlobLocationMemory {
  candidates(host: string, digest: string, except: string): string[];
  remember(host: string, repository: string, digest: string): void;
  forget(host: string, repository: string, digest: string): void;
}

/**
 * A memory of layers compressed before (diff_id and settings → compressed digest and size), so a
 * later push knows the compressed digests without compressing, and skips what is already there.
 */
export interface CompressionMemory {
  get(diffId: Digest, algorithm: string): { digest: Digest; size: number } | undefined;
  remember(diffId: Digest, algorithm: string, compressed: { digest: Digest; size: number }): void;
}

export interface CopyOptions {
  blobLocations?: BlobLocationMemory;
  compressedLayers?: CompressionMemory;
  /** Move a destination tag that points at another digest (off by default: tags are immutable). */
  overwrite?: boolean;
  /** Blobs transferred at once. */
  concurrency?: number;
  onProgress?: (progress: CopyProgress) => void;
  signal?: AbortSignal;
}
