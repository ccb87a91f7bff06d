export {
  AuditLog,
  type AuditFilter,
  type AuditLogOptions,
  type AuditVerificationResult,
  type NewAuditEvent,
} from './log';
export { auditFilter, auditInstant } from './query';
export { auditKeyAccount, type AuditSigner, type SecretStore } from './audit-key';
export {
  AUDIT_KEY_CREATED,
  CHECKPOINT_PAYLOAD_TYPE,
  openCheckpoint,
  type CheckpointStatement,
  type StoredCheckpoint,
} from './checkpoint';
export { pae, publicKeyFingerprint, type DsseEnvelope } from './dsse';
export {
  exportAudit,
  verifyExport,
  EXPORT_PAYLOAD_TYPE,
  type AuditExportResult,
  type ExportStatement,
  type ExportTrailer,
  type ExportVerification,
} from './export';
export {
  chainHash,
  verifyChain,
  GENESIS_HASH,
  type Actor,
  type AuditEvent,
  type AuditEventBody,
  type ChainVerification,
} from './chain';
export { canonicalJson, type JsonValue } from './canonical-json';
