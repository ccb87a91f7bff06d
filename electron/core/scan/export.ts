/**
 * Saving a scan report to a file the person chose (the app's Export; on the command line the
 * same documents go to stdout). The scan itself comes from the cache when the image is unchanged.
 */
import { open, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Engine } from '../engine';
import { ConsignError } from '../errors';
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
  const path = resolve(file);
  // Created before the scan, so a path that cannot be written costs nothing and records nothing.
  let handle;
  try {
    handle = await open(path, 'wx', 0o644);
  } catch (cause) {
    const exists = (cause as NodeJS.ErrnoException).code === 'EEXIST';
    throw new ConsignError(
      'BAD_INPUT',
      exists ? `${path} already exists; it is not overwritten.` : `${path} cannot be created.`,
      {
        remedy: exists
          ? 'Choose a new file name.'
          : 'Check that the folder exists and is writable.',
        cause,
      },
    );
  }
  let text: string;
  let digest: string;
  try {
    const result = await scanImage(
      engine,
      ref,
      options.platform ? { platform: options.platform } : {},
    );
    digest = result.image.digest;
    text = `${await scanReportText(result, format)}\n`;
    await handle.writeFile(text, 'utf8');
  } catch (error) {
    await handle.close();
    await rm(path, { force: true });
    throw error;
  }
  await handle.close();
  const bytes = Buffer.byteLength(text);
  engine.requireStore().audit.append({
    action: 'scan.exported',
    subject: ref,
    details: { ref, digest, format, path, bytes },
  });
  return { path, format, bytes };
}
