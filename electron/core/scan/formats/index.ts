/** Scan reports in standard formats: CycloneDX 1.6 SBOMs and SARIF 2.1.0. */
import type { ScanResult } from '../scan';
import type { CycloneDxOptions } from './cyclonedx';
import { toSarif } from './sarif';

export { toSarif, type SarifOptions } from './sarif';
export { malwareRuleId, secretRuleId } from './finding-ids';
export type { CycloneDxOptions } from './cyclonedx';

/**
 * The scan as CycloneDX 1.6 JSON text. The CycloneDX library is loaded on first use: it takes
 * about a tenth of a second to load, which hosts that never write an SBOM should not pay.
 */
export async function toCycloneDxJson(
  result: ScanResult,
  options: CycloneDxOptions = {},
): Promise<string> {
  const { toCycloneDxJson: serialize } = await import('./cyclonedx');
  return serialize(result, options);
}

export type ScanReportFormat = 'json' | 'cyclonedx' | 'sarif';

/** The scan as one JSON document in the chosen format. */
export async function scanReportText(
  result: ScanResult,
  format: ScanReportFormat,
): Promise<string> {
  if (format === 'cyclonedx') return toCycloneDxJson(result);
  return JSON.stringify(format === 'sarif' ? toSarif(result) : result, null, 2);
}
