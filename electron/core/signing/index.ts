/**
 * Signing registry images, attesting to them, and checking both. Two signature formats:
 * - legacy: cosign's `sha256-<hex>.sig` tag (./legacy, ./simple-signing);
 * - bundle: a Sigstore bundle v0.3 with a DSSE-signed in-toto Statement, pushed as an OCI 1.1
 *   referrer (./bundle, ./statement, ./referrers). Attestations are bundles too, with another
 *   predicate type, and take the same path.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { canonicalJson, type JsonValue } from '../audit';
import type { Engine } from '../engine';
import { ConsignError } from '../errors';
import type { Digest } from '../oci';
import { cosignTag } from '../transfer';
import { bundleJson, checkSignature, keyHint, signStatement } from './bundle';
import {
  messageOf,
  publicKeyFrom,
  repositoryName,
  resolveImage,
  workspaceKeys,
  type CheckingKey,
  type ResolvedImage,
  type VerifyKey,
} from './image';
import {
  judgeLegacy,
  legacyLayers,
  legacySignatureRef,
  readLegacyLayer,
  signLegacy,
} from './legacy';
import { imageBundles, pushBundle, referrerRef, type FoundBundle } from './referrers';
import {
  coversDigest,
  imageStatement,
  isPredicateType,
  SIGN_PREDICATE_TYPE,
  subjectDigests,
  type Statement,
} from './statement';

export * from './simple-signing';
export {
  BUNDLE_V03_MEDIA_TYPE,
  checkSignature,
  keyHint,
  openBundle,
  signStatement,
} from './bundle';
export { imageAt, type ResolvedImage, type VerifyKey } from './image';
export {
  imageStatement,
  IN_TOTO_PAYLOAD_TYPE,
  SIGN_PREDICATE_TYPE,
  STATEMENT_V1,
  type Statement,
} from './statement';

export type SignatureFormat = 'legacy' | 'bundle';
export const SIGNATURE_FORMATS: readonly SignatureFormat[] = ['legacy', 'bundle'];

/** Images signed at once by `signImages`: registry round trips, not crypto, are the cost. */
export const SIGN_CONCURRENCY = 8;

export interface SignOptions {
  /** Which formats to write; both by default. */
  formats?: SignatureFormat[] | undefined;
}

export interface SignResult {
  digest: Digest;
  signatures: {
    format: SignatureFormat;
    /** Where the signature lives: the `.sig` tag, or the bundle referrer by digest. */
    ref: string;
    /** False when a valid signature by this key was already there, so nothing was written. */
    created: boolean;
  }[];
}

/** One signature as checked against the one key a verification asks about. */
export interface SignatureReport {
  format: SignatureFormat;
  /** Where it lives. */
  ref?: string;
  /** Fingerprint of the key the signature verifies with (absent when it verifies with none). */
  keyFingerprint?: string;
  valid: boolean;
  /** Why the signature does not count, when it does not. */
  reason?: string;
  /** The signed blob's digest (legacy payload or bundle), to find it in the registry. */
  payloadDigest?: Digest;
  /** What the payload says it covers. */
  signedDigest?: string;
  /** The repository the payload names. */
  dockerReference?: string;
  /** For bundles: the Statement's predicate type. */
  predicateType?: string;
}

export interface VerifyResult {
  verified: boolean;
  digest: Digest;
  key: { fingerprint: string; id?: string; revoked?: boolean };
  signatures: SignatureReport[];
  /** Why the image is not verified, when it is not. */
  reason?: string;
}

/** One signature found on an image, checked against the workspace's keys. */
export interface ImageSignature {
  format: SignatureFormat;
  /** Where it lives: the `.sig` tag (legacy) or the referrer manifest by digest (bundle). */
  ref: string;
  /** The workspace key it verifies with, when one does. */
  keyFingerprint?: string;
  keyId?: string;
  keyName?: string;
  keyState?: 'active' | 'revoked';
  valid: boolean;
  /** Why it does not count, when it does not. */
  reason?: string;
  /** The digest the signed payload names. */
  signedDigest?: string;
  /** For bundles: the in-toto predicate type (the signing one, or an attestation's). */
  predicateType?: string;
}

export interface AttestOptions {
  predicateType: string;
  /** The predicate: a JSON object (a CycloneDX BOM, a vulnerability report, a record…). */
  predicate: unknown;
}

export interface AttestResult {
  digest: Digest;
  /** The attestation's referrer manifest. */
  ref: string;
  /** False when an equal attestation by this key was already there. */
  created: boolean;
  /** The signed Sigstore bundle (JSON), to keep a copy that verifies offline. */
  bundle: string;
}

export interface VerifiedAttestation {
  ref: string;
  predicateType: string;
  statement: Statement;
}

export interface AttestationsResult {
  /** True when at least one attestation (of the asked type) by that unrevoked key holds. */
  verified: boolean;
  digest: Digest;
  key: VerifyResult['key'];
  /** The statements that verified. */
  attestations: VerifiedAttestation[];
  /** Every bundle looked at, with why it did not count where it did not. */
  signatures: SignatureReport[];
  reason?: string;
}

interface SigningKey {
  id: string;
  fingerprint: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/** The private key, fetched once per signing run; refused (CHECK_FAILED) for a revoked key. */
async function signingKey(engine: Engine, keyId: string): Promise<SigningKey> {
  const store = engine.requireStore();
  const info = store.keys.get(keyId);
  const privateKey = await store.keys.privateKey(keyId);
  return {
    id: info.id,
    fingerprint: info.fingerprint,
    privateKey,
    publicKey: createPublicKey(privateKey),
  };
}

function checkFormats(formats: SignatureFormat[] | undefined): SignatureFormat[] {
  const chosen = formats ?? [...SIGNATURE_FORMATS];
  const bad = chosen.find((f) => !SIGNATURE_FORMATS.includes(f));
  if (chosen.length === 0 || bad !== undefined) {
    throw new ConsignError(
      'BAD_REQUEST',
      bad === undefined
        ? 'No signature format was chosen.'
        : `${String(bad)} is not a signature format.`,
      { remedy: 'Choose legacy, bundle, or both.' },
    );
  }
  return SIGNATURE_FORMATS.filter((f) => chosen.includes(f));
}

/** What one key makes of a bundle: `mine` when the signature holds with it. */
interface BundleJudgement {
  mine: boolean;
  valid: boolean;
  reason?: string;
  statement?: Statement;
}

function judgeBundle(
  found: FoundBundle,
  key: KeyObject,
  digest: Digest,
  predicateType?: string,
): BundleJudgement {
  if (typeof found.opened === 'string') return { mine: false, valid: false, reason: found.opened };
  const bad = checkSignature(found.opened, key);
  if (bad) return { mine: false, valid: false, reason: bad };
  const statement = found.opened.statement;
  if (typeof statement === 'string') return { mine: true, valid: false, reason: statement };
  if (!coversDigest(statement, digest)) {
    return {
      mine: true,
      valid: false,
      statement,
      reason: `the statement covers ${subjectDigests(statement).join(', ') || 'no digest'}, not ${digest}`,
    };
  }
  if (predicateType && statement.predicateType !== predicateType) {
    return {
      mine: true,
      valid: false,
      statement,
      reason: `the statement's predicate type is ${statement.predicateType}, not ${predicateType}`,
    };
  }
  return { mine: true, valid: true, statement };
}

/** What a bundle says about itself, whichever key is tried. */
function bundleFacts(
  found: FoundBundle,
): Pick<SignatureReport, 'payloadDigest' | 'signedDigest' | 'dockerReference' | 'predicateType'> {
  const statement = typeof found.opened === 'string' ? undefined : found.opened.statement;
  const parsed = typeof statement === 'object' ? statement : undefined;
  const signed = parsed ? subjectDigests(parsed)[0] : undefined;
  const name = parsed?.subject[0]?.name;
  const predicateType = parsed?.predicateType ?? found.announcedPredicateType;
  return {
    ...(found.layerDigest ? { payloadDigest: found.layerDigest } : {}),
    ...(signed ? { signedDigest: signed } : {}),
    ...(name ? { dockerReference: name } : {}),
    ...(predicateType ? { predicateType } : {}),
  };
}

/** Writes a Statement as a bundle referrer unless an equal one by this key already holds. */
async function attestWith(
  image: ResolvedImage,
  key: SigningKey,
  predicateType: string,
  predicate: unknown,
  isEqual: (statement: Statement) => boolean,
): Promise<{ ref: string; created: boolean; bundle: string }> {
  for (const found of await imageBundles(image, predicateType)) {
    const judged = judgeBundle(found, key.publicKey, image.digest, predicateType);
    if (judged.valid && judged.statement && isEqual(judged.statement)) {
      const opened = found.opened as Exclude<FoundBundle['opened'], string>;
      return { ref: found.ref, created: false, bundle: bundleJson(opened) };
    }
  }
  const statement = imageStatement(repositoryName(image), image.digest, predicateType, predicate);
  const bundle = await signStatement(key.privateKey, statement);
  const digest = await pushBundle(image, bundle, predicateType);
  return { ref: referrerRef(image, digest), created: true, bundle: bundle.toString('utf8') };
}

/**
 * Runs `work` after any earlier work under the same key has settled. The `.sig` manifest is
 * rewritten whole, so two signings of one image at once (a tag and its digest in one
 * `consign sign` call) would otherwise each drop the other's layer.
 */
async function exclusive<T>(
  locks: Map<string, Promise<unknown>>,
  name: string,
  work: () => Promise<T>,
): Promise<T> {
  const current = (locks.get(name) ?? Promise.resolve()).catch(() => {}).then(work);
  locks.set(name, current);
  try {
    return await current;
  } finally {
    if (locks.get(name) === current) locks.delete(name);
  }
}

async function signWith(
  engine: Engine,
  key: SigningKey,
  text: string,
  formats: SignatureFormat[],
  locks: Map<string, Promise<unknown>> = new Map(),
): Promise<SignResult> {
  const image = await resolveImage(engine, text);
  const where = `${image.registry.host}/${image.repository}@${image.digest}`;
  return exclusive(locks, where, () => signResolved(engine, key, text, image, formats));
}

async function signResolved(
  engine: Engine,
  key: SigningKey,
  text: string,
  image: ResolvedImage,
  formats: SignatureFormat[],
  audit: AuditDetails = {},
): Promise<SignResult> {
  const signatures: SignResult['signatures'] = [];
  for (const format of formats) {
    const written =
      format === 'legacy'
        ? { ref: legacySignatureRef(image), created: await signLegacy(image, key.privateKey) }
        : // Any valid signing bundle by this key covers the image: its subject name may differ.
          await attestWith(image, key, SIGN_PREDICATE_TYPE, {}, () => true);
    signatures.push({ format, ref: written.ref, created: written.created });
    if (written.created) {
      engine.requireStore().audit.append({
        action: 'image.signed',
        subject: text,
        details: {
          ref: text,
          digest: image.digest,
          keyId: key.id,
          fingerprint: key.fingerprint,
          format,
          signature: written.ref,
          ...audit,
        },
      });
    }
  }
  return { digest: image.digest, signatures };
}

/**
 * Signs a registry image by digest with a workspace key, in each chosen format (both by
 * default). A format where a valid signature by the same key already exists is left as it is
 * (`created: false`). Revoked keys are refused with CHECK_FAILED before anything is written.
 */
export async function signImage(
  engine: Engine,
  text: string,
  keyId: string,
  options: SignOptions = {},
): Promise<SignResult> {
  const formats = checkFormats(options.formats);
  return signWith(engine, await signingKey(engine, keyId), text, formats);
}

/** Extra audit details (the delivery's release and customer) for events an "At" call records. */
export type AuditDetails = Record<string, JsonValue>;

/**
 * Signs an image already located by digest (see `imageAt`): for registries reached with other
 * credentials than the workspace's, such as a customer's account, or an OCI layout.
 */
export async function signImageAt(
  engine: Engine,
  image: ResolvedImage,
  keyId: string,
  options: SignOptions & { audit?: AuditDetails } = {},
): Promise<SignResult> {
  const formats = checkFormats(options.formats);
  const key = await signingKey(engine, keyId);
  return signResolved(engine, key, imageText(image), image, formats, options.audit);
}

/** `docker://HOST/REPO@DIGEST` of a located image, as its audit events name it. */
function imageText(image: ResolvedImage): string {
  return `docker://${image.registry.host}/${image.repository}@${image.digest}`;
}

export type SignOutcome = { ref: string; result: SignResult } | { ref: string; error: unknown };

/**
 * Signs several images with one key, `SIGN_CONCURRENCY` at a time; the key is read from the
 * keychain once. One image failing does not stop the others: each outcome says what happened.
 */
export async function signImages(
  engine: Engine,
  refs: string[],
  keyId: string,
  options: SignOptions & { concurrency?: number } = {},
): Promise<SignOutcome[]> {
  const formats = checkFormats(options.formats);
  const key = await signingKey(engine, keyId);
  const outcomes: SignOutcome[] = new Array(refs.length);
  const locks = new Map<string, Promise<unknown>>();
  let next = 0;
  const worker = async () => {
    while (next < refs.length) {
      const index = next++;
      const ref = refs[index]!;
      try {
        outcomes[index] = { ref, result: await signWith(engine, key, ref, formats, locks) };
      } catch (error) {
        outcomes[index] = { ref, error };
      }
    }
  };
  const limit = Math.max(1, Math.min(options.concurrency ?? SIGN_CONCURRENCY, refs.length));
  await Promise.all(Array.from({ length: limit }, worker));
  return outcomes;
}

function keyReport(key: CheckingKey): VerifyResult['key'] {
  return {
    fingerprint: key.fingerprint,
    ...(key.id ? { id: key.id } : {}),
    ...(key.revoked ? { revoked: true } : {}),
  };
}

const OTHER_KEY =
  'the signature does not verify with this key: it was made by another key or the payload was altered';

/**
 * Verifies a registry image's signatures in both formats with a workspace key or a PEM public
 * key. Verified means at least one signature by that key covers the image's digest (a bundle
 * counts only with the signing predicate type); a revoked key never verifies, though its
 * signatures are still reported. The verification is recorded in the audit log.
 */
export async function verifyImage(
  engine: Engine,
  text: string,
  key: VerifyKey,
): Promise<VerifyResult> {
  const checking = await publicKeyFrom(engine, key);
  return verifyResolved(engine, text, await resolveImage(engine, text), checking);
}

/** Verifies an image already located by digest (see `imageAt`), as `verifyImage` does. */
export async function verifyImageAt(
  engine: Engine,
  image: ResolvedImage,
  key: VerifyKey,
  audit: AuditDetails = {},
): Promise<VerifyResult> {
  const checking = await publicKeyFrom(engine, key);
  return verifyResolved(engine, imageText(image), image, checking, audit);
}

async function verifyResolved(
  engine: Engine,
  text: string,
  image: ResolvedImage,
  checking: CheckingKey,
  audit: AuditDetails = {},
): Promise<VerifyResult> {
  const signatures: SignatureReport[] = [];

  for (const layer of await legacyLayers(image)) {
    const read = await readLegacyLayer(image, layer);
    const base: SignatureReport = {
      format: 'legacy',
      ref: legacySignatureRef(image),
      valid: false,
      payloadDigest: layer.digest,
    };
    if (typeof read === 'string') {
      signatures.push({ ...base, reason: read });
      continue;
    }
    const described =
      typeof read.parsed === 'string'
        ? base
        : {
            ...base,
            signedDigest: read.parsed.critical.image['docker-manifest-digest'],
            dockerReference: read.parsed.critical.identity['docker-reference'],
          };
    const judged = judgeLegacy(read, checking.key, image.digest);
    signatures.push(
      judged
        ? {
            ...described,
            keyFingerprint: checking.fingerprint,
            valid: judged.valid,
            ...(judged.reason ? { reason: judged.reason } : {}),
          }
        : { ...described, reason: OTHER_KEY },
    );
  }

  for (const found of await imageBundles(image, SIGN_PREDICATE_TYPE)) {
    const judged = judgeBundle(found, checking.key, image.digest, SIGN_PREDICATE_TYPE);
    signatures.push({
      format: 'bundle',
      ref: found.ref,
      ...bundleFacts(found),
      ...(judged.mine ? { keyFingerprint: checking.fingerprint } : {}),
      valid: judged.valid,
      ...(judged.reason ? { reason: judged.reason } : {}),
    });
  }

  const covered = signatures.some((s) => s.valid);
  const where = `${image.registry.host}/${image.repository}`;
  const reason =
    signatures.length === 0
      ? `${image.digest} has no signatures in ${where} (no ${cosignTag(image.digest, 'sig')} tag and no Sigstore bundle referrer).`
      : checking.revoked
        ? `The key ${checking.id ?? checking.fingerprint} is revoked: its signatures no longer count.`
        : covered
          ? undefined
          : `None of the ${signatures.length} signature(s) on ${image.digest} is a valid signature by key ${checking.fingerprint}.`;
  const verified = covered && !checking.revoked;
  recordVerification(engine, 'image.verified', {
    ref: text,
    digest: image.digest,
    fingerprint: checking.fingerprint,
    verified,
    signatures: signatures.length,
    ...audit,
  });
  return {
    verified,
    digest: image.digest,
    key: keyReport(checking),
    signatures,
    ...(reason ? { reason } : {}),
  };
}

/** Appends a verification to the audit log when the workspace is usable (a PEM needs none). */
function recordVerification(
  engine: Engine,
  action: string,
  details: { ref: string } & Record<string, JsonValue>,
) {
  if (engine.store instanceof ConsignError) return;
  engine.store.audit.append({ action, subject: details.ref, details });
}

/** Tries keys in the order most likely to match: the one the hint names first. */
function byHint(keys: CheckingKey[], hint: string): CheckingKey[] {
  const named = keys.filter((k) => hint !== '' && keyHint(k.key) === hint);
  return [...named, ...keys.filter((k) => !named.includes(k))];
}

function describeKey(key: CheckingKey): Partial<ImageSignature> {
  return {
    keyFingerprint: key.fingerprint,
    ...(key.id ? { keyId: key.id } : {}),
    ...(key.name ? { keyName: key.name } : {}),
    keyState: key.revoked ? 'revoked' : 'active',
  };
}

const UNKNOWN_KEY = 'made by a key this workspace does not know';

function revokedReason(key: CheckingKey): string {
  return `made by the revoked key "${key.name ?? key.fingerprint}"`;
}

/**
 * Every signature and attestation on a registry image, each checked against every key of the
 * workspace (active and revoked), so a person can see who signed and whether each holds.
 */
export async function imageSignatures(
  engine: Engine,
  text: string,
): Promise<{ digest: Digest; signatures: ImageSignature[] }> {
  const keys = workspaceKeys(engine);
  const image = await resolveImage(engine, text);
  const signatures: ImageSignature[] = [];

  for (const layer of await legacyLayers(image)) {
    const ref = legacySignatureRef(image);
    const read = await readLegacyLayer(image, layer);
    if (typeof read === 'string') {
      signatures.push({ format: 'legacy', ref, valid: false, reason: read });
      continue;
    }
    const signedDigest =
      typeof read.parsed === 'string'
        ? undefined
        : read.parsed.critical.image['docker-manifest-digest'];
    const base = { format: 'legacy' as const, ref, ...(signedDigest ? { signedDigest } : {}) };
    const match = keys
      .map((k) => ({ key: k, judged: judgeLegacy(read, k.key, image.digest) }))
      .find((m) => m.judged !== null);
    signatures.push(
      match?.judged
        ? {
            ...base,
            ...describeKey(match.key),
            valid: match.judged.valid && !match.key.revoked,
            ...(match.key.revoked
              ? { reason: revokedReason(match.key) }
              : match.judged.reason
                ? { reason: match.judged.reason }
                : {}),
          }
        : { ...base, valid: false, reason: UNKNOWN_KEY },
    );
  }

  for (const found of await imageBundles(image)) {
    const facts = bundleFacts(found);
    const base = {
      format: 'bundle' as const,
      ref: found.ref,
      ...(facts.signedDigest ? { signedDigest: facts.signedDigest } : {}),
      ...(facts.predicateType ? { predicateType: facts.predicateType } : {}),
    };
    if (typeof found.opened === 'string') {
      signatures.push({ ...base, valid: false, reason: found.opened });
      continue;
    }
    let signature: ImageSignature = { ...base, valid: false, reason: UNKNOWN_KEY };
    for (const key of byHint(keys, found.opened.hint)) {
      const judged = judgeBundle(found, key.key, image.digest);
      if (!judged.mine) continue;
      signature = {
        ...base,
        ...describeKey(key),
        valid: judged.valid && !key.revoked,
        ...(key.revoked
          ? { reason: revokedReason(key) }
          : judged.reason
            ? { reason: judged.reason }
            : {}),
      };
      break;
    }
    signatures.push(signature);
  }
  return { digest: image.digest, signatures };
}

/** A predicate given to attest: a JSON object, checked before anything is signed. */
function checkPredicate(options: AttestOptions): void {
  if (!isPredicateType(options.predicateType)) {
    throw new ConsignError(
      'BAD_REQUEST',
      `The predicate type "${options.predicateType}" is not a URI.`,
      { remedy: 'Give a URI such as https://cyclonedx.org/bom.' },
    );
  }
  const p = options.predicate;
  if (typeof p !== 'object' || p === null || Array.isArray(p)) {
    throw new ConsignError('BAD_INPUT', 'The predicate is not a JSON object.', {
      remedy: 'Give the predicate as one JSON object.',
    });
  }
}

/**
 * Attests to a registry image: signs an in-toto Statement with the given predicate as a DSSE
 * bundle and pushes it as a referrer, the same way as a bundle signature. An equal attestation
 * (same predicate type and predicate) by the same key is not added twice.
 */
export async function attestImage(
  engine: Engine,
  text: string,
  keyId: string,
  options: AttestOptions,
): Promise<AttestResult> {
  checkPredicate(options);
  const key = await signingKey(engine, keyId);
  return attestResolved(engine, text, await resolveImage(engine, text), key, options);
}

/** Attests to an image already located by digest (see `imageAt`), as `attestImage` does. */
export async function attestImageAt(
  engine: Engine,
  image: ResolvedImage,
  keyId: string,
  options: AttestOptions & { audit?: AuditDetails },
): Promise<AttestResult> {
  checkPredicate(options);
  const key = await signingKey(engine, keyId);
  return attestResolved(engine, imageText(image), image, key, options, options.audit);
}

async function attestResolved(
  engine: Engine,
  text: string,
  image: ResolvedImage,
  key: SigningKey,
  options: AttestOptions,
  audit: AuditDetails = {},
): Promise<AttestResult> {
  let wanted: string;
  try {
    wanted = canonicalJson(options.predicate);
  } catch (cause) {
    throw new ConsignError('BAD_INPUT', `The predicate cannot be signed: ${messageOf(cause)}`, {
      cause,
    });
  }
  const written = await attestWith(
    image,
    key,
    options.predicateType,
    options.predicate,
    (statement) => {
      try {
        return canonicalJson(statement.predicate) === wanted;
      } catch {
        return false;
      }
    },
  );
  if (written.created) {
    engine.requireStore().audit.append({
      action: 'image.attested',
      subject: text,
      details: {
        ref: text,
        digest: image.digest,
        keyId: key.id,
        fingerprint: key.fingerprint,
        predicateType: options.predicateType,
        attestation: written.ref,
        ...audit,
      },
    });
  }
  return { digest: image.digest, ...written };
}

/**
 * The attestations on a registry image that verify with the key (of `predicateType` when
 * given), with every bundle looked at and why it did not count where it did not.
 */
export async function verifyAttestations(
  engine: Engine,
  text: string,
  key: VerifyKey,
  predicateType?: string,
): Promise<AttestationsResult> {
  const checking = await publicKeyFrom(engine, key);
  const image = await resolveImage(engine, text);
  const signatures: SignatureReport[] = [];
  const attestations: VerifiedAttestation[] = [];
  for (const found of await imageBundles(image, predicateType)) {
    const judged = judgeBundle(found, checking.key, image.digest, predicateType);
    signatures.push({
      format: 'bundle',
      ref: found.ref,
      ...bundleFacts(found),
      ...(judged.mine ? { keyFingerprint: checking.fingerprint } : {}),
      valid: judged.valid,
      ...(judged.reason ? { reason: judged.reason } : {}),
    });
    if (judged.valid && judged.statement) {
      attestations.push({
        ref: found.ref,
        predicateType: judged.statement.predicateType,
        statement: judged.statement,
      });
    }
  }
  const what = predicateType ? `attestations of type ${predicateType}` : 'attestations';
  const reason =
    signatures.length === 0
      ? `${image.digest} has no ${what} in ${image.registry.host}/${image.repository}.`
      : checking.revoked
        ? `The key ${checking.id ?? checking.fingerprint} is revoked: its attestations no longer count.`
        : attestations.length === 0
          ? `None of the ${signatures.length} ${what} on ${image.digest} verifies with key ${checking.fingerprint}.`
          : undefined;
  const verified = attestations.length > 0 && !checking.revoked;
  recordVerification(engine, 'image.attestations-verified', {
    ref: text,
    digest: image.digest,
    fingerprint: checking.fingerprint,
    ...(predicateType ? { predicateType } : {}),
    verified,
    attestations: attestations.length,
  });
  return {
    verified,
    digest: image.digest,
    key: keyReport(checking),
    attestations: verified ? attestations : [],
    signatures,
    ...(reason ? { reason } : {}),
  };
}
