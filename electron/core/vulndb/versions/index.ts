// Version ordering per packaging ecosystem, for matching installed packages against OSV
// vulnerability ranges. An invalid version is never ordered by guesswork: isValidVersion says
// false, and compareVersions throws a BAD_INPUT ConsignError naming the version.
import { ConsignError } from '../../errors';
import { apk } from './apk';
import { dpkg } from './dpkg';
import { go } from './go';
import { maven } from './maven';
import { npm } from './npm';
import { pep440 } from './pep440';
import { rpm } from './rpm';
import { sign, type Ordering, type VersionScheme } from './types';

export type { VersionScheme } from './types';

/** A scheme's ordering, resolved once for comparing many versions. */
export interface VersionOrdering {
  readonly scheme: VersionScheme;
  isValid(version: string): boolean;
  /** -1, 0 or 1; throws BAD_INPUT when either version is not valid in the scheme. */
  compare(a: string, b: string): number;
}

export const VERSION_SCHEMES: readonly VersionScheme[] = [
  'dpkg',
  'rpm',
  'apk',
  'maven',
  'go',
  'npm',
  'pep440',
];

// OSV ecosystem names (the part before any ":release" suffix, as in "Debian:12",
// "Alpine:v3.19", "Red Hat:enterprise_linux:9::appstream") and the ordering their versions use.
const ECOSYSTEMS: Record<string, VersionScheme> = {
  Debian: 'dpkg',
  Ubuntu: 'dpkg',
  Alpine: 'apk',
  Wolfi: 'apk',
  Chainguard: 'apk',
  'Red Hat': 'rpm',
  AlmaLinux: 'rpm',
  'Rocky Linux': 'rpm',
  SUSE: 'rpm',
  openSUSE: 'rpm',
  Mageia: 'rpm',
  openEuler: 'rpm',
  npm: 'npm',
  PyPI: 'pep440',
  Go: 'go',
  Maven: 'maven',
};

/** The version scheme of an OSV ecosystem name, or undefined for an ecosystem we do not order. */
export function ecosystemScheme(osvEcosystem: string): VersionScheme | undefined {
  const colon = osvEcosystem.indexOf(':');
  const base = colon < 0 ? osvEcosystem : osvEcosystem.slice(0, colon);
  return Object.hasOwn(ECOSYSTEMS, base) ? ECOSYSTEMS[base] : undefined;
}

const SCHEME_NAMES: Record<VersionScheme, string> = {
  dpkg: 'Debian (dpkg)',
  rpm: 'RPM',
  apk: 'Alpine (apk)',
  maven: 'Maven',
  go: 'Go module',
  npm: 'npm (semver)',
  pep440: 'Python (PEP 440)',
};

/** A version as error text shows it: quoted, escaped, and cut short if it is long. */
function quote(version: string): string {
  return JSON.stringify(version.length > 80 ? `${version.slice(0, 80)}…` : version);
}

function resolve<P>(ordering: Ordering<P>): VersionOrdering {
  const need = (version: string): P => {
    const parsed = ordering.parse(version);
    if (parsed.ok) return parsed.value;
    throw new ConsignError(
      'BAD_INPUT',
      `${quote(version)} is not a valid ${SCHEME_NAMES[ordering.scheme]} version: ${parsed.reason}.`,
      { remedy: `Give a version in the ecosystem's own form, for example "${ordering.example}".` },
    );
  };
  return {
    scheme: ordering.scheme,
    isValid: (version) => ordering.parse(version).ok,
    compare: (a, b) => sign(ordering.compare(need(a), need(b))),
  };
}

const ORDERINGS: Record<VersionScheme, VersionOrdering> = {
  dpkg: resolve(dpkg),
  rpm: resolve(rpm),
  apk: resolve(apk),
  maven: resolve(maven),
  go: resolve(go),
  npm: resolve(npm),
  pep440: resolve(pep440),
};

const isScheme = (name: string): name is VersionScheme =>
  (VERSION_SCHEMES as readonly string[]).includes(name);

/**
 * The ordering for a scheme name ("dpkg", "rpm", "apk", "maven", "go", "npm", "pep440") or an
 * OSV ecosystem name ("Debian:12", "PyPI", ...). Throws BAD_INPUT for anything else.
 */
export function versionOrdering(ecosystemOrScheme: string): VersionOrdering {
  const scheme = isScheme(ecosystemOrScheme)
    ? ecosystemOrScheme
    : ecosystemScheme(ecosystemOrScheme);
  if (scheme === undefined) {
    throw new ConsignError(
      'BAD_INPUT',
      `No version ordering is known for the ecosystem "${ecosystemOrScheme}".`,
      {
        remedy: `Use an OSV ecosystem such as ${Object.keys(ECOSYSTEMS).join(', ')}, or a scheme: ${VERSION_SCHEMES.join(', ')}.`,
      },
    );
  }
  return ORDERINGS[scheme];
}

/** -1, 0 or 1 as `a` is older than, the same as, or newer than `b` in that ecosystem. */
export function compareVersions(ecosystemOrScheme: string, a: string, b: string): number {
  return versionOrdering(ecosystemOrScheme).compare(a, b);
}

/** True when `version` is a well-formed version of that ecosystem (false for unknown ones). */
export function isValidVersion(ecosystemOrScheme: string, version: string): boolean {
  const scheme = isScheme(ecosystemOrScheme)
    ? ecosystemOrScheme
    : ecosystemScheme(ecosystemOrScheme);
  return scheme !== undefined && ORDERINGS[scheme].isValid(version);
}
