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
