/**
 * Client-side checks of image references, so a typing mistake is explained next to the field
 * before anything is sent. The engine validates every reference again.
 */
import { REGISTRY_HOST, splitRegistryReference } from '../../../shared/reference';

/** Why a destination reference was refused; each has a message under `copy.invalid`. */
export type DestinationProblem =
  'empty' | 'transport' | 'host' | 'repository' | 'tag' | 'digest' | 'duplicate';

export type DestinationCheck =
  | { ok: true; normalized: string; host: string; repository: string; tag?: string }
  | { ok: false; problem: DestinationProblem };

/** A registry host as typed in settings: `HOST[:PORT]`, no scheme, no path. */
export function isRegistryHost(value: string): boolean {
  return REGISTRY_HOST.test(value.trim());
}

/**
 * Checks one destination: `docker://HOST[:PORT]/REPO[:TAG|@DIGEST]` with an explicit registry
 * host (a customer's registry is never implied). Returns it written the way the engine reports
 * it back, with `:latest` when no tag or digest is given.
 */
export function checkDestination(input: string): DestinationCheck {
  const text = input.trim();
  if (!text) return { ok: false, problem: 'empty' };
  if (!text.startsWith('docker://')) return { ok: false, problem: 'transport' };
  const split = splitRegistryReference(text.slice('docker://'.length));
  if (!split.ok) return { ok: false, problem: split.problem };
  // A customer's registry is never implied: the host must be written out.
  if (!split.host) return { ok: false, problem: 'host' };
  const { host, repository, digest } = split;
  const tag = split.tag ?? (digest ? undefined : 'latest');
  return {
    ok: true,
    normalized: `docker://${host}/${repository}${tag ? `:${tag}` : ''}${digest ? `@${digest}` : ''}`,
    host,
    repository,
    ...(tag ? { tag } : {}),
  };
}

/** Checks every destination, and that no two name the same place. */
export function checkDestinations(inputs: readonly string[]): DestinationCheck[] {
  const seen = new Set<string>();
  return inputs.map((input) => {
    const check = checkDestination(input);
    if (!check.ok) return check;
    if (seen.has(check.normalized)) return { ok: false, problem: 'duplicate' };
    seen.add(check.normalized);
    return check;
  });
}

/** The reference the engine reads a Docker image row from. */
export function localImageReference(image: { ref: string; id: string; repository: string }) {
  return image.repository === '<none>' ? `docker-daemon:${image.id}` : `docker-daemon:${image.ref}`;
}

/** `sha256:<hex>` → `sha256:` and the first 12 hex digits. */
export function shortDigest(digest: string): string {
  const colon = digest.indexOf(':');
  return colon < 0 ? digest.slice(0, 12) : digest.slice(0, colon + 13);
}

/** Whether a reference names a registry image, the only kind that carries signatures. */
export function isRegistryReference(ref: string): boolean {
  return ref.trim().startsWith('docker://');
}
