import { ConsignError } from '../errors';
import { splitRegistryReference } from '../../../shared/reference';
import type { Digest } from './digest';

/**
 * An image reference in one of the transports skopeo spells:
 *   docker://HOST[:PORT]/REPO(:TAG|@DIGEST)   a registry
 *   docker-daemon:NAME:TAG                    the local Docker engine
 *   oci:DIR[:TAG]                              an OCI image layout
 *   docker-archive:FILE[:NAME:TAG]            a `docker save` tarball
 */
export type ImageReference =
  | { transport: 'docker'; registry: string; repository: string; tag?: string; digest?: Digest }
  | { transport: 'docker-daemon'; name: string }
  | { transport: 'oci'; path: string; tag?: string }
  | { transport: 'docker-archive'; path: string; name?: string };

export const DEFAULT_REGISTRY = 'docker.io';

function bad(input: string, why: string): ConsignError {
  return new ConsignError(
    'BAD_INPUT',
    `"${input.slice(0, 200)}" is not a valid image reference: ${why}.`,
    {
      remedy:
        'Use docker://HOST[:PORT]/REPO:TAG (or @sha256:…), docker-daemon:NAME:TAG, oci:DIR[:TAG] or docker-archive:FILE.',
    },
  );
}

const problems = {
  digest: (part: string) => `"${part}" is not a digest`,
  tag: (part: string) => `"${part}" is not a valid tag`,
  host: (part: string) => `"${part}" is not a valid registry host`,
  repository: () =>
    'repository names are at most 255 lower-case letters, digits and separators . _ - /',
};

/** Parses `HOST[:PORT]/REPO(:TAG|@DIGEST)` (the part after `docker://`). */
export function parseRegistryReference(input: string, original = input) {
  const split = splitRegistryReference(input);
  if (!split.ok) throw bad(original, problems[split.problem](split.part));
  const registry = split.host ?? DEFAULT_REGISTRY;
  // Docker Hub's official images live under library/.
  const repository =
    registry === DEFAULT_REGISTRY && !split.repository.includes('/')
      ? `library/${split.repository}`
      : split.repository;
  const tag = split.tag ?? (split.digest ? undefined : 'latest');
  return {
    transport: 'docker' as const,
    registry,
    repository,
    ...(tag ? { tag } : {}),
    ...(split.digest ? { digest: split.digest as Digest } : {}),
  };
}

export function parseImageReference(input: string): ImageReference {
  const text = input.trim();
  if (text.startsWith('docker://'))
    return parseRegistryReference(text.slice('docker://'.length), text);
  if (text.startsWith('docker-daemon:')) {
    const name = text.slice('docker-daemon:'.length);
    if (!name) throw bad(text, 'the image name is missing');
    if (!name.startsWith('sha256:')) parseRegistryReference(name, text); // validates the name
    return { transport: 'docker-daemon', name };
  }
  if (text.startsWith('oci:')) {
    const body = text.slice('oci:'.length);
    const colon = body.lastIndexOf(':');
    // A colon that is part of a Windows drive (C:\…) is not a tag separator.
    const hasTag = colon > 1 && !/[\\/]/.test(body.slice(colon + 1));
    const path = hasTag ? body.slice(0, colon) : body;
    if (!path) throw bad(text, 'the layout folder is missing');
    return { transport: 'oci', path, ...(hasTag ? { tag: body.slice(colon + 1) } : {}) };
  }
  if (text.startsWith('docker-archive:')) {
    const body = text.slice('docker-archive:'.length);
    if (!body) throw bad(text, 'the archive file is missing');
    const colon = body.indexOf(':', body.length > 2 && body[1] === ':' ? 2 : 0);
    return colon > 0
      ? { transport: 'docker-archive', path: body.slice(0, colon), name: body.slice(colon + 1) }
      : { transport: 'docker-archive', path: body };
  }
  throw bad(text, 'it names no transport');
}

/** The reference written back the way a user would type it. */
export function formatImageReference(ref: ImageReference): string {
  switch (ref.transport) {
    case 'docker':
      return `docker://${ref.registry}/${ref.repository}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
    case 'docker-daemon':
      return `docker-daemon:${ref.name}`;
    case 'oci':
      return `oci:${ref.path}${ref.tag ? `:${ref.tag}` : ''}`;
    case 'docker-archive':
      return `docker-archive:${ref.path}${ref.name ? `:${ref.name}` : ''}`;
  }
}
