/** The offline image scanner: files read from the layers once, packages, vulnerabilities. */
export {
  scanImage,
  type ScanOptions,
  type ScanProgress,
  type ScanResult,
  type Vulnerability,
} from './scan';
export type { BaselineFinding, BaselineSeverity } from './baseline';
export { exportScanReport, type ExportedReport } from './export';
export {
  attestScan,
  attestScanResult,
  checkAttestable,
  scanPredicates,
  SBOM_PREDICATE_TYPE,
  VULN_PREDICATE_TYPE,
  type ScanAttestation,
  type ScanAttestations,
} from './attest';
export type { MalwareFinding, SecretFinding } from './content';
export { walkLayers, FileView, type FileMeta, type LayerInput } from './layers';
export type { Package, PackageType } from './types';
export type { OperatingSystem } from './os-release';
export {
  evaluatePolicy,
  loadPolicy,
  parsePolicy,
  validatePolicy,
  type Allowance,
  type Policy,
  type PolicyEvaluation,
  type PolicyReason,
} from './policy';
export {
  scanReportText,
  toCycloneDxJson,
  toSarif,
  type CycloneDxOptions,
  type SarifOptions,
  type ScanReportFormat,
} from './formats';
