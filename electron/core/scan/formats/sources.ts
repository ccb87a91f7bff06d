/**
 * Who publishes a vulnerability id, and where to read it: reports link each id to its source
 * so a reader can check it.
 */
export interface VulnerabilitySource {
  name: string;
  url: string;
}

/** The publisher of an id by its prefix; OSV's own page for everything else it aggregates. */
export function vulnerabilitySource(id: string): VulnerabilitySource {
  const path = encodeURIComponent(id);
  if (/^CVE-\d{4}-\d+$/.test(id)) {
    return { name: 'NVD', url: `https://nvd.nist.gov/vuln/detail/${path}` };
  }
  if (/^GHSA(-[23456789cfghjmpqrvwx]{4}){3}$/.test(id)) {
    return { name: 'GitHub', url: `https://github.com/advisories/${path}` };
  }
  return { name: 'OSV', url: `https://osv.dev/vulnerability/${path}` };
}
