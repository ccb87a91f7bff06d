import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { ConsignError } from '../errors';
import {
  isDigest,
  MAX_MANIFEST_BYTES,
  parseDigest,
  parseManifest,
  type Descriptor,
  type Digest,
  type ParsedManifest,
} from '../oci';
import {
  blobPath,
  DirectoryStore,
  readLayoutManifest,
  readSmall,
  verified,
  type FileStore,
} from './store';
import type { BlobDescriptor, ImageSource } from './types';

export const REF_NAME_ANNOTATION = 'org.opencontainers.image.ref.name';

const incompleteRemedy =
  'The image on disk is incomplete or damaged: write it again (for example with skopeo copy) and retry.';

/** Checks the `oci-layout` marker and reads `index.json` as an image index. */
export async function readLayoutIndex(
  store: FileStore,
  what: string,
): Promise<ParsedManifest & { kind: 'index' }> {
  const marker = await store.size('oci-layout');
  if (marker === undefined) {
    throw new ConsignError(
      'BAD_INPUT',
      `${what} is not an OCI image layout: it has no oci-layout file.`,
      {
        remedy: 'Point at the folder that holds oci-layout, index.json and blobs/.',
      },
    );
  }
  const layout = await readSmall(store, 'oci-layout', 64 * 1024, `The oci-layout file of ${what}`);
  let version: unknown;
  try {
    version = (JSON.parse(layout.toString('utf8')) as { imageLayoutVersion?: unknown })
      .imageLayoutVersion;
  } catch {
    throw new ConsignError('BAD_INPUT', `The oci-layout file of ${what} is not valid JSON.`);
  }
  if (typeof version !== 'string' || !version.startsWith('1.')) {
    throw new ConsignError(
      'BAD_INPUT',
      `${what} is an OCI image layout of version ${JSON.stringify(version)}, which Consign does not read.`,
      { remedy: 'Write the layout with a tool that produces imageLayoutVersion 1.0.0.' },
    );
  }
  const bytes = await readSmall(
    store,
    'index.json',
    MAX_MANIFEST_BYTES,
    `The index.json of ${what}`,
  );
  const parsed = parseManifest(bytes, undefined, `The index.json of ${what}`);
  if (parsed.kind !== 'index') {
    throw new ConsignError('BAD_INPUT', `The index.json of ${what} is not an image index.`);
  }
  return parsed;
}

function tagOf(descriptor: Descriptor): string | undefined {
  return descriptor.annotations?.[REF_NAME_ANNOTATION];
}

/** Picks the index.json entry for `tag` (or the only one); errors list what there is. */
export function selectLayoutEntry(
  entries: Descriptor[],
  tag: string | undefined,
  what: string,
): Descriptor {
  const listing = () => {
    const tags = entries.map((entry) => tagOf(entry) ?? `(untagged ${entry.digest})`);
    return tags.length === 0 ? 'it holds no image' : `it holds ${tags.join(', ')}`;
  };
  if (tag === undefined) {
    if (entries.length === 1) return entries[0]!;
    throw new ConsignError(
      entries.length === 0 ? 'NOT_FOUND' : 'BAD_INPUT',
      `${what} holds ${entries.length} images; say which one: ${listing()}.`,
      { remedy: 'Add the tag to the reference, as in oci:DIR:TAG.' },
    );
  }
  const matches = entries.filter((entry) => tagOf(entry) === tag);
  if (matches.length === 1) return matches[0]!;
  if (matches.length === 0) {
    throw new ConsignError('NOT_FOUND', `${what} has no image tagged "${tag}": ${listing()}.`, {
      remedy: 'Use one of the tags listed.',
    });
  }
  throw new ConsignError(
    'BAD_INPUT',
    `${what} has ${matches.length} entries tagged "${tag}", so the tag is ambiguous.`,
    { remedy: 'Rewrite the layout so each tag names one image.' },
  );
}

/** An image read from the files of an OCI image layout (a folder or a tar archive). */
export class LayoutSource implements ImageSource {
  readonly description: string;
  readonly #store: FileStore;
  readonly #root: Descriptor;
  readonly #cleanup: (() => Promise<void>) | undefined;

  constructor(
    store: FileStore,
    description: string,
    root: Descriptor,
    cleanup?: () => Promise<void>,
  ) {
    this.#store = store;
    this.description = description;
    this.#root = root;
    this.#cleanup = cleanup;
  }

  async root(): Promise<ParsedManifest> {
    return this.#readManifest(this.#root.digest, this.#root.size, this.#root.mediaType);
  }

  async manifest(digest: Digest): Promise<ParsedManifest> {
    return this.#readManifest(parseDigest(digest, 'manifest digest'), undefined, undefined);
  }

  async blob(descriptor: BlobDescriptor): Promise<Readable> {
    if (!isDigest(descriptor.digest)) parseDigest(String(descriptor.digest), 'blob digest');
    const path = blobPath(descriptor.digest);
    const size = await this.#store.size(path);
    if (size === undefined) {
      throw new ConsignError('NOT_FOUND', `${this.description} has no blob ${descriptor.digest}.`, {
        remedy: incompleteRemedy,
      });
    }
    return verified(
      this.#store.stream(path),
      descriptor.digest,
      descriptor.size,
      `Blob ${descriptor.digest} of ${this.description}`,
    );
  }

  async close(): Promise<void> {
    await this.#cleanup?.();
  }

  #readManifest(
    digest: Digest,
    size: number | undefined,
    mediaType: string | undefined,
  ): Promise<ParsedManifest> {
    return readLayoutManifest(
      this.#store,
      this.description,
      { digest, size, mediaType },
      incompleteRemedy,
    );
  }
}

/** Opens the OCI image layout in folder `path`; `tag` picks an entry by its ref.name. */
export async function openOciLayout(path: string, tag?: string): Promise<ImageSource> {
  const description = `oci:${path}${tag === undefined ? '' : `:${tag}`}`;
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(path)).isDirectory();
  } catch {
    throw new ConsignError('NOT_FOUND', `The OCI layout folder ${path} does not exist.`, {
      remedy: 'Check the path after oci: in the reference.',
    });
  }
  if (!isDirectory) {
    throw new ConsignError('BAD_INPUT', `${path} is not a folder, so not an OCI image layout.`, {
      remedy: 'For a `docker save` tarball use docker-archive:FILE.',
    });
  }
  const store = new DirectoryStore(path);
  const index = await readLayoutIndex(store, description);
  const entry = selectLayoutEntry(index.index.manifests, tag, description);
  return new LayoutSource(store, description, entry);
}
