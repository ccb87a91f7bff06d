/** The CVSS version a vector names in its prefix ("CVSS:4.0/…" names "4.0"), if it names one. */
export function cvssVersionOf(vector: string | undefined): string | undefined {
  return vector ? /^CVSS:(\d+\.\d+)\//.exec(vector.trim())?.[1] : undefined;
}
