/**
 * Offline delivery bundles: a release scanned, judged, signed and attested into one OCI image
 * layout tar on a desk without network (`exportBundle`), and delivered from that file on any
 * machine after every signature and digest in it is checked (`importBundle`).
 */
export { exportBundle, type BundleExportRequest, type BundleExportResult } from './export';
export {
  importBundle,
  openBundle,
  preparedRelease,
  type BundleImportRequest,
  type VerifiedBundle,
} from './import';
export { BUNDLE_PAYLOAD_TYPE, DOCUMENT_FILE, ENVELOPE_FILE, type BundleDocument } from './document';
export type { BundleRunOptions } from './progress';
