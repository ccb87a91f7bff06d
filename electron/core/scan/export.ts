/**
 * Saving a scan report to a file the person chose (the app's Export; on the command line the
 * same documents go to stdout). The scan itself comes from the cache when the image is unchanged.
 */
import type { Engine } from '../engine';
import { writeNewFile } from '../files';
import { scanReportText, type ScanReportFormat } from './formats';
import { scanImage } from './scan';

export interface ExportedReport {
  path: string;
  format: ScanReportFormat;
  bytes: number;
}

/** Writes the report to a new file (an existing one is never replaced) and records it. */
export async function exportScanReport(
  engine: Engine,
  ref: string,
  format: ScanReportFormat,
  file: string,
  options: { platform?: string } = {},
): Promise<ExportedReport> {
  let digest = '';
  const { path, bytes } = await writeNewFile(file, async () => {
    const result = await scanImage(
      engine,
      ref,
      options.platform ? { platform: options.platform } : {},
    );
    digest = result.image.digest;
    return `${await scanReportText(result, format)}\n`;
  });
  engine.requireStore().audit.append({
    action: 'scan.exported',
    subject: ref,
    details: { ref, digest, format, path, bytes },
  });
  return { path, format, bytes };
}
