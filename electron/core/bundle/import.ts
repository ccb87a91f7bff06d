/**
 * `bundle import`: a bundle unpacked into the workspace (kept there, so the delivery can be
 * resumed), checked from end to end before anything is pushed (its signature by a trusted key,
 * every blob against its name, every manifest's blobs, every image's digest), then delivered to
 * the chosen customers as a prepared release: copied with the signatures and attestations the
 * bundle holds, verified in each customer's registry and recorded.
 */
import { createPublicKey, randomUUID, type KeyObject } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { deliverPrepared, type Delivery, type PreparedRelease } from '../delivery';
import type { Engine } from '../engine';
import { ConsignError } from '../errors';
import { readSmallTextFile } from '../files';
import { fingerprintOf } from '../keys';
import { blobsOf, type Descriptor, type Digest } from '../oci';
import { OciLayoutRegistry } from '../sources';
import { checkBlobFile, extractBundle } from './archive';
import {
  DOCUMENT_FILE,
  ENVELOPE_FILE,
  MAX_DOCUMENT_BYTES,
  openDocument,
  readClaims,
  type BundleDocument,
} from './document';
import { runAsTask } from '../tasks';
import { bundleSteps, type BundleRunOptions } from './progress';

export interface BundleImportRequest {
  path: string;
  customers: string[];
  /** A PEM public key to trust when the bundle's key is not one of this workspace's keys. */
  publicKeyFile?: string;
}

const altered = (what: string) =>
  new ConsignError('BAD_INPUT', `The bundle is damaged or was altered: ${what}.`, {
    remedy: 'Do not deliver this bundle; get it again from whoever made it.',
  });

/** Unpacks the bundle into `<workspace>/bundles/<sha256 of the file>`; an earlier copy is reused. */
async function unpack(
  workspace: string,
  file: string,
  signal: AbortSignal | undefined,
): Promise<{ dir: string; digest: Digest; reused: boolean }> {
  const root = join(workspace, 'bundles');
  await mkdir(root, { recursive: true });
  const temporary = join(root, `.import-${randomUUID()}`);
  let hex: string;
  try {
    hex = await extractBundle(createReadStream(file), temporary, undefined, signal);
  } catch (error) {
    await rm(temporary, { recursive: true, force: true });
    throw error;
  }
  const dir = join(root, hex);
  if (await stat(dir).catch(() => undefined)) {
    // Unpacked by an earlier import of the same file: its blobs are checked again below.
    await rm(temporary, { recursive: true, force: true });
    return { dir, digest: `sha256:${hex}`, reused: true };
  }
  try {
    await rename(temporary, dir);
  } catch (error) {
    // Another import of the same file got there first: use its copy, checked below.
    await rm(temporary, { recursive: true, force: true });
    if (!(await stat(dir).catch(() => undefined))) throw error;
    return { dir, digest: `sha256:${hex}`, reused: true };
  }
  return { dir, digest: `sha256:${hex}`, reused: false };
}

/**
 * The key that may vouch for the bundle: a workspace key with the bundle's fingerprint (refused
 * when revoked), or the key in `publicKeyFile`. Anything else is refused (CHECK_FAILED).
 */
async function trustedKey(
  engine: Engine,
  document: BundleDocument,
  publicKeyFile: string | undefined,
): Promise<KeyObject> {
  const fingerprint = document.key.fingerprint;
  const own = engine
    .requireStore()
    .keys.list()
    .find((k) => k.fingerprint === fingerprint);
  if (own?.state === 'revoked') {
    throw new ConsignError(
      'CHECK_FAILED',
      `The bundle is signed by the key "${own.name}" (${fingerprint}), which is revoked in this workspace.`,
      { remedy: 'Do not deliver it; ask for a bundle signed with an active key.' },
    );
  }
  if (own) return createPublicKey(own.publicKey);
  if (publicKeyFile) {
    const { path, text } = await readSmallTextFile(
      publicKeyFile,
      'The public key file',
      64 * 1024,
      'Give a PEM public key such as cosign.pub.',
    );
    let key: KeyObject;
    try {
      key = createPublicKey(text);
    } catch (cause) {
      throw new ConsignError('BAD_INPUT', `${path} is not a PEM public key.`, {
        remedy: 'Give a "PUBLIC KEY" PEM file, such as `consign keys export-public` writes.',
        cause,
      });
    }
    if (fingerprintOf(key) !== fingerprint) {
      throw new ConsignError(
        'CHECK_FAILED',
        `The bundle is signed by the key ${fingerprint}, not by the key in ${path} (${fingerprintOf(key)}).`,
        { remedy: 'Give the public key of whoever made the bundle, or do not deliver it.' },
      );
    }
    return key;
  }
  throw new ConsignError(
    'CHECK_FAILED',
    `The bundle is signed by the key ${fingerprint}, which this workspace does not know.`,
    {
      remedy:
        'Give the signer’s public key (--public-key FILE, from `consign keys export-public`) after checking its fingerprint with them.',
    },
  );
}

/**
 * Checks the unpacked layout against itself and the signed document: blobs hash to their names
 * (again, for a reused folder), every manifest reachable from index.json is there with every blob
 * it names at its stated size, and each image of the document is tagged with its digest.
 */
async function checkLayout(
  dir: string,
  document: BundleDocument,
  recheckBlobs: boolean,
  signal: AbortSignal | undefined,
): Promise<void> {
  const blobDir = join(dir, 'blobs', 'sha256');
  if (recheckBlobs) {
    for (const name of await readdir(blobDir)) {
      signal?.throwIfAborted();
      if (!(await checkBlobFile(join(blobDir, name), name))) {
        throw altered(`the blob sha256:${name} does not hash to its name`);
      }
    }
  }
  const layout = await OciLayoutRegistry.open(dir);
  const sizeOf = async (digest: Digest) => layout.hasBlob('', digest);
  const checkBlob = async (descriptor: Descriptor, owner: string) => {
    const size = await sizeOf(descriptor.digest);
    if (size === null)
      throw altered(`${owner} names the blob ${descriptor.digest}, which is missing`);
    if (size !== descriptor.size) {
      throw altered(
        `${owner} says ${descriptor.digest} is ${descriptor.size} bytes, but it is ${size}`,
      );
    }
  };
  const seen = new Set<Digest>();
  const visit = async (descriptor: Descriptor, owner: string, depth: number): Promise<void> => {
    if (seen.has(descriptor.digest)) return;
    seen.add(descriptor.digest);
    await checkBlob(descriptor, owner);
    if (depth > 4) return;
    const manifest = await layout.getManifest('', descriptor.digest);
    const self = `the manifest ${descriptor.digest}`;
    if (manifest.kind === 'index') {
      for (const child of manifest.index.manifests) await visit(child, self, depth + 1);
    } else {
      for (const blob of blobsOf(manifest.manifest)) await checkBlob(blob, self);
    }
  };
  for (const entry of await layout.entries()) await visit(entry, 'index.json', 0);
  for (const image of document.images) {
    const head = await layout.headManifest(image.name, image.tag);
    if (!head) throw altered(`it has no ${image.name}:${image.tag}, which its description lists`);
    if (head.digest !== image.digest) {
      throw altered(
        `${image.name}:${image.tag} is ${head.digest} in the layout, but the signed description says ${image.digest}`,
      );
    }
  }
}

export interface VerifiedBundle {
  dir: string;
  /** sha256 of the bundle file. */
  digest: Digest;
  document: BundleDocument;
}

/** Unpacks and checks a bundle; nothing is pushed. */
export async function openBundle(
  engine: Engine,
  request: Pick<BundleImportRequest, 'path' | 'publicKeyFile'>,
  options: BundleRunOptions = {},
): Promise<VerifiedBundle> {
  const store = engine.requireStore();
  const file = resolve(request.path);
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) {
    throw new ConsignError('BAD_INPUT', `${file} is not a file.`, {
      remedy: 'Give the path of a bundle written by `consign bundle export`.',
    });
  }
  const steps = bundleSteps(engine, options.taskId);
  steps.report('Unpacking the bundle', 0, 3);
  const { dir, digest, reused } = await unpack(store.workspace.path, file, options.signal);
  try {
    steps.report('Checking the signature', 1, 3);
    const claims = readClaims(await readFile(join(dir, ENVELOPE_FILE)));
    const key = await trustedKey(engine, claims.document, request.publicKeyFile);
    const payload = openDocument(claims.envelope, key);
    const plainFile = await readFile(join(dir, DOCUMENT_FILE));
    if (plainFile.length > MAX_DOCUMENT_BYTES || !plainFile.equals(payload)) {
      throw altered(`${DOCUMENT_FILE} differs from what the signature covers`);
    }
    steps.report('Checking every digest', 2, 3);
    await checkLayout(dir, claims.document, reused, options.signal);
    return { dir, digest, document: claims.document };
  } catch (error) {
    // A bundle refused on its first import leaves nothing behind; an earlier import's stays.
    if (!reused) await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/** The verified bundle as a release the delivery engine pushes without signing anything. */
export function preparedRelease(bundle: VerifiedBundle): PreparedRelease {
  const { document, dir } = bundle;
  return {
    release: `${document.release.name}@${document.release.version}`,
    keyFingerprint: document.key.fingerprint,
    publicKeyPem: document.key.publicKey,
    bundleDir: dir,
    images: document.images.map((image) => ({
      source: `oci:${dir}:${image.refName}`,
      name: image.name,
      tag: image.tag,
      digest: image.digest,
      ...(image.scan ? { scan: image.scan } : {}),
      ...(image.verdict ? { verdict: image.verdict } : {}),
      reasons: [],
      warnings: [],
    })),
    inventory: document.images.map((image) => image.inventory),
  };
}

export async function importBundle(
  engine: Engine,
  request: BundleImportRequest,
  options: BundleRunOptions = {},
): Promise<Delivery> {
  if (request.customers.length === 0) {
    throw new ConsignError('BAD_REQUEST', 'Name at least one customer to deliver the bundle to.', {
      remedy: 'Add --customer NAME (see `consign customers list`).',
    });
  }
  // The check is this task; the delivery then runs as the same task id on its own.
  const bundle = await runAsTask(engine, options, 'bundle check', (signal) =>
    openBundle(engine, request, {
      ...(options.taskId ? { taskId: options.taskId } : {}),
      ...(signal ? { signal } : {}),
    }),
  );
  const prepared = preparedRelease(bundle);
  engine.requireStore().audit.append({
    action: 'bundle.imported',
    subject: prepared.release,
    details: {
      release: prepared.release,
      file: resolve(request.path),
      digest: bundle.digest,
      bundle: bundle.document.id,
      fingerprint: prepared.keyFingerprint,
      customers: request.customers,
      images: prepared.images.map((i) => ({ name: i.name, tag: i.tag, digest: i.digest })),
    },
  });
  return deliverPrepared(engine, prepared, request.customers, {
    ...(options.taskId ? { taskId: options.taskId } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
}
