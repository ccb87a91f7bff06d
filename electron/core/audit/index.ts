export { AuditLog, type AuditFilter, type NewAuditEvent } from './log';
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
