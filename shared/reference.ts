/**
 * The grammar of registry image references (`HOST[:PORT]/REPO(:TAG|@DIGEST)`), as the
 * distribution spec and Docker define it. One definition for the engine, which enforces it, and
 * the renderer, which explains a typing mistake before anything is sent. Pure: no Node or DOM.
 */

/** One path component of a repository name. */
export const REPOSITORY_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
export const TAG = /^\w[\w.-]{0,127}$/;
export const DIGEST = /^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;
/** A DNS name or bracketed IPv6 address, with an optional port. */
export const REGISTRY_HOST =
  /^(?:[a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)*|\[[0-9a-fA-F:.]+\])(?::\d{1,5})?$/;
export const MAX_REPOSITORY_LENGTH = 255;

export function isRepositoryName(name: string): boolean {
  return (
    name.length > 0 &&
    name.length <= MAX_REPOSITORY_LENGTH &&
    name.split('/').every((part) => REPOSITORY_COMPONENT.test(part))
  );
}

export type ReferenceProblem = 'digest' | 'tag' | 'host' | 'repository';

export type SplitReference =
  | { ok: true; host?: string; repository: string; tag?: string; digest?: string }
  | { ok: false; problem: ReferenceProblem; part: string };

/**
 * Splits `[HOST[:PORT]/]REPO[:TAG][@DIGEST]`. The first component is a host when it has a dot or
 * a port, is `localhost`, or is an IPv6 literal (Docker's rule); otherwise there is no host.
 */
export function splitRegistryReference(text: string): SplitReference {
  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    if (!DIGEST.test(digest)) return { ok: false, problem: 'digest', part: digest };
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) return { ok: false, problem: 'tag', part: tag };
  }
  const parts = rest.split('/');
  const first = parts[0] ?? '';
  let host: string | undefined;
  const looksLikeHost =
    first.includes('.') || first.includes(':') || first === 'localhost' || first.startsWith('[');
  if (parts.length > 1 && looksLikeHost) {
    host = first;
    parts.shift();
    if (!REGISTRY_HOST.test(host)) return { ok: false, problem: 'host', part: host };
  }
  const repository = parts.join('/');
  if (!isRepositoryName(repository)) return { ok: false, problem: 'repository', part: repository };
  return {
    ok: true,
    ...(host ? { host } : {}),
    repository,
    ...(tag ? { tag } : {}),
    ...(digest ? { digest } : {}),
  };
}
