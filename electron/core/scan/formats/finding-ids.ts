/**
 * One name per kind of finding, shared by the reports and the policy: vulnerability and baseline
 * ids as they are, secret and content rules under `secret/` and `malware/`, so an id in a policy
 * file is the rule id a SARIF viewer shows.
 */
export const secretRuleId = (rule: string) => `secret/${rule}`;
export const malwareRuleId = (rule: string) => `malware/${rule}`;

/** Paths a baseline finding's details name (`/usr/bin/su (setuid)` → `/usr/bin/su`). */
export function baselinePaths(details: string[]): string[] {
  return details.flatMap((detail) => {
    const match = /^(\/\S*)/.exec(detail);
    return match ? [match[1]!] : [];
  });
}
