/**
 * The contract between every user interface (renderer, CLI, browser preview) and the engine.
 *
 * Each channel names a zod schema for its request and its response. The engine validates every
 * request against it before any handler runs, and validates every response before it leaves,
 * so a host can never hand the renderer something the contract does not describe.
 *
 * Types and schemas only: nothing here may touch Node or DOM APIs.
 */
import { z } from 'zod';

const NoParams = z.strictObject({});

export const AppInfo = z.strictObject({
  name: z.string(),
  version: z.string(),
  host: z.enum(['electron', 'preview', 'cli', 'test']),
  platform: z.string(),
  engineNode: z.string(),
});
export type AppInfo = z.infer<typeof AppInfo>;

/** Outcome of one environment check: what works, and if not, what to do about it. */
export const CheckState = z.enum(['ok', 'warning', 'error']);
export type CheckState = z.infer<typeof CheckState>;

export const WorkspaceStatus = z.strictObject({
  state: CheckState,
  path: z.string(),
  writable: z.boolean(),
  database: z.string(),
  schemaVersion: z.number().int(),
  auditEvents: z.number().int(),
  auditIntact: z.boolean(),
  message: z.string(),
  remedy: z.string().optional(),
});
export type WorkspaceStatus = z.infer<typeof WorkspaceStatus>;

export const KeychainStatus = z.strictObject({
  state: CheckState,
  service: z.string(),
  backend: z.string(),
  available: z.boolean(),
  message: z.string(),
  remedy: z.string().optional(),
});
export type KeychainStatus = z.infer<typeof KeychainStatus>;

export const DockerStatus = z.strictObject({
  state: CheckState,
  endpoint: z.string(),
  reachable: z.boolean(),
  version: z.string().optional(),
  apiVersion: z.string().optional(),
  os: z.string().optional(),
  arch: z.string().optional(),
  message: z.string(),
  remedy: z.string().optional(),
});
export type DockerStatus = z.infer<typeof DockerStatus>;

export const SystemStatus = z.strictObject({
  checkedAt: z.string(),
  workspace: WorkspaceStatus,
  keychain: KeychainStatus,
  docker: DockerStatus,
});
export type SystemStatus = z.infer<typeof SystemStatus>;

export const LocalImage = z.strictObject({
  /** `repository:tag`, or `<none>:<none>` for a dangling image. */
  ref: z.string(),
  repository: z.string(),
  tag: z.string(),
  /** Image id as the engine reports it: `sha256:<hex>`. */
  id: z.string(),
  repoDigests: z.array(z.string()),
  size: z.number().int().nonnegative(),
  /** ISO 8601. */
  created: z.string(),
});
export type LocalImage = z.infer<typeof LocalImage>;

export const AuditVerification = z.strictObject({
  ok: z.boolean(),
  events: z.number().int(),
  firstBadSeq: z.number().int().nullable(),
  reason: z.string().optional(),
  /** Signed checkpoints checked, the last one's event, and the first that failed (if any). */
  checkpoints: z.number().int().optional(),
  lastCheckpointSeq: z.number().int().nullable().optional(),
  badCheckpointSeq: z.number().int().optional(),
});
export type AuditVerification = z.infer<typeof AuditVerification>;

const Digest = z.string().regex(/^sha(256|512):[a-f0-9]+$/);

export const ImagePlatform = z.looseObject({
  os: z.string(),
  architecture: z.string(),
  variant: z.string().optional(),
});

export const ImageInspection = z.strictObject({
  ref: z.string(),
  digest: Digest,
  mediaType: z.string(),
  platforms: z.array(ImagePlatform).optional(),
  manifests: z.array(
    z.strictObject({
      digest: Digest,
      mediaType: z.string(),
      platform: ImagePlatform.optional(),
      layers: z.number().int(),
      size: z.number().int(),
    }),
  ),
  config: z
    .strictObject({ digest: Digest, size: z.number().int(), mediaType: z.string() })
    .optional(),
  layers: z.array(
    z.strictObject({ digest: Digest, size: z.number().int(), mediaType: z.string() }),
  ),
  size: z.number().int(),
  signatures: z.array(
    z.strictObject({
      kind: z.enum(['cosign-tag', 'referrer']),
      digest: Digest,
      subject: Digest,
      tag: z.string().optional(),
      artifactType: z.string().optional(),
      mediaType: z.string(),
    }),
  ),
});
export type ImageInspection = z.infer<typeof ImageInspection>;

export const CopyDestinationResult = z.strictObject({
  ref: z.string(),
  digest: Digest,
  status: z.enum(['copied', 'unchanged', 'conflict', 'failed']),
  error: z
    .strictObject({ code: z.string(), message: z.string(), remedy: z.string().optional() })
    .optional(),
  blobsUploaded: z.number().int(),
  blobsMounted: z.number().int(),
  blobsPresent: z.number().int(),
  bytesUploaded: z.number().int(),
  artifacts: z.number().int(),
});

export const CopyResult = z.strictObject({
  digest: Digest,
  mediaType: z.string(),
  destinations: z.array(CopyDestinationResult),
});
export type CopyResult = z.infer<typeof CopyResult>;

/** A registry's stored settings. The password stays in the keychain and never comes back. */
export const RegistrySettings = z.strictObject({
  host: z.string(),
  insecureHttp: z.boolean(),
  caFile: z.string().optional(),
  username: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type RegistrySettings = z.infer<typeof RegistrySettings>;

const RegistryHost = z.string().min(1).max(262);

/** A signing key as the interface sees it: never the private key, only what identifies it. */
export const KeyInfo = z.strictObject({
  id: z.string(),
  name: z.string(),
  algorithm: z.enum(['ecdsa-p256', 'ecdsa-p384', 'ed25519', 'rsa']),
  /** SHA-256 of the DER SubjectPublicKeyInfo, lower-case hex. */
  fingerprint: z.string(),
  publicKey: z.string(),
  origin: z.enum(['generated', 'imported']),
  state: z.enum(['active', 'revoked']),
  createdAt: z.string(),
  revokedAt: z.string().optional(),
  revocationReason: z.string().optional(),
  lastUsedAt: z.string().optional(),
});
export type KeyInfo = z.infer<typeof KeyInfo>;

const KeyName = z.string().trim().min(1).max(120);
const KeyId = z.string().min(1).max(100);
/** An image reference as skopeo spells it; the engine parses it and explains a mistake. */
const ImageRef = z.string().min(1).max(4096);

export const SignatureFormat = z.enum(['legacy', 'bundle']);
export type SignatureFormat = z.infer<typeof SignatureFormat>;

export const SignResult = z.strictObject({
  digest: Digest,
  signatures: z.array(
    z.strictObject({
      format: SignatureFormat,
      /** Where the signature lives: the `.sig` tag, or the referrer manifest by digest. */
      ref: z.string(),
      /** False when an equal signature by this key was already there. */
      created: z.boolean(),
    }),
  ),
});
export type SignResult = z.infer<typeof SignResult>;

/** One signature found on an image, checked against every key of the workspace. */
export const ImageSignature = z.strictObject({
  format: SignatureFormat,
  ref: z.string(),
  /** The workspace key it verifies with; absent when no known key does. */
  keyFingerprint: z.string().optional(),
  keyId: z.string().optional(),
  keyName: z.string().optional(),
  keyState: z.enum(['active', 'revoked']).optional(),
  valid: z.boolean(),
  /** Why it does not count, when it does not. */
  reason: z.string().optional(),
  signedDigest: z.string().optional(),
  /** For bundles: the in-toto predicate type (cosign's signing one, or an attestation's). */
  predicateType: z.string().optional(),
});
export type ImageSignature = z.infer<typeof ImageSignature>;

export const ImageSignatures = z.strictObject({
  digest: Digest,
  signatures: z.array(ImageSignature),
});
export type ImageSignatures = z.infer<typeof ImageSignatures>;

/** One signature as checked against the one key a verification was asked about. */
export const SignatureReport = z.strictObject({
  format: SignatureFormat,
  keyFingerprint: z.string().optional(),
  valid: z.boolean(),
  reason: z.string().optional(),
  payloadDigest: Digest.optional(),
  signedDigest: z.string().optional(),
  dockerReference: z.string().optional(),
});
export type SignatureReport = z.infer<typeof SignatureReport>;

export const VerifyResult = z.strictObject({
  /** True only when a valid signature by that (unrevoked) key covers the image's digest. */
  verified: z.boolean(),
  digest: Digest,
  key: z.strictObject({
    fingerprint: z.string(),
    id: z.string().optional(),
    revoked: z.boolean().optional(),
  }),
  signatures: z.array(SignatureReport),
  reason: z.string().optional(),
});
export type VerifyResult = z.infer<typeof VerifyResult>;

const SignatureFormats = z
  .array(SignatureFormat)
  .min(1)
  .max(2)
  .refine((formats) => new Set(formats).size === formats.length, 'names a format twice');
const FilePath = z.string().min(1).max(4096);
/** Write-only: used by the engine to decrypt or encrypt a key file, never stored or returned. */
const Passphrase = z.string().min(1).max(1024);

/** What vulnerability data the workspace holds, and how current it is. */
export const VulnDbStatus = z.strictObject({
  records: z.number().int().nonnegative(),
  ecosystems: z.array(z.strictObject({ name: z.string(), records: z.number().int() })),
  /** When data was last imported. */
  builtAt: z.string().optional(),
  /** The newest `modified` time of any record: how current the data itself is. */
  dataAsOf: z.string().optional(),
  ageDays: z.number().nonnegative().optional(),
  stale: z.boolean(),
  /** What to do about it, when there is no data or it is stale. */
  warning: z.string().optional(),
  /** SHA-256 hashes on imported malware blocklists. */
  blocklist: z.number().int().optional(),
});
export type VulnDbStatus = z.infer<typeof VulnDbStatus>;

/** The outcome of an import, which is all or nothing. */
export const VulnDbImportResult = z.strictObject({
  source: z.string(),
  kind: z.enum(['zip', 'folder', 'file', 'blocklist']),
  imported: z.number().int(),
  updated: z.number().int(),
  unchanged: z.number().int(),
  skipped: z.number().int(),
  /** The first few entries that were not OSV records, and why. */
  skippedReasons: z.array(z.strictObject({ entry: z.string(), reason: z.string() })),
  ecosystems: z.array(z.string()),
});
export type VulnDbImportResult = z.infer<typeof VulnDbImportResult>;

const OsvEvent = z.union([
  z.strictObject({ introduced: z.string() }),
  z.strictObject({ fixed: z.string() }),
  z.strictObject({ last_affected: z.string() }),
  z.strictObject({ limit: z.string() }),
]);

/** One stored OSV record, for reading offline: its facts, and the record itself as JSON. */
export const VulnRecord = z.strictObject({
  id: z.string(),
  modified: z.string(),
  published: z.string().optional(),
  withdrawn: z.string().optional(),
  summary: z.string().optional(),
  details: z.string().optional(),
  aliases: z.array(z.string()),
  severity: z.array(z.strictObject({ type: z.string(), score: z.string() })),
  rating: z.string().optional(),
  affected: z.array(
    z.strictObject({
      ecosystem: z.string(),
      name: z.string(),
      purl: z.string().optional(),
      ranges: z.array(
        z.strictObject({ type: z.enum(['SEMVER', 'ECOSYSTEM', 'GIT']), events: z.array(OsvEvent) }),
      ),
      versions: z.array(z.string()),
    }),
  ),
  /** Links as the record gives them: shown as text, never fetched. */
  references: z.array(z.strictObject({ type: z.string(), url: z.string() })),
  /** The record exactly as imported, pretty-printed. */
  json: z.string(),
});
export type VulnRecord = z.infer<typeof VulnRecord>;

export const Severity = z.enum(['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'NONE', 'UNKNOWN']);
export type Severity = z.infer<typeof Severity>;

export const ScannedPackage = z.strictObject({
  type: z.enum(['deb', 'apk', 'rpm', 'npm', 'pypi', 'go', 'maven']),
  name: z.string(),
  version: z.string(),
  purl: z.string(),
  /** The source package it was built from (Debian and Alpine advisories name it). */
  source: z.strictObject({ name: z.string(), version: z.string() }).optional(),
  path: z.string().optional(),
});
export type ScannedPackage = z.infer<typeof ScannedPackage>;

export const ScannedVulnerability = z.strictObject({
  id: z.string(),
  aliases: z.array(z.string()),
  /** The installed (binary) package's name. */
  package: z.string(),
  purl: z.string(),
  installedVersion: z.string(),
  fixedVersion: z.string().optional(),
  severity: Severity,
  score: z.number().optional(),
  vector: z.string().optional(),
  summary: z.string().optional(),
});
export type ScannedVulnerability = z.infer<typeof ScannedVulnerability>;

/** A check of how the image was built (CIS Docker Benchmark, section 4). */
export const BaselineFinding = z.strictObject({
  id: z.string(),
  severity: z.enum(['CRITICAL', 'HIGH', 'MEDIUM', 'LOW']),
  title: z.string(),
  remedy: z.string(),
  cis: z.string().optional(),
  /** What was found: names, paths, ports; never a secret's value. */
  details: z.array(z.string()),
});
export type BaselineFinding = z.infer<typeof BaselineFinding>;

/** Where a secret was left in the image, and by which rule: never the secret itself. */
export const SecretFinding = z.strictObject({
  rule: z.string(),
  title: z.string(),
  path: z.string(),
  line: z.number().int(),
});
export type SecretFinding = z.infer<typeof SecretFinding>;

export const MalwareFinding = z.strictObject({
  rule: z.string(),
  title: z.string(),
  path: z.string(),
  sha256: z.string(),
});
export type MalwareFinding = z.infer<typeof MalwareFinding>;

/** The documents a scan report is saved as: the scan itself, a CycloneDX 1.6 SBOM, SARIF 2.1.0. */
export const ScanReportFormat = z.enum(['json', 'cyclonedx', 'sarif']);
export type ScanReportFormat = z.infer<typeof ScanReportFormat>;

export const ScanResult = z.strictObject({
  image: z.strictObject({
    ref: z.string(),
    /** The top-level digest (of the index, for a multi-platform image). */
    digest: Digest,
    /** The scanned platform's manifest. */
    manifest: Digest,
    platform: ImagePlatform.optional(),
    os: z
      .strictObject({
        id: z.string(),
        versionId: z.string().optional(),
        prettyName: z.string().optional(),
        codename: z.string().optional(),
        ecosystem: z.string().optional(),
      })
      .optional(),
    layers: z.number().int(),
  }),
  packages: z.array(ScannedPackage),
  vulnerabilities: z.array(ScannedVulnerability),
  baseline: z.array(BaselineFinding),
  secrets: z.array(SecretFinding),
  malware: z.array(MalwareFinding),
  /** Files the scanner could not read (damaged, too large, an unsupported rpm database), and why. */
  skipped: z.array(z.strictObject({ path: z.string(), reason: z.string() })),
  summary: z.strictObject({
    packages: z.number().int(),
    vulnerabilities: z.strictObject({
      CRITICAL: z.number().int(),
      HIGH: z.number().int(),
      MEDIUM: z.number().int(),
      LOW: z.number().int(),
      NONE: z.number().int(),
      UNKNOWN: z.number().int(),
      total: z.number().int(),
    }),
  }),
  database: VulnDbStatus.pick({ records: true, dataAsOf: true, stale: true, warning: true }),
  /** True when the layers were not read again: the inventory came from the scan cache. */
  cached: z.boolean(),
  /** When the layers were read (for a cached result, the earlier scan's time). */
  scannedAt: z.string(),
});
export type ScanResult = z.infer<typeof ScanResult>;

/** An attestation the scanner attached to an image: its predicate type and where it lives. */
export const ScanAttestation = z.strictObject({
  predicateType: z.string(),
  /** The referrer manifest that holds the signed bundle. */
  ref: z.string(),
  /** False when an equal attestation by the same key was already there. */
  created: z.boolean(),
});
export type ScanAttestation = z.infer<typeof ScanAttestation>;

/** How a customer's registry account authenticates: none, basic, or a token from its challenge. */
export const CustomerAuth = z.enum(['none', 'basic', 'token']);
export type CustomerAuth = z.infer<typeof CustomerAuth>;

/** A customer account as the interface sees it: the password stays in the keychain. */
export const Customer = z.strictObject({
  id: z.string(),
  name: z.string(),
  /** `HOST[:PORT]` of the customer's registry. */
  registry: z.string(),
  /** Where their images go: `<registry>/<namespace>/<name>:<tag>`. */
  namespace: z.string(),
  auth: CustomerAuth,
  username: z.string().optional(),
  /** Whether a password is stored in the keychain (it is never returned). */
  hasPassword: z.boolean(),
  caFile: z.string().optional(),
  insecureHttp: z.boolean(),
  /** Free text, one contact per entry (e.g. `Jane Doe <jane@example.com>`). */
  contacts: z.array(z.string()),
  notes: z.string().optional(),
  /** Products (release names) the customer may receive; a delivery refuses the rest. */
  entitlements: z.array(z.string()),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Customer = z.infer<typeof Customer>;

const CustomerName = z.string().trim().min(1).max(120);
const ProductName = z.string().trim().min(1).max(200);

/** The fields a person edits; `password` is write-only and omitted means "keep the stored one". */
export const CustomerInput = z.strictObject({
  name: CustomerName,
  registry: z.string().trim().min(1).max(262),
  namespace: z.string().trim().min(1).max(255),
  auth: CustomerAuth,
  username: z.string().min(1).max(256).optional(),
  password: z.string().min(1).max(8192).optional(),
  caFile: z.string().max(4096).optional(),
  insecureHttp: z.boolean().optional(),
  contacts: z.array(z.string().trim().min(1).max(500)).max(50).optional(),
  notes: z.string().max(10_000).optional(),
  entitlements: z.array(ProductName).max(1000).optional(),
});
export type CustomerInput = z.infer<typeof CustomerInput>;

/** Test connection: each step, and in plain words what failed and what to do. */
export const CustomerTest = z.strictObject({
  name: z.string(),
  reachable: z.boolean(),
  authenticated: z.boolean(),
  canPush: z.boolean(),
  error: z.string().optional(),
  remedy: z.string().optional(),
});
export type CustomerTest = z.infer<typeof CustomerTest>;

/** One audit event as recorded: every field takes part in the hash chain. */
export const AuditEventView = z.strictObject({
  seq: z.number().int(),
  at: z.string(),
  actor: z.strictObject({ user: z.string(), host: z.string(), app: z.string() }),
  action: z.string(),
  subject: z.string(),
  details: z.record(z.string(), z.unknown()),
  hash: z.string(),
});
export type AuditEventView = z.infer<typeof AuditEventView>;

/** Which events: all given conditions hold. Times are ISO 8601 (inclusive). */
export const AuditQuery = z.strictObject({
  since: z.string().max(64).optional(),
  until: z.string().max(64).optional(),
  /** An action (`image.signed`) or a family ending in a dot (`image.`). */
  action: z.string().max(200).optional(),
  /** The OS user (or `user@host`) who acted. */
  actor: z.string().max(300).optional(),
  customer: z.string().max(200).optional(),
  release: z.string().max(300).optional(),
  /** A signing key's fingerprint (or its start) or id. */
  key: z.string().max(200).optional(),
  /** Free text matched against subject and details. */
  search: z.string().max(500).optional(),
});
export type AuditQuery = z.infer<typeof AuditQuery>;

export const AuditExportFormat = z.enum(['jsonl', 'csv', 'html']);
export type AuditExportFormat = z.infer<typeof AuditExportFormat>;

/** `NAME@VERSION`: the product (what customers are entitled to) and its version. */
export const ReleaseText = z
  .string()
  .trim()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}@[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/,
    'is not NAME@VERSION (for example demo@1.0.0)',
  );

/** Where a delivery stands as a whole. `interrupted`: it was running when its process ended. */
export const DeliveryStatus = z.enum([
  'running',
  'interrupted',
  'blocked',
  'delivered',
  'partial',
  'failed',
  'cancelled',
]);
export type DeliveryStatus = z.infer<typeof DeliveryStatus>;

/** One image for one customer, step by step: blobs and manifest, signatures, tag, verification. */
export const DeliveryTargetStatus = z.enum([
  'pending',
  'copying',
  'signing',
  'tagging',
  'verifying',
  'delivered',
  'conflict',
  'failed',
  'cancelled',
]);
export type DeliveryTargetStatus = z.infer<typeof DeliveryTargetStatus>;

export const PolicyReasonView = z.strictObject({
  kind: z.enum(['vulnerability', 'baseline', 'secret', 'malware']),
  id: z.string(),
  package: z.string().optional(),
  path: z.string().optional(),
  why: z.string(),
});
export type PolicyReasonView = z.infer<typeof PolicyReasonView>;

/** A release image as the delivery resolved, scanned and judged it. */
export const DeliveryImage = z.strictObject({
  source: z.string(),
  /** `<last segment of the source repository>`: the repository name customers get. */
  name: z.string(),
  tag: z.string(),
  /** The digest customers receive (known once resolved). */
  digest: Digest.optional(),
  scan: z
    .strictObject({
      packages: z.number().int(),
      vulnerabilities: ScanResult.shape.summary.shape.vulnerabilities,
      secrets: z.number().int(),
      malware: z.number().int(),
      scannedAt: z.string(),
    })
    .optional(),
  verdict: z.enum(['pass', 'block']).optional(),
  reasons: z.array(PolicyReasonView),
  warnings: z.array(PolicyReasonView),
});
export type DeliveryImage = z.infer<typeof DeliveryImage>;

export const DeliveryTarget = z.strictObject({
  source: z.string(),
  /** `docker://<registry>/<namespace>/<name>:<tag>` in the customer's registry. */
  ref: z.string(),
  digest: Digest.optional(),
  status: DeliveryTargetStatus,
  signed: z.boolean(),
  verified: z.boolean(),
  /** The delivery record attestation (referrer) once pushed. */
  record: z.string().optional(),
  error: z.string().optional(),
  updatedAt: z.string(),
});
export type DeliveryTarget = z.infer<typeof DeliveryTarget>;

export const DeliveryCustomer = z.strictObject({
  id: z.string(),
  name: z.string(),
  status: z.enum(['pending', 'running', 'delivered', 'partial', 'failed', 'refused', 'cancelled']),
  error: z.string().optional(),
  images: z.array(DeliveryTarget),
});
export type DeliveryCustomer = z.infer<typeof DeliveryCustomer>;

export const Delivery = z.strictObject({
  id: z.string(),
  /** `NAME@VERSION`. */
  release: z.string(),
  product: z.string(),
  version: z.string(),
  /** `deliver` pushed from sources; `bundle` pushed from an imported bundle. */
  origin: z.enum(['deliver', 'bundle']),
  status: DeliveryStatus,
  keyId: z.string().optional(),
  keyFingerprint: z.string(),
  /** The policy file's name, when one was given. */
  policy: z.string().optional(),
  gate: z.enum(['pass', 'block']).optional(),
  images: z.array(DeliveryImage),
  customers: z.array(DeliveryCustomer),
  error: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
  finishedAt: z.string().optional(),
});
export type Delivery = z.infer<typeof Delivery>;

/** A delivery in the list: no per-image detail. */
export const DeliverySummary = Delivery.pick({
  id: true,
  release: true,
  origin: true,
  status: true,
  gate: true,
  keyFingerprint: true,
  createdAt: true,
  updatedAt: true,
}).extend({
  images: z.number().int(),
  customers: z.array(DeliveryCustomer.pick({ name: true, status: true })),
});
export type DeliverySummary = z.infer<typeof DeliverySummary>;

/** What a delivery would do, checked before anything is pushed (no signing, no network writes). */
export const DeliveryPlan = z.strictObject({
  release: z.string(),
  gate: z.enum(['pass', 'block']),
  images: z.array(DeliveryImage),
  customers: z.array(
    z.strictObject({
      name: z.string(),
      entitled: z.boolean(),
      /** Where each image would go. */
      refs: z.array(z.string()),
    }),
  ),
});
export type DeliveryPlan = z.infer<typeof DeliveryPlan>;

/** Who received something: one line per customer and image of a delivery. */
export const TraceHit = z.strictObject({
  deliveryId: z.string(),
  release: z.string(),
  customer: z.string(),
  ref: z.string(),
  digest: Digest,
  at: z.string(),
  keyFingerprint: z.string(),
  /** Why it matched: the digest itself, or the package / vulnerability found in its scan. */
  match: z.strictObject({
    kind: z.enum(['digest', 'vulnerability', 'package']),
    value: z.string(),
  }),
});
export type TraceHit = z.infer<typeof TraceHit>;

export const DeliveryRequest = z.strictObject({
  release: ReleaseText,
  images: z.array(ImageRef).min(1).max(100),
  customers: z.array(CustomerName).min(1).max(200),
  keyId: KeyId,
  /** A policy file the engine reads (scan policy format); a default gate applies without one. */
  policy: FilePath.optional(),
});
export type DeliveryRequest = z.infer<typeof DeliveryRequest>;

/** Chosen by the caller so it can follow a long request's progress events. */
const TaskId = z.string().min(1).max(100);
/** `os/arch[/variant]` of a multi-platform image. */
const PlatformName = z
  .string()
  .regex(/^[a-z0-9._-]+\/[a-z0-9._-]+(\/[a-z0-9._-]+)?$/, 'is not os/arch or os/arch/variant');

/**
 * Every channel. Adding a capability means adding its channels here; hosts register handlers
 * for all of them in one loop, so nothing else needs to change to expose it.
 */
export const channels = {
  'app.info': { request: NoParams, response: AppInfo },
  'system.status': { request: NoParams, response: SystemStatus },
  'images.list': {
    request: z.strictObject({ all: z.boolean().optional() }),
    response: z.array(LocalImage),
  },
  'audit.verify': { request: NoParams, response: AuditVerification },
  'images.inspect': {
    request: z.strictObject({ ref: ImageRef }),
    response: ImageInspection,
  },
  'images.copy': {
    request: z.strictObject({
      source: ImageRef,
      destinations: z.array(ImageRef).min(1).max(64),
      overwrite: z.boolean().optional(),
      /** Chosen by the caller so it can follow this copy's progress events. */
      taskId: z.string().min(1).max(100).optional(),
    }),
    response: CopyResult,
  },
  'registries.list': { request: NoParams, response: z.array(RegistrySettings) },
  'registries.login': {
    request: z.strictObject({
      host: RegistryHost,
      username: z.string().min(1).max(256).optional(),
      /** Write-only: passed to the keychain and never returned. */
      password: z.string().min(1).max(8192).optional(),
      caFile: z.string().max(4096).optional(),
      insecureHttp: z.boolean().optional(),
    }),
    response: z.strictObject({ host: z.string(), authenticated: z.boolean() }),
  },
  'registries.test': {
    request: z.strictObject({ host: RegistryHost }),
    response: z.strictObject({
      host: z.string(),
      reachable: z.boolean(),
      authenticated: z.boolean(),
      error: z.string().optional(),
      remedy: z.string().optional(),
    }),
  },
  'keys.list': { request: NoParams, response: z.array(KeyInfo) },
  'keys.generate': { request: z.strictObject({ name: KeyName }), response: KeyInfo },
  'keys.import': {
    request: z.strictObject({ name: KeyName, path: FilePath, passphrase: Passphrase.optional() }),
    response: KeyInfo,
  },
  'keys.exportPublic': {
    request: z.strictObject({ id: KeyId }),
    response: z.strictObject({ pem: z.string() }),
  },
  'keys.export': {
    request: z.strictObject({ id: KeyId, path: FilePath, passphrase: Passphrase }),
    response: z.strictObject({ out: z.string() }),
  },
  'keys.revoke': {
    request: z.strictObject({ id: KeyId, reason: z.string().trim().min(1).max(1000) }),
    response: KeyInfo,
  },
  /** Signs a registry image by digest with a workspace key, in the chosen formats. */
  'images.sign': {
    request: z.strictObject({ ref: ImageRef, keyId: KeyId, formats: SignatureFormats }),
    response: SignResult,
  },
  /** Every signature on a registry image, with who made it and whether it holds. */
  'images.signatures': {
    request: z.strictObject({ ref: ImageRef }),
    response: ImageSignatures,
  },
  /** Whether a valid signature by one workspace key covers a registry image. */
  'images.verify': {
    request: z.strictObject({ ref: ImageRef, keyId: KeyId }),
    response: VerifyResult,
  },
  'registries.remove': {
    request: z.strictObject({ host: RegistryHost }),
    response: z.strictObject({ removed: z.boolean() }),
  },
  'vulndb.status': { request: NoParams, response: VulnDbStatus },
  /** Imports OSV data the engine reads from its own disk: an `all.zip`, a folder or a file. */
  'vulndb.import': {
    request: z.strictObject({ path: FilePath, taskId: TaskId.optional() }),
    response: VulnDbImportResult,
  },
  /** One stored record, by its id or an alias, read offline. */
  'vulndb.record': {
    request: z.strictObject({ id: z.string().trim().min(1).max(200) }),
    response: VulnRecord,
  },
  /** An image's packages and their known vulnerabilities, from the offline data. */
  'images.scan': {
    request: z.strictObject({
      ref: ImageRef,
      platform: PlatformName.optional(),
      /** Chosen by the caller to follow per-layer progress and to cancel (`tasks.cancel`). */
      taskId: TaskId.optional(),
    }),
    response: ScanResult,
  },
  /** Saves the image's scan report (from the cache when unchanged) to a new file. */
  'images.scanExport': {
    request: z.strictObject({
      ref: ImageRef,
      platform: PlatformName.optional(),
      format: ScanReportFormat,
      path: FilePath,
    }),
    response: z.strictObject({
      path: z.string(),
      format: ScanReportFormat,
      bytes: z.number().int().nonnegative(),
    }),
  },
  /** Signs the image's SBOM and vulnerability report and attaches them as attestations. */
  'images.attestScan': {
    request: z.strictObject({ ref: ImageRef, keyId: KeyId, platform: PlatformName.optional() }),
    response: z.strictObject({ digest: Digest, attestations: z.array(ScanAttestation) }),
  },
  'customers.list': { request: NoParams, response: z.array(Customer) },
  'customers.get': { request: z.strictObject({ name: CustomerName }), response: Customer },
  /** Adds a customer, or with `id` edits one (a rename included). Audited. */
  'customers.save': {
    request: CustomerInput.extend({ id: z.string().min(1).max(100).optional() }),
    response: Customer,
  },
  'customers.remove': {
    request: z.strictObject({ name: CustomerName }),
    response: z.strictObject({ removed: z.boolean() }),
  },
  /** Reachable, authenticated, allowed to push (an upload is started and cancelled). */
  'customers.test': { request: z.strictObject({ name: CustomerName }), response: CustomerTest },
  /** Writes the customer's verification kit into a folder (created if missing, must be empty). */
  'customers.kit': {
    request: z.strictObject({ name: CustomerName, dir: FilePath }),
    response: z.strictObject({ dir: z.string(), files: z.array(z.string()) }),
  },
  /** A page of events matching the query, oldest first, and how many match in all. */
  'audit.list': {
    request: AuditQuery.extend({
      offset: z.number().int().nonnegative().optional(),
      limit: z.number().int().min(1).max(5000).optional(),
    }),
    response: z.strictObject({ total: z.number().int(), events: z.array(AuditEventView) }),
  },
  /** Writes a signed export of the matching events to a new file. */
  'audit.export': {
    request: z.strictObject({ path: FilePath, format: AuditExportFormat, query: AuditQuery }),
    response: z.strictObject({
      out: z.string(),
      events: z.number().int(),
      format: AuditExportFormat,
    }),
  },
  /** Resolves, scans and judges a release for chosen customers; pushes nothing. */
  'deliveries.plan': {
    request: DeliveryRequest.extend({ taskId: TaskId.optional() }),
    response: DeliveryPlan,
  },
  /** Runs a delivery to the end (its state is saved at every step; `delivery` events follow it). */
  'deliveries.start': {
    request: DeliveryRequest.extend({ taskId: TaskId.optional() }),
    response: Delivery,
  },
  /** Finishes an interrupted or failed delivery; with `customers`, retries only those. */
  'deliveries.resume': {
    request: z.strictObject({
      id: z.string().min(1).max(100),
      customers: z.array(CustomerName).max(200).optional(),
      taskId: TaskId.optional(),
    }),
    response: Delivery,
  },
  'deliveries.list': {
    request: z.strictObject({ limit: z.number().int().min(1).max(1000).optional() }),
    response: z.array(DeliverySummary),
  },
  'deliveries.get': {
    request: z.strictObject({ id: z.string().min(1).max(100) }),
    response: Delivery,
  },
  /** Writes the delivery's signed records (and the signer's public key) into a new or empty folder. */
  'deliveries.saveRecords': {
    request: z.strictObject({ id: z.string().min(1).max(100), dir: FilePath }),
    response: z.strictObject({ dir: z.string(), files: z.array(z.string()) }),
  },
  /** Writes a signed offline delivery bundle (OCI image layout in a tar) to a new file. */
  'bundles.export': {
    request: z.strictObject({
      release: ReleaseText,
      images: z.array(ImageRef).min(1).max(100),
      keyId: KeyId,
      policy: FilePath.optional(),
      path: FilePath,
      taskId: TaskId.optional(),
    }),
    response: z.strictObject({ out: z.string(), digest: Digest, images: z.number().int() }),
  },
  /** Checks a bundle's signature and every digest, then delivers it to the chosen customers. */
  'bundles.import': {
    request: z.strictObject({
      path: FilePath,
      customers: z.array(CustomerName).min(1).max(200),
      /** A PEM public key to trust when the bundle's key is not one of this workspace's keys. */
      publicKeyFile: FilePath.optional(),
      taskId: TaskId.optional(),
    }),
    response: Delivery,
  },
  /** Which releases contained an image digest, a vulnerability or a package, and who received them. */
  'trace.query': {
    request: z.strictObject({ query: z.string().trim().min(1).max(2000) }),
    response: z.strictObject({
      query: z.string(),
      kind: z.enum(['digest', 'vulnerability', 'package']),
      deliveries: z.array(TraceHit),
    }),
  },
  /** Cancels a running task (a scan, a copy, an import) by the id its caller chose. */
  'tasks.cancel': {
    request: z.strictObject({ taskId: TaskId }),
    response: z.strictObject({ cancelled: z.boolean() }),
  },
} as const;

export type Channels = typeof channels;
export type ChannelName = keyof Channels;
export type RequestOf<C extends ChannelName> = z.input<Channels[C]['request']>;
export type ResponseOf<C extends ChannelName> = z.output<Channels[C]['response']>;

export const channelNames = Object.keys(channels) as ChannelName[];

export function isChannelName(value: unknown): value is ChannelName {
  return typeof value === 'string' && Object.hasOwn(channels, value);
}

/** Error codes a request can fail with. Hosts map their `kind` to exit codes and UI remedies. */
export const ErrorCode = z.enum([
  'UNKNOWN_CHANNEL',
  'BAD_REQUEST',
  'BAD_INPUT',
  'NOT_FOUND',
  'DOCKER_UNAVAILABLE',
  'KEYCHAIN_UNAVAILABLE',
  'KEYCHAIN_LOCKED',
  'WORKSPACE_UNAVAILABLE',
  'REGISTRY_UNAVAILABLE',
  'CHECK_FAILED',
  'INTERNAL',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const ErrorInfo = z.strictObject({
  code: ErrorCode,
  message: z.string(),
  remedy: z.string().optional(),
});
export type ErrorInfo = z.infer<typeof ErrorInfo>;

export type Result<T> = { ok: true; data: T } | { ok: false; error: ErrorInfo };

/** Events the engine pushes to every subscribed interface. */
export const events = {
  progress: z.strictObject({
    taskId: z.string(),
    label: z.string(),
    state: z.enum(['queued', 'running', 'done', 'failed', 'cancelled']),
    done: z.number().nonnegative(),
    total: z.number().nonnegative().optional(),
    unit: z.enum(['bytes', 'items']),
    message: z.string().optional(),
    /** For transfers: which destination, and which blob (digest). */
    destination: z.string().optional(),
    item: z.string().optional(),
  }),
  /** A delivery's new state, after each step it saves, with the task id of the run saving it. */
  delivery: Delivery.extend({ taskId: z.string().optional() }),
  status: z.strictObject({
    subject: z.enum(['docker', 'keychain', 'workspace']),
    state: CheckState,
    message: z.string(),
  }),
} as const;

export type Events = typeof events;
export type EventName = keyof Events;
export type EventOf<E extends EventName> = z.output<Events[E]>;

export const eventNames = Object.keys(events) as EventName[];

export function isEventName(value: unknown): value is EventName {
  return typeof value === 'string' && Object.hasOwn(events, value);
}

/** What `window.consign` offers the renderer, whichever host provides it. */
export interface ConsignBridge {
  invoke<C extends ChannelName>(channel: C, request: RequestOf<C>): Promise<Result<ResponseOf<C>>>;
  on<E extends EventName>(event: E, listener: (payload: EventOf<E>) => void): () => void;
}

/** The one IPC channel on which the desktop app's main process relays engine events. */
export const IPC_EVENT_CHANNEL = 'consign:event';
