import { ConsignError } from '../errors';
import { digestOf, isDigest, type Digest } from './digest';
import {
  isIndexMediaType,
  isManifestMediaType,
  isSchema1MediaType,
  MAX_MANIFEST_BYTES,
  MediaType,
} from './media-types';

// The OCI shapes are checked by hand: a schema library would be the largest thing every command
// loads before its first request (about 80 ms), for four small documents. Unknown fields are kept,
// as the specifications require of readers.

export interface Platform {
  architecture: string;
  os: string;
  variant?: string | undefined;
  'os.version'?: string | undefined;
  [field: string]: unknown;
}

export interface Descriptor {
  mediaType: string;
  digest: Digest;
  size: number;
  urls?: string[] | undefined;
  annotations?: Record<string, string> | undefined;
  platform?: Platform | undefined;
  artifactType?: string | undefined;
  [field: string]: unknown;
}

export interface ImageManifest {
  schemaVersion: 2;
  mediaType?: string | undefined;
  artifactType?: string | undefined;
  config: Descriptor;
  layers: Descriptor[];
  subject?: Descriptor | undefined;
  annotations?: Record<string, string> | undefined;
  [field: string]: unknown;
}

export interface ImageIndex {
  schemaVersion: 2;
  mediaType?: string | undefined;
  artifactType?: string | undefined;
  manifests: Descriptor[];
  subject?: Descriptor | undefined;
  annotations?: Record<string, string> | undefined;
  [field: string]: unknown;
}

/** Where a document departs from its shape: the path to the field, and what was expected. */
export class ShapeError extends Error {
  readonly path: string;
  constructor(path: (string | number)[], expected: string) {
    super(`expected ${expected}`);
    this.name = 'ShapeError';
    this.path = path.join('.');
  }
}

type Path = (string | number)[];

function object(value: unknown, path: Path): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ShapeError(path, 'an object');
  }
  return value as Record<string, unknown>;
}

function string(value: unknown, path: Path): string {
  if (typeof value !== 'string') throw new ShapeError(path, 'a string');
  return value;
}

function optional<T>(
  value: unknown,
  path: Path,
  check: (value: unknown, path: Path) => T,
): T | undefined {
  return value === undefined ? undefined : check(value, path);
}

function list<T>(value: unknown, path: Path, check: (value: unknown, path: Path) => T): T[] {
  if (!Array.isArray(value)) throw new ShapeError(path, 'an array');
  return value.map((item, i) => check(item, [...path, i]));
}

function stringMap(value: unknown, path: Path): Record<string, string> {
  const map = object(value, path);
  for (const [key, item] of Object.entries(map)) string(item, [...path, key]);
  return map as Record<string, string>;
}

function checkPlatform(value: unknown, path: Path): Platform {
  const platform = object(value, path);
  string(platform.architecture, [...path, 'architecture']);
  string(platform.os, [...path, 'os']);
  optional(platform.variant, [...path, 'variant'], string);
  optional(platform['os.version'], [...path, 'os.version'], string);
  return platform as Platform;
}

function checkDescriptor(value: unknown, path: Path): Descriptor {
  const descriptor = object(value, path);
  string(descriptor.mediaType, [...path, 'mediaType']);
  if (typeof descriptor.digest !== 'string' || !isDigest(descriptor.digest)) {
    throw new ShapeError([...path, 'digest'], 'a digest');
  }
  const size = descriptor.size;
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    throw new ShapeError([...path, 'size'], 'a non-negative integer');
  }
  optional(descriptor.urls, [...path, 'urls'], (v, p) => list(v, p, string));
  optional(descriptor.annotations, [...path, 'annotations'], stringMap);
  optional(descriptor.platform, [...path, 'platform'], checkPlatform);
  optional(descriptor.artifactType, [...path, 'artifactType'], string);
  return descriptor as Descriptor;
}

/** The fields image manifests and indexes share. */
function checkDocument(value: unknown): Record<string, unknown> {
  const document = object(value, []);
  if (document.schemaVersion !== 2) throw new ShapeError(['schemaVersion'], '2');
  optional(document.mediaType, ['mediaType'], string);
  optional(document.artifactType, ['artifactType'], string);
  optional(document.subject, ['subject'], checkDescriptor);
  optional(document.annotations, ['annotations'], stringMap);
  return document;
}

/** `value` as an image manifest; throws a ShapeError naming the first field that is wrong. */
export function imageManifestOf(value: unknown): ImageManifest {
  const document = checkDocument(value);
  checkDescriptor(document.config, ['config']);
  list(document.layers, ['layers'], checkDescriptor);
  return document as ImageManifest;
}

/** `value` as an image index; throws a ShapeError naming the first field that is wrong. */
export function imageIndexOf(value: unknown): ImageIndex {
  const document = checkDocument(value);
  list(document.manifests, ['manifests'], checkDescriptor);
  return document as ImageIndex;
}

/** A manifest exactly as received: its bytes are what the digest covers, never re-serialized. */
export type ParsedManifest =
  | { kind: 'manifest'; mediaType: string; digest: Digest; bytes: Buffer; manifest: ImageManifest }
  | { kind: 'index'; mediaType: string; digest: Digest; bytes: Buffer; index: ImageIndex };

/**
 * Parses and checks a manifest. `contentType` is what the source said it is; the document's own
 * `mediaType` wins when present. Schema 1 is refused with a way forward.
 */
export function parseManifest(
  bytes: Buffer,
  contentType: string | undefined,
  what: string,
): ParsedManifest {
  if (bytes.length > MAX_MANIFEST_BYTES) {
    throw new ConsignError(
      'BAD_INPUT',
      `${what} is ${bytes.length} bytes, over the 4 MiB limit for manifests.`,
    );
  }
  let json: { mediaType?: unknown; schemaVersion?: unknown; manifests?: unknown };
  try {
    json = JSON.parse(bytes.toString('utf8')) as typeof json;
  } catch {
    throw new ConsignError('BAD_INPUT', `${what} is not valid JSON.`);
  }
  if (typeof json !== 'object' || json === null) {
    throw new ConsignError('BAD_INPUT', `${what} is not a JSON object.`);
  }
  const declared = typeof json.mediaType === 'string' ? json.mediaType : undefined;
  const type = declared ?? contentType?.split(';')[0]?.trim();
  if (json.schemaVersion === 1 || isSchema1MediaType(type)) {
    throw new ConsignError(
      'BAD_INPUT',
      `${what} is a Docker schema 1 manifest, which Consign does not copy.`,
      {
        remedy:
          'Schema 1 is deprecated and unsigned by design: rebuild or re-push the image with a current Docker or buildkit.',
      },
    );
  }
  const digest = digestOf(bytes);
  const looksLikeIndex =
    isIndexMediaType(type) || (type === undefined && Array.isArray(json.manifests));
  if (looksLikeIndex) {
    return {
      kind: 'index',
      mediaType: type ?? MediaType.ociIndex,
      digest,
      bytes,
      index: checked(what, () => imageIndexOf(json)),
    };
  }
  if (type !== undefined && !isManifestMediaType(type) && type !== 'application/json') {
    throw new ConsignError(
      'BAD_INPUT',
      `${what} has media type ${type}, which is not an image manifest or index.`,
    );
  }
  return {
    kind: 'manifest',
    mediaType: type ?? MediaType.ociManifest,
    digest,
    bytes,
    manifest: checked(what, () => imageManifestOf(json)),
  };
}

function checked<T>(what: string, check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (!(error instanceof ShapeError)) throw error;
    const where = error.path || 'the document';
    throw new ConsignError('BAD_INPUT', `${what} is malformed at ${where}: ${error.message}.`);
  }
}

/** The blobs a single-image manifest refers to: config first, then layers in order. */
export function blobsOf(manifest: ImageManifest): Descriptor[] {
  return [manifest.config, ...manifest.layers];
}
