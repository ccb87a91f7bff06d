// The OCI distribution client: manifests, blobs, uploads, tags and referrers against one registry
// host, with authentication, retries and verification of everything the registry sends.
import { pipeline, Readable, Transform } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConsignError } from '../errors';
import {
  digestHex,
  digestOf,
  imageIndexOf,
  type ImageIndex,
  isDigest,
  MANIFEST_ACCEPT,
  MAX_MANIFEST_BYTES,
  MediaType,
  parseManifest,
  VerifyingStream,
  type Descriptor,
  type Digest,
  type ParsedManifest,
} from '../oci';
import { Authenticator, type CredentialSource } from './auth';
import { ChunkReader, LengthCheck, pieces } from './chunks';
import type { ReadBuffers } from './read-buffers';
import {
  misbehaved,
  notFound,
  registryErrorCode,
  rejected,
  tlsFailure,
  unavailableAfterRetries,
  unreachable,
} from './errors';
import {
  backoffDelay,
  isValidHost,
  isValidRepository,
  isValidTag,
  mergeScopes,
  parseChallenges,
  parseLinkNext,
  parseRetryAfter,
  parseUploadRange,
  resolveLocation,
  schemeFor,
} from './protocol';
import {
  BodySourceError,
  discard,
  errorCode,
  header,
  isAbortError,
  isRetryableNetworkError,
  isTlsError,
  readBody,
  readErrorBody,
  Transport,
  type TransportResponse,
} from './transport';

export interface RegistryEndpointOptions {
  /** `host[:port]` as in image references. */
  host: string;
  /** Plain HTTP for a non-loopback host (loopback hosts without a CA file use it anyway). */
  insecureHttp?: boolean;
  /** PEM file of a private CA, trusted in addition to the public roots. TLS is always verified. */
  caFile?: string;
  credentials?: CredentialSource;
}

export interface RetryPolicy {
  /** Attempts per request, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** No retry starts after this long since the request's first attempt. */
  totalMs: number;
  /** A `Retry-After` longer than this gives up instead of waiting. */
  maxRetryAfterMs: number;
}

export interface RegistryClientOptions extends RegistryEndpointOptions {
  retry?: Partial<RetryPolicy>;
  /** Socket inactivity limit per request. */
  timeoutMs?: number;
}

export interface ManifestHead {
  digest: Digest;
  mediaType: string;
  size: number;
}

export interface BlobRef {
  digest: Digest;
  size: number;
}

export interface UploadOptions {
  /** Blobs up to this size go in one PUT; larger ones in PATCH chunks of this size. */
  chunkSize?: number;
  /** False when the caller has just checked that the repository lacks the blob (saves a HEAD). */
  checkExisting?: boolean;
  /** Bytes of the blob the registry holds or is receiving (goes back after a restart). */
  onProgress?: (bytes: number) => void;
  /**
   * Every byte of the source before `position` has been handed to the network: memory the
   * source gave for them may be reused (see `ReadBuffers`).
   */
  onSent?: (position: number) => void;
  signal?: AbortSignal;
}

export interface UploadResult {
  /** False when the registry already had the blob. */
  uploaded: boolean;
  /** Times an interrupted upload resumed at the registry's offset. */
  resumes: number;
  /** Times the registry lost an upload session and it started over. */
  restarts: number;
}

/** A blob whose digest is only known once all of it has been read (a layer compressed on the way). */
export interface StreamedBlobSource {
  /**
   * The content from byte `offset`; `result` settles once that stream has ended, with the digest
   * and size of the whole content (bytes before `offset` included).
   */
  open(offset: number): Promise<{ stream: Readable; result: Promise<BlobRef> }>;
}

export interface ReferrersResult {
  manifests: Descriptor[];
  /** Which mechanism answered: the OCI 1.1 API, or the `sha256-<hex>` tag schema. */
  source: 'referrers-api' | 'fallback-tag';
}

export interface PingResult {
  reachable: true;
  /** True when the registry accepted our credentials (false when we have none). */
  authenticated: boolean;
  apiVersion?: string;
}

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 5,
  baseDelayMs: 250,
  maxDelayMs: 8_000,
  totalMs: 120_000,
  maxRetryAfterMs: 60_000,
};

const DEFAULT_TIMEOUT_MS = 60_000;
/** Blobs up to this size are sent in one request; larger ones in chunks of it (resumable). */
/** How often a fallback index is merged again after a concurrent writer changed it. */
const MAX_INDEX_MERGES = 5;

/** The registry refused a conditional manifest write because the manifest changed meanwhile. */
class ManifestChangedError extends ConsignError {
  constructor(repository: string, reference: string) {
    super(
      'REGISTRY_UNAVAILABLE',
      `${repository}:${reference} changed while it was being updated.`,
      {
        remedy: 'Try again.',
      },
    );
  }
}

/**
 * Blobs up to this size go in one request, larger ones in chunks of it: under the 100 MB request
 * bodies some proxies and CDNs refuse, and large enough that most layers need one round trip
 * (each chunk costs one, and the registry's work to resume the upload).
 */
export const DEFAULT_CHUNK_SIZE = 64 * 1024 * 1024;
const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504]);
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;
const MAX_TAG_PAGES = 10_000;
const MAX_RESTARTS = 3;
/** Reconnects of one blob download; each must make progress, this bounds a pathological peer. */
const MAX_DOWNLOAD_RECONNECTS = 50;
const USER_AGENT = 'consign';

interface SendOptions {
  method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';
  url: URL;
  headers?: Record<string, string>;
  body?: Buffer | Readable;
  scopes: string[];
  /** For messages: what permission the request needs, on which repository. */
  action: string;
  repository: string;
  /** For messages: "read manifest x:1" */
  what: string;
  signal?: AbortSignal;
  /** A GET whose body is read into recycled memory. */
  readBuffers?: ReadBuffers;
  /** Bytes of a streamed body handed to the socket so far. */
  onBodySent?: (bytes: number) => void;
  /** Return a 401 instead of throwing (ping decides itself). */
  allowUnauthorized?: boolean;
  /** No registry authentication at all (the token service's own request). */
  raw?: boolean;
}

/** Where an upload stands, across the attempts that resume it. */
interface UploadState {
  repository: string;
  /** For messages: "blob sha256:…" */
  what: string;
  signal: AbortSignal | undefined;
  /** The session the upload started with (a resume may move to another). */
  session: URL;
  deadline: number;
  /** Failed attempts in a row. */
  failures: number;
  counts: { resumes: number; restarts: number };
}

/** A failed attempt the upload loop resumes from: a 5xx/429 answer, or auth to redo. */
class ResumableFailure extends Error {
  readonly retryAfterMs: number | undefined;
  constructor(detail: string, retryAfterMs?: number) {
    super(detail);
    this.retryAfterMs = retryAfterMs;
  }
}

function describeNetworkError(error: unknown): string {
  const code = errorCode(error);
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ENOTFOUND') return 'the host name does not resolve';
  if (code === 'ETIMEDOUT') return `timed out (${message})`;
  if (code === 'ECONNRESET') return 'the connection was reset';
  return code ? `${code}` : message.slice(0, 120);
}

export class RegistryClient {
  readonly host: string;
  readonly baseUrl: URL;
  readonly #transport: Transport;
  readonly #auth: Authenticator;
  readonly #retry: RetryPolicy;
  readonly #timeoutMs: number;
  #referrersApi: boolean | undefined;

  constructor(options: RegistryClientOptions) {
    const host = options.host.trim().toLowerCase();
    if (!isValidHost(host)) {
      throw new ConsignError(
        'BAD_INPUT',
        `"${options.host.slice(0, 200)}" is not a registry host.`,
        {
          remedy: 'Give the registry as HOST or HOST:PORT, without a scheme or path.',
        },
      );
    }
    this.host = host;
    this.baseUrl = new URL(`${schemeFor(host, options)}://${host}/`);
    this.#transport = new Transport(options.caFile);
    this.#retry = { ...DEFAULT_RETRY, ...options.retry };
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#auth = new Authenticator(
      host,
      options.credentials,
      (url, headers) => this.#fetchToken(url, headers),
      options.insecureHttp === true,
    );
  }

  /** Closes idle keep-alive connections. */
  close(): void {
    this.#transport.close();
  }

  // ---- the registry as a whole ------------------------------------------------------------

  /** Reaches the registry and, when we have credentials, proves them. */
  async ping(signal?: AbortSignal): Promise<PingResult> {
    const res = await this.#send({
      method: 'GET',
      url: this.#url('/v2/'),
      scopes: [],
      action: 'use',
      repository: 'the registry',
      what: 'answer the API check',
      allowUnauthorized: true,
      ...(signal ? { signal } : {}),
    });
    const apiVersion = header(res, 'docker-distribution-api-version');
    const body = await readErrorBody(res);
    const result = (authenticated: boolean): PingResult =>
      apiVersion
        ? { reachable: true, authenticated, apiVersion }
        : { reachable: true, authenticated };
    if (res.status === 200) {
      const credentials = await this.#auth.credentials();
      const scheme = this.#auth.scheme;
      return result(!!credentials && (scheme === 'basic' || scheme === 'bearer'));
    }
    if (res.status === 401) {
      if (await this.#auth.credentials())
        throw await this.#auth.refusal(401, 'use', 'the registry');
      return result(false);
    }
    if (res.status === 404) {
      throw misbehaved(this.host, 'does not speak the registry API v2 (/v2/ is not there)');
    }
    if (res.status === 400 && body?.toString('utf8').includes('HTTPS server')) {
      throw new ConsignError(
        'REGISTRY_UNAVAILABLE',
        `The registry ${this.host} speaks HTTPS, but Consign used plain HTTP (the rule for loopback hosts without a CA file).`,
        {
          remedy: `Give the registry's CA certificate: consign login ${this.host} --ca-file CA.pem.`,
        },
      );
    }
    throw rejected(this.host, 'answer the API check', res.status, body);
  }

  /**
   * Proves push permission on a repository without writing anything: starts a blob upload and
   * cancels it at once (a cancelled session leaves no blob, tag or repository behind).
   */
  async probePush(repository: string, signal?: AbortSignal): Promise<void> {
    this.#checkRepository(repository);
    const session = await this.#startUpload(repository, signal);
    await this.#cancelUpload(repository, session);
  }

  // ---- manifests ----------------------------------------------------------------------------

  /**
   * A manifest or index, verified: by digest, its bytes must hash to it; by tag, they must hash
   * to the digest the registry announces. Bytes over 4 MiB are refused while they stream in.
   */
  async getManifest(
    repository: string,
    reference: string,
    signal?: AbortSignal,
  ): Promise<ParsedManifest> {
    return (await this.#fetchManifest(repository, reference, signal)).manifest;
  }

  /** A manifest with the registry's ETag for it, when the registry sends one. */
  async #fetchManifest(
    repository: string,
    reference: string,
    signal?: AbortSignal,
  ): Promise<{ manifest: ParsedManifest; etag?: string }> {
    this.#checkRepository(repository);
    this.#checkReference(reference);
    const what = `The manifest ${repository}${isDigest(reference) ? '@' : ':'}${reference}`;
    const res = await this.#send({
      method: 'GET',
      url: this.#url(`/v2/${repository}/manifests/${reference}`),
      headers: { accept: MANIFEST_ACCEPT },
      ...this.#pull(repository),
      what: `read manifest ${reference} of ${repository}`,
      ...(signal ? { signal } : {}),
    });
    if (res.status === 404) throw notFound(this.host, what, await readErrorBody(res));
    if (res.status !== 200) {
      throw rejected(
        this.host,
        `send manifest ${reference} of ${repository}`,
        res.status,
        await readErrorBody(res),
      );
    }
    const bytes = await this.#readOrRetryable(res, MAX_MANIFEST_BYTES, () =>
      misbehaved(this.host, `sent ${what} larger than the 4 MiB limit for manifests`),
    );
    const announced = header(res, 'docker-content-digest');
    const expected = isDigest(reference) ? reference : undefined;
    for (const claim of [expected, announced]) {
      if (!claim) continue;
      if (!isDigest(claim)) {
        throw misbehaved(this.host, `announced "${claim.slice(0, 80)}" as the digest of ${what}`);
      }
      const actual = digestOf(bytes, claim.startsWith('sha512:') ? 'sha512' : 'sha256');
      if (actual !== claim) {
        throw misbehaved(
          this.host,
          `sent ${what} whose bytes hash to ${actual}, not to the announced ${claim}`,
        );
      }
    }
    const manifest = parseManifest(bytes, header(res, 'content-type'), what);
    const etag = header(res, 'etag');
    return etag ? { manifest, etag } : { manifest };
  }

  /** Digest, media type and size of a manifest, or null when there is none. */
  async headManifest(
    repository: string,
    reference: string,
    signal?: AbortSignal,
  ): Promise<ManifestHead | null> {
    this.#checkRepository(repository);
    this.#checkReference(reference);
    const res = await this.#send({
      method: 'HEAD',
      url: this.#url(`/v2/${repository}/manifests/${reference}`),
      headers: { accept: MANIFEST_ACCEPT },
      ...this.#pull(repository),
      what: `check manifest ${reference} of ${repository}`,
      ...(signal ? { signal } : {}),
    });
    discard(res);
    if (res.status === 404) return null;
    if (res.status !== 200) {
      throw rejected(
        this.host,
        `check manifest ${reference} of ${repository}`,
        res.status,
        undefined,
      );
    }
    const digest = header(res, 'docker-content-digest');
    const mediaType = header(res, 'content-type')?.split(';')[0]?.trim();
    const size = Number(header(res, 'content-length'));
    if (digest && isDigest(digest) && mediaType && Number.isSafeInteger(size)) {
      if (isDigest(reference) && digest !== reference) {
        throw misbehaved(this.host, `answered for ${reference} with the digest ${digest}`);
      }
      return { digest, mediaType, size };
    }
    // Some registries omit the digest on HEAD: fetch the manifest and compute it ourselves.
    const manifest = await this.getManifest(repository, reference, signal);
    return { digest: manifest.digest, mediaType: manifest.mediaType, size: manifest.bytes.length };
  }

  /**
   * Stores a manifest under a tag or its own digest; returns its digest after checking the one
   * the registry reports.
   */
  async putManifest(
    repository: string,
    reference: string,
    manifest: { bytes: Buffer; mediaType: string },
    signal?: AbortSignal,
    ifMatch?: string,
  ): Promise<Digest> {
    this.#checkRepository(repository);
    this.#checkReference(reference);
    if (manifest.bytes.length > MAX_MANIFEST_BYTES) {
      throw new ConsignError(
        'BAD_INPUT',
        `The manifest for ${repository} is ${manifest.bytes.length} bytes, over the 4 MiB limit.`,
      );
    }
    const digest = digestOf(
      manifest.bytes,
      isDigest(reference) && reference.startsWith('sha512:') ? 'sha512' : 'sha256',
    );
    if (isDigest(reference) && reference !== digest) {
      throw new ConsignError(
        'BAD_INPUT',
        `The manifest pushed as ${reference} hashes to ${digest}.`,
        { remedy: 'Push a manifest by the digest of its exact bytes.' },
      );
    }
    const res = await this.#send({
      method: 'PUT',
      url: this.#url(`/v2/${repository}/manifests/${reference}`),
      headers: { 'content-type': manifest.mediaType, ...(ifMatch ? { 'if-match': ifMatch } : {}) },
      body: manifest.bytes,
      ...this.#push(repository),
      what: `store manifest ${reference} in ${repository}`,
      ...(signal ? { signal } : {}),
    });
    const body = await readErrorBody(res);
    if (res.status === 412 && ifMatch) throw new ManifestChangedError(repository, reference);
    if (res.status !== 201 && res.status !== 200 && res.status !== 202) {
      throw rejected(this.host, `store manifest ${reference} in ${repository}`, res.status, body);
    }
    const announced = header(res, 'docker-content-digest');
    if (announced && announced !== digest && announced !== digestOf(manifest.bytes)) {
      throw misbehaved(
        this.host,
        `stored the manifest for ${repository}:${reference} under ${announced}, but its bytes hash to ${digest}`,
      );
    }
    return digest;
  }

  // ---- blobs -----------------------------------------------------------------------------------

  /** The blob's size when the repository has it, else null. */
  async hasBlob(repository: string, digest: Digest, signal?: AbortSignal): Promise<number | null> {
    const stat = await this.#statBlob(repository, digest, signal);
    return stat === null ? null : (stat.size ?? 0);
  }

  async #statBlob(
    repository: string,
    digest: Digest,
    signal: AbortSignal | undefined,
  ): Promise<{ size: number | undefined } | null> {
    this.#checkRepository(repository);
    this.#checkDigest(digest);
    const res = await this.#send({
      method: 'HEAD',
      url: this.#url(`/v2/${repository}/blobs/${digest}`),
      ...this.#pull(repository),
      what: `check blob ${digest} in ${repository}`,
      ...(signal ? { signal } : {}),
    });
    discard(res);
    if (res.status === 404) return null;
    if (res.status !== 200) {
      throw rejected(this.host, `check blob ${digest} in ${repository}`, res.status, undefined);
    }
    const size = Number(header(res, 'content-length'));
    return { size: Number.isSafeInteger(size) && size >= 0 ? size : undefined };
  }

  /**
   * The blob's bytes as a stream, from `offset`. From offset 0 the stream is verified against the
   * descriptor's digest and size and fails at its end if the registry lied; from a later offset
   * only the length can be checked (the caller hashes the whole). Redirects to storage are
   * followed, and a connection dropped mid-blob is resumed with a Range request. With
   * `readBuffers` the body is read into that recycled memory; the stream's consumers must then
   * keep its contract (see `ReadBuffers`).
   */
  async getBlob(
    repository: string,
    descriptor: BlobRef,
    offset = 0,
    signal?: AbortSignal,
    readBuffers?: ReadBuffers,
  ): Promise<Readable> {
    this.#checkRepository(repository);
    this.#checkDigest(descriptor.digest);
    if (!Number.isSafeInteger(offset) || offset < 0 || offset > descriptor.size) {
      throw new ConsignError('BAD_INPUT', `Offset ${offset} is outside blob ${descriptor.digest}.`);
    }
    const what = `The blob ${descriptor.digest} from ${this.host}/${repository}`;
    const first = await this.#openBlob(repository, descriptor, offset, signal, readBuffers);
    const source = Readable.from(
      this.#downloadChunks(repository, descriptor, offset, first, signal, readBuffers),
      { objectMode: false },
    );
    const check =
      offset === 0
        ? new VerifyingStream(descriptor.digest, descriptor.size, what)
        : new LengthCheck(descriptor.size - offset, what);
    pipeline(source, check, () => {
      // Errors reach the consumer through `check`, which pipeline destroys with them.
    });
    return check;
  }

  /** Mounts a blob from another repository of this registry; false if the registry declined. */
  async mountBlob(
    repository: string,
    digest: Digest,
    fromRepository: string,
    signal?: AbortSignal,
  ): Promise<boolean> {
    this.#checkRepository(repository);
    this.#checkRepository(fromRepository);
    this.#checkDigest(digest);
    const url = this.#url(`/v2/${repository}/blobs/uploads/`);
    url.searchParams.set('mount', digest);
    url.searchParams.set('from', fromRepository);
    const res = await this.#send({
      method: 'POST',
      url,
      scopes: mergeScopes([
        `repository:${repository}:pull,push`,
        `repository:${fromRepository}:pull`,
      ]),
      action: 'push',
      repository,
      what: `mount blob ${digest} into ${repository}`,
      ...(signal ? { signal } : {}),
    });
    discard(res);
    if (res.status === 201) {
      const announced = header(res, 'docker-content-digest');
      if (announced && announced !== digest) {
        throw misbehaved(this.host, `mounted ${announced} when asked for ${digest}`);
      }
      return true;
    }
    if (res.status === 202) {
      // The registry opened an ordinary upload instead; give the session back.
      const session = resolveLocation(header(res, 'location'), res.url);
      if (session) await this.#cancelUpload(repository, session).catch(() => {});
      return false;
    }
    throw rejected(this.host, `mount blob ${digest} into ${repository}`, res.status, undefined);
  }

  /**
   * Uploads a blob unless the repository already has it. Small blobs go in one streamed PUT,
   * larger ones in PATCH chunks. When a request fails mid-way (dropped connection, 5xx, 429)
   * the registry is asked how much it holds and the source is reopened at that offset, so
   * finished bytes are not sent again; a registry that lost the session gets a fresh one.
   */
  async uploadBlob(
    repository: string,
    descriptor: BlobRef,
    open: (offset: number) => Promise<Readable>,
    options: UploadOptions = {},
  ): Promise<UploadResult> {
    this.#checkRepository(repository);
    this.#checkDigest(descriptor.digest);
    const { digest, size } = descriptor;
    const signal = options.signal;
    const existing =
      options.checkExisting === false ? null : await this.#statBlob(repository, digest, signal);
    if (existing !== null) {
      if (existing.size !== undefined && existing.size !== size) {
        throw misbehaved(
          this.host,
          `holds blob ${digest} with ${existing.size} bytes, where its descriptor says ${size}`,
        );
      }
      options.onProgress?.(size);
      return { uploaded: false, resumes: 0, restarts: 0 };
    }
    const chunkSize = Math.max(1, options.chunkSize ?? DEFAULT_CHUNK_SIZE);
    const what = `blob ${digest}`;
    const state = await this.#newUploadState(repository, what, signal);
    let session = state.session;
    let offset = 0;
    const { counts } = state;
    for (;;) {
      let reader: ChunkReader | undefined;
      try {
        if (offset < size || size === 0) {
          reader = new ChunkReader(await open(offset), offset, what);
        }
        if (offset === 0 && size <= chunkSize) {
          const res = await this.#sendUploadBody(
            repository,
            'PUT',
            withDigest(session, digest),
            {
              'content-type': 'application/octet-stream',
              'content-length': String(size),
            },
            reader!.take(size, options.onProgress),
            signal,
            options.onSent,
          );
          await this.#finishUpload(repository, digest, res);
          return { uploaded: true, ...counts };
        }
        while (offset < size) {
          const start = offset;
          const end = Math.min(start + chunkSize, size);
          const onSent = options.onSent;
          const res = await this.#sendUploadBody(
            repository,
            'PATCH',
            session,
            {
              'content-type': 'application/octet-stream',
              'content-length': String(end - start),
              'content-range': `${start}-${end - 1}`,
            },
            reader!.take(end - start, options.onProgress),
            signal,
            onSent && ((bytes) => onSent(start + bytes)),
          );
          if (res.status !== 202) {
            const body = await readErrorBody(res);
            if (res.status === 416) throw new ResumableFailure('the registry is at another offset');
            throw rejected(this.host, `accept a chunk of ${what}`, res.status, body);
          }
          discard(res);
          session = resolveLocation(header(res, 'location'), res.url) ?? session;
          const held = parseUploadRange(header(res, 'range'));
          if (held !== undefined && held !== end) {
            throw misbehaved(
              this.host,
              `reported holding ${held} bytes of ${what} after receiving ${end}`,
            );
          }
          offset = end;
          state.failures = 0;
        }
        reader?.close();
        reader = undefined;
        await this.#completeUpload(repository, session, { digest, size }, signal);
        return { uploaded: true, ...counts };
      } catch (error) {
        reader?.close();
        ({ session, offset } = await this.#recoverUpload(state, session, error, size));
        options.onProgress?.(offset);
      }
    }
  }

  /**
   * Uploads a blob whose digest and size are only known once its stream has ended, the way
   * `docker push` sends a layer it compresses on the way: one streamed PATCH, then the PUT that
   * names the digest. An interrupted PATCH resumes at the registry's offset from a source opened
   * again there. That source must give the same bytes (a layer compressed again with the same
   * settings does); should the registry still refuse the digest after a resume, the upload starts
   * over once from the first byte.
   */
  async uploadStreamedBlob(
    repository: string,
    source: StreamedBlobSource,
    options: Omit<UploadOptions, 'chunkSize' | 'checkExisting'> = {},
  ): Promise<UploadResult & BlobRef> {
    this.#checkRepository(repository);
    const signal = options.signal;
    const what = `a streamed blob for ${repository}`;
    const state = await this.#newUploadState(repository, what, signal);
    let session = state.session;
    let offset = 0;
    const { counts } = state;
    let startedOver = false;
    for (;;) {
      let stream: Readable | undefined;
      try {
        const opened = await source.open(offset);
        stream = opened.stream;
        const res = await this.#sendUploadBody(
          repository,
          'PATCH',
          session,
          { 'content-type': 'application/octet-stream' },
          counting(stream, offset, options.onProgress),
          signal,
        );
        if (res.status !== 202) {
          const body = await readErrorBody(res);
          if (res.status === 416) throw new ResumableFailure('the registry is at another offset');
          throw rejected(this.host, `accept ${what}`, res.status, body);
        }
        discard(res);
        session = resolveLocation(header(res, 'location'), res.url) ?? session;
        const blob = await opened.result;
        const held = parseUploadRange(header(res, 'range'));
        if (held !== undefined && held !== blob.size && !(held === 0 && blob.size === 1)) {
          throw misbehaved(
            this.host,
            `reported holding ${held} bytes of ${what} after receiving ${blob.size}`,
          );
        }
        try {
          await this.#completeUpload(repository, session, blob, signal);
        } catch (error) {
          const resumed = counts.resumes > 0 || counts.restarts > 0;
          if (!resumed || startedOver || !isDigestRefusal(error)) throw error;
          // The source gave other bytes when opened again: send all of it from one reading.
          startedOver = true;
          counts.restarts++;
          session = await this.#startUpload(repository, signal);
          offset = 0;
          options.onProgress?.(0);
          continue;
        }
        return { uploaded: true, ...counts, ...blob };
      } catch (error) {
        stream?.destroy();
        ({ session, offset } = await this.#recoverUpload(state, session, error, Infinity));
        options.onProgress?.(offset);
      }
    }
  }

  async #newUploadState(
    repository: string,
    what: string,
    signal: AbortSignal | undefined,
  ): Promise<UploadState> {
    return {
      repository,
      what,
      signal,
      session: await this.#startUpload(repository, signal),
      deadline: Date.now() + this.#retry.totalMs,
      failures: 0,
      counts: { resumes: 0, restarts: 0 },
    };
  }

  /** The final PUT of an upload session, naming the digest. */
  async #completeUpload(
    repository: string,
    session: URL,
    blob: BlobRef,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const res = await this.#send({
      method: 'PUT',
      url: withDigest(session, blob.digest),
      ...this.#push(repository),
      what: `complete the upload of blob ${blob.digest}`,
      ...(signal ? { signal } : {}),
    });
    if (res.status === 404 && (await this.hasBlob(repository, blob.digest, signal)) === blob.size) {
      // An earlier attempt of this PUT completed but its answer was lost.
      discard(res);
      return;
    }
    await this.#finishUpload(repository, blob.digest, res);
  }

  /**
   * After a failed upload request: waits, asks the registry how much of the upload it holds, and
   * says where to go on from (a fresh session at 0 when the registry lost it). Rethrows what is
   * not worth another attempt.
   */
  async #recoverUpload(
    state: UploadState,
    session: URL,
    error: unknown,
    size: number,
  ): Promise<{ session: URL; offset: number }> {
    const { repository, what, signal, counts } = state;
    const resumable = error instanceof ResumableFailure || isRetryableNetworkError(error);
    if (!resumable) throw this.#networkFailure(error, `upload ${what}`);
    state.failures++;
    // Each streak of failures gets the full time budget: a long upload may fail late.
    if (state.failures === 1) state.deadline = Date.now() + this.#retry.totalMs;
    const retryAfter = error instanceof ResumableFailure ? error.retryAfterMs : undefined;
    if (!(await this.#pause(state.failures, retryAfter, state.deadline, signal))) {
      throw unavailableAfterRetries(
        this.host,
        `accept ${what}`,
        error instanceof ResumableFailure ? error.message : describeNetworkError(error),
        state.failures,
        error,
      );
    }
    const status = await this.#uploadStatus(repository, session, signal);
    if (status && status.offset <= size) {
      counts.resumes++;
      return { session: status.location, offset: status.offset };
    }
    counts.restarts++;
    if (counts.restarts > MAX_RESTARTS) {
      throw unavailableAfterRetries(
        this.host,
        `keep an upload session for ${what}`,
        'the session was lost again',
        counts.restarts,
      );
    }
    return { session: await this.#startUpload(repository, signal), offset: 0 };
  }

  // ---- tags and referrers ----------------------------------------------------------------------

  /** Every tag of a repository, following `Link` pagination; [] when the repository is unknown. */
  async listTags(repository: string, signal?: AbortSignal, pageSize = 1000): Promise<string[]> {
    this.#checkRepository(repository);
    const tags: string[] = [];
    let url: URL | undefined = this.#url(`/v2/${repository}/tags/list`);
    url.searchParams.set('n', String(pageSize));
    for (let page = 0; url && page < MAX_TAG_PAGES; page++) {
      const res: TransportResponse = await this.#send({
        method: 'GET',
        url,
        ...this.#pull(repository),
        what: `list the tags of ${repository}`,
        ...(signal ? { signal } : {}),
      });
      if (res.status === 404) {
        discard(res);
        return tags;
      }
      if (res.status !== 200) {
        throw rejected(
          this.host,
          `list the tags of ${repository}`,
          res.status,
          await readErrorBody(res),
        );
      }
      const body = await this.#readOrRetryable(res, 16 * 1024 * 1024, () =>
        misbehaved(this.host, `sent a tag list for ${repository} over 16 MiB`),
      );
      let json: { tags?: unknown };
      try {
        json = JSON.parse(body.toString('utf8')) as typeof json;
      } catch {
        throw misbehaved(this.host, `sent a tag list for ${repository} that is not JSON`);
      }
      if (Array.isArray(json.tags)) {
        for (const tag of json.tags) if (typeof tag === 'string') tags.push(tag);
      }
      const next = parseLinkNext(header(res, 'link'), res.url);
      url = next && next.origin === this.baseUrl.origin ? next : undefined;
    }
    return tags;
  }

  /** Whether the registry answers the OCI 1.1 referrers API (asked once per client). */
  async supportsReferrersApi(repository: string, signal?: AbortSignal): Promise<boolean> {
    if (this.#referrersApi !== undefined) return this.#referrersApi;
    const res = await this.#referrersRequest(repository, digestOf(''), undefined, signal);
    discard(res);
    this.#referrersApi = res.status === 200;
    return this.#referrersApi;
  }

  /**
   * The manifests that name `digest` as their subject: from the referrers API where the registry
   * has it, else from the `sha256-<hex>` fallback index tag. Filtered by artifactType if given.
   */
  async referrers(
    repository: string,
    digest: Digest,
    artifactType?: string,
    signal?: AbortSignal,
  ): Promise<ReferrersResult> {
    this.#checkRepository(repository);
    this.#checkDigest(digest);
    const filter = (list: Descriptor[]) =>
      artifactType ? list.filter((d) => d.artifactType === artifactType) : list;
    if (this.#referrersApi !== false) {
      const res = await this.#referrersRequest(repository, digest, artifactType, signal);
      if (res.status === 200) {
        this.#referrersApi = true;
        const body = await this.#readOrRetryable(res, MAX_MANIFEST_BYTES, () =>
          misbehaved(this.host, `sent a referrers list for ${digest} over 4 MiB`),
        );
        let json: unknown;
        try {
          json = JSON.parse(body.toString('utf8'));
        } catch {
          throw misbehaved(this.host, `sent a referrers list for ${digest} that is not JSON`);
        }
        let list: ImageIndex;
        try {
          list = imageIndexOf(json);
        } catch {
          throw misbehaved(this.host, `sent a referrers list for ${digest} that is not an index`);
        }
        return { manifests: filter(list.manifests), source: 'referrers-api' };
      }
      const body = await readErrorBody(res);
      if (res.status !== 404) {
        throw rejected(this.host, `list the referrers of ${digest}`, res.status, body);
      }
      this.#referrersApi = false;
    }
    const tag = referrersTag(digest);
    let index: ParsedManifest;
    try {
      index = await this.getManifest(repository, tag, signal);
    } catch (error) {
      if (error instanceof ConsignError && error.code === 'NOT_FOUND') {
        return { manifests: [], source: 'fallback-tag' };
      }
      throw error;
    }
    if (index.kind !== 'index') {
      throw misbehaved(this.host, `holds a manifest, not an index, at the referrers tag ${tag}`);
    }
    return { manifests: filter(index.index.manifests), source: 'fallback-tag' };
  }

  /**
   * Makes `descriptors` (manifests whose subject is `subject`, already pushed by digest) findable
   * as referrers. Registries with the referrers API index them themselves; elsewhere they are
   * merged into the `sha256-<hex>` fallback index, keeping what it lists, with If-Match where the
   * registry sends an ETag so that a concurrent writer is not overwritten (then it merges again).
   */
  async addReferrers(
    repository: string,
    subject: Digest,
    descriptors: Descriptor[],
    signal?: AbortSignal,
  ): Promise<ReferrersResult['source']> {
    this.#checkDigest(subject);
    if (await this.supportsReferrersApi(repository, signal)) return 'referrers-api';
    const tag = referrersTag(subject);
    for (let attempt = 1; ; attempt++) {
      let existing: Descriptor[] = [];
      let etag: string | undefined;
      if (await this.headManifest(repository, tag, signal)) {
        const current = await this.#fetchManifest(repository, tag, signal);
        if (current.manifest.kind !== 'index') {
          throw misbehaved(
            this.host,
            `holds a manifest, not an index, at the referrers tag ${tag}`,
          );
        }
        existing = current.manifest.index.manifests;
        etag = current.etag;
      }
      const known = new Set(existing.map((d) => d.digest));
      const missing = descriptors.filter((d) => !known.has(d.digest));
      if (missing.length === 0) return 'fallback-tag';
      const index = {
        schemaVersion: 2,
        mediaType: MediaType.ociIndex,
        manifests: [...existing, ...missing],
      };
      try {
        await this.putManifest(
          repository,
          tag,
          { bytes: Buffer.from(JSON.stringify(index)), mediaType: MediaType.ociIndex },
          signal,
          etag,
        );
        return 'fallback-tag';
      } catch (error) {
        if (!(error instanceof ManifestChangedError) || attempt >= MAX_INDEX_MERGES) throw error;
      }
    }
  }

  // ---- internals -------------------------------------------------------------------------------

  #url(path: string): URL {
    return new URL(path, this.baseUrl);
  }

  #pull(repository: string) {
    return { scopes: [`repository:${repository}:pull`], action: 'pull', repository };
  }

  #push(repository: string) {
    return { scopes: [`repository:${repository}:pull,push`], action: 'push to', repository };
  }

  #checkRepository(repository: string): void {
    if (!isValidRepository(repository)) {
      throw new ConsignError(
        'BAD_INPUT',
        `"${repository.slice(0, 200)}" is not a valid repository name.`,
        { remedy: 'Repository names are lower-case letters, digits and the separators . _ - /.' },
      );
    }
  }

  #checkReference(reference: string): void {
    if (!isDigest(reference) && !isValidTag(reference)) {
      throw new ConsignError(
        'BAD_INPUT',
        `"${reference.slice(0, 200)}" is neither a tag nor a digest.`,
        {
          remedy:
            'Tags are up to 128 letters, digits, _ . and -; digests look like sha256:<64 hex>.',
        },
      );
    }
  }

  #checkDigest(digest: string): void {
    if (!isDigest(digest)) {
      throw new ConsignError('BAD_INPUT', `"${digest.slice(0, 140)}" is not a digest.`, {
        remedy: 'A digest looks like sha256: followed by 64 lower-case hex characters.',
      });
    }
  }

  /** Waits before the next attempt; false when the attempt budget or the time is used up. */
  async #pause(
    failures: number,
    retryAfterMs: number | undefined,
    deadline: number,
    signal?: AbortSignal,
  ): Promise<boolean> {
    const policy = this.#retry;
    if (failures >= policy.attempts) return false;
    if (retryAfterMs !== undefined && retryAfterMs > policy.maxRetryAfterMs) return false;
    const delay = retryAfterMs ?? backoffDelay(failures, policy);
    if (Date.now() + delay > deadline) return false;
    await sleep(delay, undefined, signal ? { signal } : undefined);
    return true;
  }

  #networkFailure(error: unknown, what: string): unknown {
    if (error instanceof ConsignError || isAbortError(error)) return error;
    if (error instanceof BodySourceError) return error.cause;
    if (isTlsError(error)) return tlsFailure(this.host, errorCode(error) ?? 'TLS', error);
    if (isRetryableNetworkError(error) || errorCode(error) === 'ENOTFOUND') {
      return unreachable(
        this.host,
        `${describeNetworkError(error)} while trying to ${what}`,
        error,
      );
    }
    return error;
  }

  /**
   * One logical request: authentication (learning the scheme from the first 401, one retry with
   * fresh credentials), redirects for GET/HEAD, and retries with backoff on dropped connections,
   * 5xx and 429 when the body can be sent again.
   */
  async #send(options: SendOptions): Promise<TransportResponse> {
    const replayable = !(options.body instanceof Readable);
    const deadline = Date.now() + this.#retry.totalMs;
    let scopes = options.scopes;
    let url = options.url;
    let failures = 0;
    let authRetried = false;
    let redirects = 0;
    for (;;) {
      const headers: Record<string, string> = { 'user-agent': USER_AGENT, ...options.headers };
      let res: TransportResponse;
      try {
        if (!options.raw && url.origin === this.baseUrl.origin) {
          const authorization = await this.#auth.authorization(scopes);
          if (authorization) headers.authorization = authorization;
        }
        res = await this.#transport.request({
          method: options.method,
          url,
          headers,
          ...(options.body ? { body: options.body } : {}),
          timeoutMs: this.#timeoutMs,
          ...(options.signal ? { signal: options.signal } : {}),
          ...(options.readBuffers ? { readBuffers: options.readBuffers } : {}),
          ...(options.onBodySent ? { onBodySent: options.onBodySent } : {}),
        });
      } catch (error) {
        if (error instanceof ConsignError || isAbortError(error)) throw error;
        if (error instanceof BodySourceError) throw error.cause;
        if (!isRetryableNetworkError(error)) throw this.#networkFailure(error, options.what);
        if (!replayable) throw error; // the upload loop resumes from the registry's offset
        failures++;
        if (!(await this.#pause(failures, undefined, deadline, options.signal))) {
          throw unavailableAfterRetries(
            this.host,
            options.what,
            describeNetworkError(error),
            failures,
            error,
          );
        }
        continue;
      }
      if (res.status === 401 && !options.raw && url.origin === this.baseUrl.origin) {
        const challenges = parseChallenges(header(res, 'www-authenticate'));
        discard(res);
        const sentAuth = headers.authorization !== undefined;
        const wasScheme = this.#auth.scheme;
        this.#auth.learn(challenges);
        const wanted = Authenticator.challengeScopes(challenges);
        const worthRetry =
          !authRetried &&
          (!sentAuth || this.#auth.scheme !== wasScheme || this.#auth.scheme === 'bearer') &&
          this.#auth.scheme !== 'none';
        if (worthRetry) {
          authRetried = true;
          this.#auth.invalidate(scopes);
          scopes = mergeScopes(scopes, wanted);
          if (!replayable) throw new ResumableFailure('the registry asked for authentication');
          continue;
        }
        if (options.allowUnauthorized) return res;
        throw await this.#auth.refusal(401, options.action, options.repository);
      }
      if (res.status === 403 && !options.raw) {
        discard(res);
        throw await this.#auth.refusal(403, options.action, options.repository);
      }
      if (
        REDIRECTS.has(res.status) &&
        (options.method === 'GET' || options.method === 'HEAD') &&
        redirects < MAX_REDIRECTS
      ) {
        const target = resolveLocation(header(res, 'location'), url);
        discard(res);
        if (!target) throw misbehaved(this.host, `redirected ${options.what} to nowhere`);
        url = target;
        redirects++;
        continue;
      }
      if (RETRYABLE_STATUS.has(res.status)) {
        const retryAfter = parseRetryAfter(header(res, 'retry-after'));
        if (!replayable) {
          discard(res);
          throw new ResumableFailure(`HTTP ${res.status}`, retryAfter);
        }
        discard(res);
        failures++;
        if (!(await this.#pause(failures, retryAfter, deadline, options.signal))) {
          const detail =
            retryAfter !== undefined && retryAfter > this.#retry.maxRetryAfterMs
              ? `HTTP ${res.status}, asked to wait ${Math.round(retryAfter / 1000)} s`
              : `HTTP ${res.status}`;
          throw unavailableAfterRetries(this.host, options.what, detail, failures);
        }
        continue;
      }
      return res;
    }
  }

  /** Sends an upload body once; failures are the upload loop's to resume. */
  /** The bytes of a blob; a connection dropped mid-way is resumed with a Range request. */
  async *#downloadChunks(
    repository: string,
    descriptor: BlobRef,
    offset: number,
    first: { res: TransportResponse; skip: number },
    signal: AbortSignal | undefined,
    readBuffers: ReadBuffers | undefined,
  ): AsyncGenerator<Buffer> {
    let current = first;
    let position = offset;
    let failures = 0;
    let reconnects = 0;
    try {
      for (;;) {
        try {
          let skip = current.skip;
          for await (const piece of pieces(current.res.body)) {
            let chunk = piece;
            if (skip > 0) {
              // The server ignored our Range and started from byte 0.
              const dropped = Math.min(skip, chunk.length);
              skip -= dropped;
              chunk = chunk.subarray(dropped);
            }
            position += chunk.length;
            readBuffers?.placed(piece, position);
            if (chunk.length === 0) continue;
            failures = 0;
            yield chunk;
          }
          return;
        } catch (error) {
          if (!isRetryableNetworkError(error) || position >= descriptor.size) {
            throw this.#networkFailure(error, `read blob ${descriptor.digest}`);
          }
          failures++;
          reconnects++;
          if (
            reconnects > MAX_DOWNLOAD_RECONNECTS ||
            !(await this.#pause(failures, undefined, Date.now() + this.#retry.totalMs, signal))
          ) {
            throw unavailableAfterRetries(
              this.host,
              `send blob ${descriptor.digest}`,
              describeNetworkError(error),
              reconnects,
              error,
            );
          }
          current.res.body.destroy();
          current = await this.#openBlob(repository, descriptor, position, signal, readBuffers);
        }
      }
    } finally {
      current.res.body.destroy();
    }
  }

  async #sendUploadBody(
    repository: string,
    method: 'PUT' | 'PATCH',
    url: URL,
    headers: Record<string, string>,
    body: Readable,
    signal: AbortSignal | undefined,
    onBodySent?: (bytes: number) => void,
  ): Promise<TransportResponse> {
    try {
      return await this.#send({
        method,
        url,
        headers,
        body,
        ...this.#push(repository),
        what: 'upload',
        ...(signal ? { signal } : {}),
        ...(onBodySent ? { onBodySent } : {}),
      });
    } finally {
      // Whatever happened, this piece of the source is not read again.
      if (!body.readableEnded) body.destroy();
    }
  }

  async #readOrRetryable(
    res: TransportResponse,
    limit: number,
    onTooLarge: () => Error,
  ): Promise<Buffer> {
    try {
      return await readBody(res, limit, onTooLarge);
    } catch (error) {
      throw this.#networkFailure(error, 'read an answer');
    }
  }

  async #fetchToken(url: URL, headers: Record<string, string>) {
    const res = await this.#send({
      method: 'GET',
      url,
      headers,
      scopes: [],
      action: 'use',
      repository: 'the registry',
      what: 'get a token from its token service',
      raw: true,
    });
    const body = await this.#readOrRetryable(res, 1024 * 1024, () =>
      misbehaved(this.host, 'sent a token response over 1 MiB'),
    );
    return { status: res.status, body };
  }

  async #openBlob(
    repository: string,
    descriptor: BlobRef,
    position: number,
    signal: AbortSignal | undefined,
    readBuffers?: ReadBuffers,
  ): Promise<{ res: TransportResponse; skip: number }> {
    const res = await this.#send({
      method: 'GET',
      url: this.#url(`/v2/${repository}/blobs/${descriptor.digest}`),
      headers: position > 0 ? { range: `bytes=${position}-` } : {},
      ...this.#pull(repository),
      what: `read blob ${descriptor.digest}`,
      ...(signal ? { signal } : {}),
      ...(readBuffers ? { readBuffers } : {}),
    });
    const what = `blob ${descriptor.digest} of ${repository}`;
    if (res.status === 404) throw notFound(this.host, `The ${what}`, await readErrorBody(res));
    const length = Number(header(res, 'content-length'));
    if (res.status === 200) {
      if (Number.isSafeInteger(length) && length !== descriptor.size) {
        discard(res);
        throw misbehaved(
          this.host,
          `announced ${length} bytes for ${what}, whose descriptor says ${descriptor.size}`,
        );
      }
      return { res, skip: position };
    }
    if (res.status === 206 && position > 0) {
      const range = /^bytes (\d+)-/.exec(header(res, 'content-range') ?? '');
      if (range && Number(range[1]) !== position) {
        discard(res);
        throw misbehaved(this.host, `answered a range request for ${what} from the wrong offset`);
      }
      return { res, skip: 0 };
    }
    throw rejected(this.host, `send ${what}`, res.status, await readErrorBody(res));
  }

  async #startUpload(repository: string, signal: AbortSignal | undefined): Promise<URL> {
    const res = await this.#send({
      method: 'POST',
      url: this.#url(`/v2/${repository}/blobs/uploads/`),
      ...this.#push(repository),
      what: `start an upload to ${repository}`,
      ...(signal ? { signal } : {}),
    });
    const body = await readErrorBody(res);
    if (res.status !== 202) {
      throw rejected(this.host, `start an upload to ${repository}`, res.status, body);
    }
    const location = resolveLocation(header(res, 'location'), res.url);
    if (!location) throw misbehaved(this.host, 'started an upload without saying where it is');
    return location;
  }

  async #uploadStatus(
    repository: string,
    session: URL,
    signal: AbortSignal | undefined,
  ): Promise<{ location: URL; offset: number } | null> {
    const res = await this.#send({
      method: 'GET',
      url: session,
      ...this.#push(repository),
      what: `report the state of an upload to ${repository}`,
      ...(signal ? { signal } : {}),
    });
    const body = await readErrorBody(res);
    if (res.status === 204 || res.status === 200) {
      const offset = parseUploadRange(header(res, 'range'));
      if (offset === undefined) return null;
      return { location: resolveLocation(header(res, 'location'), res.url) ?? session, offset };
    }
    const code = registryErrorCode(body);
    if (
      res.status === 404 ||
      res.status === 400 ||
      code === 'BLOB_UPLOAD_UNKNOWN' ||
      code === 'BLOB_UPLOAD_INVALID'
    ) {
      return null;
    }
    throw rejected(this.host, `report the state of an upload to ${repository}`, res.status, body);
  }

  async #cancelUpload(repository: string, session: URL): Promise<void> {
    const res = await this.#send({
      method: 'DELETE',
      url: session,
      ...this.#push(repository),
      what: 'cancel an upload',
    });
    discard(res);
  }

  async #finishUpload(repository: string, digest: Digest, res: TransportResponse): Promise<void> {
    const body = await readErrorBody(res);
    if (res.status === 201 || res.status === 204) {
      const announced = header(res, 'docker-content-digest');
      if (announced && announced !== digest) {
        throw misbehaved(this.host, `stored the upload of ${digest} as ${announced}`);
      }
      return;
    }
    if (registryErrorCode(body) === 'DIGEST_INVALID') {
      throw new ConsignError(
        'CHECK_FAILED',
        `The data uploaded as blob ${digest} to ${this.host}/${repository} does not hash to that digest.`,
        {
          remedy:
            'The source of this blob is altered or corrupt; nothing was stored. Check the source image.',
        },
      );
    }
    if (RETRYABLE_STATUS.has(res.status)) {
      throw new ResumableFailure(`HTTP ${res.status}`, parseRetryAfter(header(res, 'retry-after')));
    }
    throw rejected(this.host, `store blob ${digest} in ${repository}`, res.status, body);
  }

  async #referrersRequest(
    repository: string,
    digest: Digest,
    artifactType: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<TransportResponse> {
    this.#checkRepository(repository);
    const url = this.#url(`/v2/${repository}/referrers/${digest}`);
    if (artifactType) url.searchParams.set('artifactType', artifactType);
    return this.#send({
      method: 'GET',
      url,
      headers: { accept: MediaType.ociIndex },
      ...this.#pull(repository),
      what: `list the referrers of ${digest}`,
      ...(signal ? { signal } : {}),
    });
  }
}

/** The tag of the referrers fallback index for a digest (`sha256-<hex>`). */
export function referrersTag(digest: Digest): string {
  return `${digest.slice(0, digest.indexOf(':'))}-${digestHex(digest)}`;
}

/** A DIGEST_INVALID answer to the final PUT: the registry holds other bytes than named. */
function isDigestRefusal(error: unknown): boolean {
  return error instanceof ConsignError && error.code === 'CHECK_FAILED';
}

/** Passes `source` through, reporting the position in the whole blob as bytes go by. */
function counting(
  source: Readable,
  start: number,
  onProgress: ((bytes: number) => void) | undefined,
): Readable {
  if (!onProgress) return source;
  let position = start;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      onProgress((position += chunk.length));
      done(null, chunk);
    },
  });
  // Errors on either side reach the request through `counter`.
  return pipeline(source, counter, () => undefined);
}

function withDigest(session: URL, digest: Digest): URL {
  const url = new URL(session);
  url.searchParams.set('digest', digest);
  return url;
}
