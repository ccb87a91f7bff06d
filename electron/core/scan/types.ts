/** What the scanner reports of each installed package (the CLI contract's `packages` entries). */
export type PackageType = 'deb' | 'apk' | 'rpm' | 'npm' | 'pypi' | 'go' | 'maven';

export interface Package {
  type: PackageType;
  name: string;
  version: string;
  /** Package URL (https://github.com/package-url/purl-spec). */
  purl: string;
  /** The source package it was built from (Debian and Alpine advisories name it). */
  source?: { name: string; version: string };
  /** Where in the image it was found. */
  path?: string;
}

/** Percent-encodes a purl component (name or version) as the purl specification asks. */
export function purlPart(text: string): string {
  return encodeURIComponent(text);
}
