import { ConsignError } from '../errors';
import { isDigest, type Digest } from './digest';

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

// The distribution spec's grammar for repository names and tags.
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const HOST = /^(?:[a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)*|\[[0-9a-fA-F:]+\])(?::\d{1,5})?$/;

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

/** Parses `HOST[:PORT]/REPO(:TAG|@DIGEST)` (the part after `docker://`). */
export function parseRegistryReference(input: string, original = input) {
  let rest = input;
  let digest: Digest | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    const candidate = rest.slice(at + 1);
    if (!isDigest(candidate)) throw bad(original, `"${candidate}" is not a digest`);
    digest = candidate;
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw bad(original, `"${tag}" is not a valid tag`);
  }
  const parts = rest.split('/');
  let registry = DEFAULT_REGISTRY;
  const first = parts[0] ?? '';
  // Docker's rule: the first component is a host when it has a dot or a port, or is localhost.
  if (
    parts.length > 1 &&
    (first.includes('.') || first.includes(':') || first === 'localhost' || first.startsWith('['))
  ) {
    registry = first;
    parts.shift();
    if (!HOST.test(registry)) throw bad(original, `"${registry}" is not a valid registry host`);
  }
  if (registry === DEFAULT_REGISTRY && parts.length === 1) parts.unshift('library');
  if (parts.length === 0 || parts.some((part) => !COMPONENT.test(part))) {
    throw bad(original, 'repository names are lower-case letters, digits and separators . _ - /');
  }
  const repository = parts.join('/');
  if (repository.length > 255)
    throw bad(original, 'the repository name is longer than 255 characters');
  if (!tag && !digest) tag = 'latest';
  return {
    transport: 'docker' as const,
    registry,
    repository,
    ...(tag ? { tag } : {}),
    ...(digest ? { digest } : {}),
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
