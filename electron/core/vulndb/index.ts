// The offline vulnerability database (OSV data in the workspace), version ordering per
// ecosystem, and matching installed versions against advisories.
export * from './versions';
export { VulnDatabase, STALE_AFTER_DAYS, VULNDB_FILE } from './database';
export type {
  BlocklistLookup,
  ImportProgress,
  ImportResult,
  StoredAffected,
  VulnDbStatus,
} from './database';
export { BlocklistParser, isBlocklistFile, type BlocklistEntry } from './blocklist';
export { importVulnData, vulnDataStatus } from './data';
export {
  ecosystemFamily,
  parseOsvRecord,
  type OsvAffected,
  type OsvRange,
  type OsvRecord,
} from './osv';
export { findVulnerabilities, type Finding, type Ordering } from './match';
export { cvss3BaseScore, ratingOfScore, type SeverityRating } from './cvss';
export { cvss4Score, parseCvss4Vector, type Cvss4Score } from './cvss4';
