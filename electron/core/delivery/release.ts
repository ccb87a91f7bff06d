/** Naming a release and where its images land in a customer's registry. */
import { basename, extname } from 'node:path';
import { ConsignError } from '../errors';
import { parseImageReference } from '../oci';

export interface ReleaseName {
  product: string;
  version: string;
}

/** `NAME@VERSION` (the product may hold `/`; the version is after the last `@`). */
export function parseRelease(text: string): ReleaseName {
  const at = text.lastIndexOf('@');
  const product = text.slice(0, Math.max(at, 0)).trim();
  const version = text.slice(at + 1).trim();
  if (at <= 0 || !product || !/^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/.test(version)) {
    throw new ConsignError('BAD_INPUT', `"${text.slice(0, 200)}" is not a release NAME@VERSION.`, {
      remedy: 'Name the release as product@version, for example demo@1.0.0.',
    });
  }
  return { product, version };
}

const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

/** A repository path segment as registries accept it. */
function segment(text: string): string {
  const cleaned = text
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[._-]+|[._-]+$/g, '');
  return cleaned || 'image';
}

/**
 * The repository name (the last segment of the source repository) and tag an image is delivered
 * under. A source without a tag (by digest, an archive) takes the release version as its tag.
 */
export function deliveredName(source: string, version: string): { name: string; tag: string } {
  const ref = parseImageReference(source);
  let repository: string;
  let tag: string | undefined;
  switch (ref.transport) {
    case 'docker':
      repository = ref.repository;
      tag = ref.tag;
      break;
    case 'docker-daemon': {
      // NAME:TAG, NAME (latest) or an image id.
      const colon = ref.name.lastIndexOf(':');
      const slash = ref.name.lastIndexOf('/');
      repository = colon > slash ? ref.name.slice(0, colon) : ref.name;
      tag = colon > slash ? ref.name.slice(colon + 1) : undefined;
      if (/^(sha256)?$/.test(repository)) repository = 'image';
      break;
    }
    case 'oci':
      repository = basename(ref.path);
      tag = ref.tag;
      break;
    case 'docker-archive': {
      const named = ref.name?.split(':');
      repository = named?.[0] ?? basename(ref.path, extname(ref.path));
      tag = named?.[1];
      break;
    }
  }
  const name = segment(repository.split('/').pop() ?? repository);
  return { name, tag: tag && TAG.test(tag) ? tag : version };
}
