export {
  DEFAULT_CHUNK_SIZE,
  DEFAULT_RETRY,
  referrersTag,
  RegistryClient,
  type BlobRef,
  type ManifestHead,
  type PingResult,
  type ReferrersResult,
  type RegistryClientOptions,
  type RegistryEndpointOptions,
  type RetryPolicy,
  type StreamedBlobSource,
  type UploadOptions,
  type UploadResult,
} from './client';
export type { CredentialSource, Credentials } from './auth';
export { credentialHelperGet, dockerConfigCredentials } from './docker-config';
export {
  keychainAccount,
  normalizeHost,
  RegistryCredentialStore,
  type CredentialOrigin,
  type LoginInput,
  type LoginResult,
  type RegistrySettings,
  type RegistrySettingsInput,
} from './credentials';
export { isLoopbackHost, schemeFor } from './protocol';
export { BlobLocations } from './blob-locations';
export { ReadBuffers } from './read-buffers';
