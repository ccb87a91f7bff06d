/**
 * How a scanned image is named in reports: its repository, tag and a package URL
 * (`pkg:oci/NAME@DIGEST`), derived from the reference it was scanned by.
 */
import { basename } from 'node:path';
import { parseImageReference, parseRegistryReference } from '../../oci';
import type { ScanResult } from '../scan';

export interface ImageIdentity {
  /** The repository as people write it (`team/app`), or a file's name for archives. */
  name: string;
  tag?: string;
  /** Package URL of the image (purl type `oci`), pinned to its top-level digest. */
  purl: string;
}

/** purl names of `oci` packages are the last path segment, lower-case. */
function ociName(repository: string): string {
  const last = repository.split('/').pop() ?? repository;
  return last.toLowerCase().replace(/[^a-z0-9._-]/g, '-') || 'image';
}

function fromReference(ref: string): { name: string; tag?: string; repositoryUrl?: string } {
  let parsed;
  try {
    parsed = parseImageReference(ref);
  } catch {
    return { name: 'image' };
  }
  switch (parsed.transport) {
    case 'docker':
      return {
        name: parsed.repository,
        ...(parsed.tag ? { tag: parsed.tag } : {}),
        repositoryUrl: `${parsed.registry}/${parsed.repository}`,
      };
    case 'docker-daemon':
    case 'docker-archive': {
      const local = parsed.name;
      if (local && !local.startsWith('sha256:')) {
        try {
          // Only the name and tag: a local image's registry is Docker's default, not a real home.
          const named = parseRegistryReference(local);
          const repository = named.repository.replace(/^library\//, '');
          return { name: repository, ...(named.tag ? { tag: named.tag } : {}) };
        } catch {
          // fall through to the file name
        }
      }
      if (parsed.transport === 'docker-archive') {
        return { name: basename(parsed.path).replace(/\.(tar|tgz|tar\.gz)$/i, '') || 'image' };
      }
      return { name: 'image' };
    }
    case 'oci':
      return {
        name: basename(parsed.path.replace(/[\\/]+$/, '')) || 'image',
        ...(parsed.tag ? { tag: parsed.tag } : {}),
      };
  }
}

/** Percent-encoded, keeping the `/` and `:` of a repository URL readable as purl allows. */
function qualifierValue(value: string): string {
  return encodeURIComponent(value).replace(/%2F/gi, '/').replace(/%3A/gi, ':');
}

export function imageIdentity(image: ScanResult['image']): ImageIdentity {
  const { name, tag, repositoryUrl } = fromReference(image.ref);
  // Qualifiers sorted by key, as the purl specification's canonical form has them.
  const qualifiers: [string, string | undefined][] = [
    ['arch', image.platform?.architecture],
    ['repository_url', repositoryUrl],
    ['tag', tag],
  ];
  const query = qualifiers
    .filter((q): q is [string, string] => Boolean(q[1]))
    .map(([key, value]) => `${key}=${qualifierValue(value)}`)
    .join('&');
  return {
    name,
    ...(tag ? { tag } : {}),
    purl: `pkg:oci/${encodeURIComponent(ociName(name))}@${encodeURIComponent(image.digest)}${query ? `?${query}` : ''}`,
  };
}
