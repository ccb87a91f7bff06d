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
const FilePath = z.string().min(1).max(4096);
/** Write-only: used by the engine to decrypt or encrypt a key file, never stored or returned. */
const Passphrase = z.string().min(1).max(1024);

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
    request: z.strictObject({ ref: z.string().min(1).max(4096) }),
    response: ImageInspection,
  },
  'images.copy': {
    request: z.strictObject({
      source: z.string().min(1).max(4096),
      destinations: z.array(z.string().min(1).max(4096)).min(1).max(64),
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
  'registries.remove': {
    request: z.strictObject({ host: RegistryHost }),
    response: z.strictObject({ removed: z.boolean() }),
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
