// npm package versions: Semantic Versioning 2.0 as the `semver` package (npm's own) parses and
// orders them, strictly (no loose forms); build metadata does not take part in the order.
import { SemVer } from 'semver';
import { invalid, valid, type Ordering, type Parsed } from './types';

export function parseNpm(text: string): Parsed<SemVer> {
  if (/\s/.test(text)) return invalid('it contains whitespace');
  let version: SemVer;
  try {
    version = new SemVer(text);
  } catch {
    return invalid('it is not a semantic version like 1.2.3, 1.2.3-beta.1 or 1.2.3+build');
  }
  // semver keeps numeric pre-release identifiers beyond 2^53 as text and then compares them
  // as imprecise numbers; refuse them rather than order them wrongly.
  if (version.prerelease.some((id) => typeof id === 'string' && /^[0-9]{16,}$/.test(id))) {
    return invalid('a numeric pre-release identifier is too large to compare exactly');
  }
  return valid(version);
}

export const npm: Ordering<SemVer> = {
  scheme: 'npm',
  example: '4.17.21',
  parse: parseNpm,
  compare: (a, b) => a.compare(b),
};
