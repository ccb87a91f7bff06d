// Go module versions ordered as golang.org/x/mod/semver orders them: semantic versions with a
// "v" prefix, where "v1" and "v1.2" are shorthands for v1.0.0 and v1.2.0, pseudo-versions
// (v0.0.0-20240102150405-abcdef123456) are ordinary pre-releases, and build metadata such as
// "+incompatible" is ignored. OSV's Go ecosystem writes versions without the "v"; both spellings
// are accepted here.
import { compareDigits, invalid, valid, type Ordering, type Parsed } from './types';

export interface GoVersion {
  major: string;
  minor: string;
  patch: string;
  prerelease: string[];
}

// Numbers without leading zeros; pre-release identifiers are alphanumerics and hyphens, numeric
// ones without leading zeros; build identifiers are the same but may have leading zeros.
const NUMBER = '0|[1-9][0-9]*';
const IDENT = '[0-9A-Za-z-]+';
const FULL = new RegExp(
  `^v(${NUMBER})\\.(${NUMBER})\\.(${NUMBER})(?:-(${IDENT}(?:\\.${IDENT})*))?(?:\\+${IDENT}(?:\\.${IDENT})*)?$`,
);
const SHORT = new RegExp(`^v(${NUMBER})(?:\\.(${NUMBER}))?$`);

export function parseGo(text: string): Parsed<GoVersion> {
  const v = text.startsWith('v') ? text : `v${text}`;
  const short = SHORT.exec(v);
  if (short) return valid({ major: short[1]!, minor: short[2] ?? '0', patch: '0', prerelease: [] });
  const full = FULL.exec(v);
  if (!full) {
    return invalid('it is not a semantic version like v1.2.3, v1.2.3-pre.1 or v1.2.3+build');
  }
  const prerelease = full[4] === undefined ? [] : full[4].split('.');
  if (prerelease.some((id) => /^0[0-9]+$/.test(id))) {
    return invalid('a numeric pre-release identifier has a leading zero');
  }
  return valid({ major: full[1]!, minor: full[2]!, patch: full[3]!, prerelease });
}

const isNumeric = (id: string) => /^[0-9]+$/.test(id);

function compareIdentifier(a: string, b: string): number {
  const an = isNumeric(a);
  const bn = isNumeric(b);
  if (an && bn) return compareDigits(a, b);
  if (an !== bn) return an ? -1 : 1; // numeric identifiers sort before alphanumeric ones
  return a < b ? -1 : a > b ? 1 : 0;
}

export function compareGo(a: GoVersion, b: GoVersion): number {
  const core =
    compareDigits(a.major, b.major) ||
    compareDigits(a.minor, b.minor) ||
    compareDigits(a.patch, b.patch);
  if (core !== 0) return core;
  // A release sorts after all of its pre-releases.
  if (a.prerelease.length === 0) return b.prerelease.length === 0 ? 0 : 1;
  if (b.prerelease.length === 0) return -1;
  const n = Math.min(a.prerelease.length, b.prerelease.length);
  for (let i = 0; i < n; i++) {
    const diff = compareIdentifier(a.prerelease[i]!, b.prerelease[i]!);
    if (diff !== 0) return diff;
  }
  return a.prerelease.length - b.prerelease.length;
}

export const go: Ordering<GoVersion> = {
  scheme: 'go',
  example: 'v1.22.3',
  parse: parseGo,
  compare: compareGo,
};
