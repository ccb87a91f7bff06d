// The kit's command-line check: a POSIX shell script that runs cosign against an image for both
// signature formats Consign writes, and the trusted root that keeps cosign offline.
import { KIT_PATHS, SIGN_PREDICATE, type KitContext, type KitFile } from './model';

/**
 * A trusted root with no authorities: enough for verification with a public key, and it keeps
 * cosign from fetching the public Sigstore root over the network (signatures are made offline,
 * with no transparency log or certificate authority to trust).
 */
export function trustedRootFile(): KitFile {
  return {
    path: KIT_PATHS.trustedRoot,
    contents: `${JSON.stringify(
      { mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1' },
      null,
      2,
    )}\n`,
  };
}

/** Flags cosign needs to reach a registry over plain HTTP (a loopback or marked registry). */
export const PLAIN_HTTP_FLAGS = ['--allow-http-registry', '--allow-insecure-registry'];

/** A value as one single-quoted shell word. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The cosign arguments (after `cosign`) that check one format with one key, as the README shows. */
export function cosignArgs(
  format: 'legacy' | 'bundle',
  keyFile: string,
  image: string,
  plainHttp: boolean,
  trustedRoot: string = KIT_PATHS.trustedRoot,
): string[] {
  const http = plainHttp ? PLAIN_HTTP_FLAGS : [];
  return format === 'legacy'
    ? ['verify', '--key', keyFile, '--insecure-ignore-tlog=true', ...http, image]
    : [
        'verify-attestation',
        '--new-bundle-format',
        '--key',
        keyFile,
        '--trusted-root',
        trustedRoot,
        '--insecure-ignore-tlog=true',
        '--type',
        SIGN_PREDICATE,
        ...http,
        image,
      ];
}

export function verifyScriptFile(context: KitContext): KitFile {
  const keyFiles = context.keys.map((key) => key.file);
  const http = context.plainHttp ? PLAIN_HTTP_FLAGS.join(' ') : '';
  // Shell text, not YAML: every value that comes from the account is single-quoted.
  const lines = [
    '#!/bin/sh',
    `# Checks that container images under ${context.scope}/ carry valid signatures by the keys in`,
    '# keys/, in both formats: the cosign signature (".sig" tag) and the Sigstore bundle (an OCI',
    '# referrer of the image). Runs offline apart from reading the registry.',
    '#',
    '# Usage: ./verify.sh [--format legacy|bundle|both] IMAGE [IMAGE...]',
    '#   IMAGE is REGISTRY/NAMESPACE/NAME@sha256:DIGEST (or :TAG, which cosign resolves).',
    '#   COSIGN=/path/to/cosign selects the cosign binary (default: cosign on PATH).',
    '# Exit status: 0 every check passed, 1 a signature is missing or invalid, 2 bad usage.',
    'set -u',
    '',
    `scope=${shellQuote(`${context.scope}/`)}`,
    `keys=${shellQuote(keyFiles.join(' '))}`,
    `sign_type=${shellQuote(SIGN_PREDICATE)}`,
    `# Plain-HTTP registries (loopback, or marked insecure by the vendor) need these cosign flags.`,
    `registry_flags=${shellQuote(http)}`,
    '',
    'kit=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd) || exit 2',
    'cosign=${COSIGN:-cosign}',
    'format=both',
    '',
    'usage() {',
    '  echo "usage: $0 [--format legacy|bundle|both] IMAGE [IMAGE...]" >&2',
    '  exit 2',
    '}',
    '',
    'while [ $# -gt 0 ]; do',
    '  case "$1" in',
    '    --format) [ $# -ge 2 ] || usage; format=$2; shift 2 ;;',
    '    --format=*) format=${1#--format=}; shift ;;',
    '    -h|--help) usage ;;',
    '    --) shift; break ;;',
    '    -*) echo "unknown option: $1" >&2; usage ;;',
    '    *) break ;;',
    '  esac',
    'done',
    'case "$format" in legacy|bundle|both) ;; *) echo "--format must be legacy, bundle or both" >&2; usage ;; esac',
    '[ $# -ge 1 ] || usage',
    'if ! command -v "$cosign" >/dev/null 2>&1; then',
    '  echo "cosign was not found: install cosign 2.x, or set COSIGN=/path/to/cosign" >&2',
    '  exit 2',
    'fi',
    '',
    'for image in "$@"; do',
    '  case "${image#docker://}" in',
    '    "$scope"*) ;;',
    '    *) echo "$image is not under $scope: these keys and policies cover only that namespace" >&2; exit 2 ;;',
    '  esac',
    'done',
    '',
    'errors=$(mktemp) || exit 2',
    'trap \'rm -f "$errors"\' EXIT',
    '',
    '# check FORMAT IMAGE: passes when any of the keys verifies that format.',
    'check() {',
    '  for key in $keys; do',
    '    if [ "$1" = legacy ]; then',
    '      "$cosign" verify --key "$kit/$key" --insecure-ignore-tlog=true $registry_flags "$2" >/dev/null 2>"$errors"',
    '    else',
    '      "$cosign" verify-attestation --new-bundle-format --key "$kit/$key" \\',
    `        --trusted-root "$kit/${KIT_PATHS.trustedRoot}" --insecure-ignore-tlog=true \\`,
    '        --type "$sign_type" $registry_flags "$2" >/dev/null 2>"$errors"',
    '    fi',
    '    if [ $? -eq 0 ]; then',
    '      echo "verified  $1  $2  ($key)"',
    '      return 0',
    '    fi',
    '  done',
    '  echo "FAILED    $1  $2" >&2',
    '  sed \'s/^/          /\' "$errors" >&2',
    '  return 1',
    '}',
    '',
    'status=0',
    'for image in "$@"; do',
    '  image=${image#docker://}',
    '  if [ "$format" != bundle ]; then check legacy "$image" || status=1; fi',
    '  if [ "$format" != legacy ]; then check bundle "$image" || status=1; fi',
    'done',
    'exit $status',
    '',
  ];
  return { path: KIT_PATHS.verifyScript, contents: lines.join('\n'), mode: 0o755 };
}
