import { z } from 'zod';
import { ConsignError } from '../errors';
import { digestOf, isDigest, type Digest } from './digest';
import {
  isIndexMediaType,
  isManifestMediaType,
  isSchema1MediaType,
  MAX_MANIFEST_BYTES,
  MediaType,
} from './media-types';

const DigestSchema = z.string().refine(isDigest, 'not a digest') as unknown as z.ZodType<Digest>;

export const Platform = z.looseObject({
  architecture: z.string(),
  os: z.string(),
  variant: z.string().optional(),
  'os.version': z.string().optional(),
});
export type Platform = z.infer<typeof Platform>;

export const Descriptor = z.looseObject({
  mediaType: z.string(),
  digest: DigestSchema,
  size: z.number().int().nonnegative(),
  urls: z.array(z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  platform: Platform.optional(),
  artifactType: z.string().optional(),
});
export type Descriptor = z.infer<typeof Descriptor>;

export const ImageManifest = z.looseObject({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  artifactType: z.string().optional(),
  config: Descriptor,
  layers: z.array(Descriptor),
  subject: Descriptor.optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});
export type ImageManifest = z.infer<typeof ImageManifest>;

export const ImageIndex = z.looseObject({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  artifactType: z.string().optional(),
  manifests: z.array(Descriptor),
  subject: Descriptor.optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});
export type ImageIndex = z.infer<typeof ImageIndex>;

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
    const index = ImageIndex.safeParse(json);
    if (!index.success) throw malformed(what, index.error);
    return {
      kind: 'index',
      mediaType: type ?? MediaType.ociIndex,
      digest,
      bytes,
      index: index.data,
    };
  }
  if (type !== undefined && !isManifestMediaType(type) && type !== 'application/json') {
    throw new ConsignError(
      'BAD_INPUT',
      `${what} has media type ${type}, which is not an image manifest or index.`,
    );
  }
  const manifest = ImageManifest.safeParse(json);
  if (!manifest.success) throw malformed(what, manifest.error);
  return {
    kind: 'manifest',
    mediaType: type ?? MediaType.ociManifest,
    digest,
    bytes,
    manifest: manifest.data,
  };
}

function malformed(what: string, error: z.ZodError): ConsignError {
  const first = error.issues[0];
  const where = first?.path.length ? first.path.join('.') : 'the document';
  return new ConsignError(
    'BAD_INPUT',
    `${what} is malformed at ${where}: ${first?.message ?? 'invalid'}.`,
  );
}

/** The blobs a single-image manifest refers to: config first, then layers in order. */
export function blobsOf(manifest: ImageManifest): Descriptor[] {
  return [manifest.config, ...manifest.layers];
}
