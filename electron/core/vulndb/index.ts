// The offline vulnerability database: OSV data in the workspace, for the scanner's matching.
export { VulnDatabase, STALE_AFTER_DAYS, VULNDB_FILE } from './database';
export type { ImportProgress, ImportResult, StoredAffected, VulnDbStatus } from './database';
export { importVulnData, vulnDataStatus } from './data';
export {
  ecosystemFamily,
  parseOsvRecord,
  type OsvAffected,
  type OsvRange,
  type OsvRecord,
} from './osv';
