/**
 * `bundle export`: a release judged, copied into an OCI image layout, signed and attested there,
 * described in a signed `consign-bundle.json`, and written as one tar to a new file. No network
 * is needed beyond reading the sources, and no secret goes in: only the public key.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  assessRelease,
  DELIVERY_RECORD_PREDICATE_TYPE,
  type DeliveryRecord,
  type ReleaseAssessment,
} from '../delivery';
import type { Engine } from '../engine';
import { ConsignError } from '../errors';
import { openNewFile } from '../files';
import { copyProgressEvents, openImage } from '../images';
import type { Digest } from '../oci';
import { scanImage, scanPredicates } from '../scan';
import { attestImageAt, imageAt, signImageAt } from '../signing';
import { layoutRefName, OciLayoutRegistry } from '../sources';
import { copyImage } from '../transfer';
import { APP_VERSION } from '../version';
import { packBundle } from './archive';
import {
  BUNDLE_FORMAT,
  DOCUMENT_FILE,
  ENVELOPE_FILE,
  signDocument,
  type BundleDocument,
  type BundleImage,
} from './document';
import { runAsTask } from '../tasks';
import { bundleSteps, type BundleRunOptions } from './progress';

export interface BundleExportRequest {
  /** `NAME@VERSION`. */
  release: string;
  images: string[];
  keyId: string;
  /** A policy file; the default gate applies without one. */
  policy?: string;
  /** The new file to write (never replaced). */
  path: string;
}

export interface BundleExportResult {
  out: string;
  /** sha256 of the tar file. */
  digest: Digest;
  images: number;
}

/** Why a blocked gate blocked, image by image, for the error message. */
function blockedReasons(assessment: ReleaseAssessment): string {
  return assessment.images
    .filter((image) => image.verdict === 'block')
    .map((image) => {
      const reasons = image.reasons.map(
        (r) => `${r.id}${r.package ? ` (${r.package})` : ''}: ${r.why}`,
      );
      return `${image.name}:${image.tag}: ${reasons.join('; ') || 'blocked'}`;
    })
    .join('\n');
}

/** Plain JSON (no undefined fields), as predicates and audit details must be. */
function plain<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/**
 * Writes a signed bundle of the release to a new file. A blocked gate is CHECK_FAILED with its
 * reasons, and nothing is written.
 */
export function exportBundle(
  engine: Engine,
  request: BundleExportRequest,
  options: BundleRunOptions = {},
): Promise<BundleExportResult> {
  return runAsTask(engine, options, 'bundle export', (signal) =>
    writeBundle(engine, request, options.taskId, signal),
  );
}

async function writeBundle(
  engine: Engine,
  request: BundleExportRequest,
  taskId: string | undefined,
  signal: AbortSignal | undefined,
): Promise<BundleExportResult> {
  const store = engine.requireStore();
  const key = store.keys.get(request.keyId);
  if (key.state === 'revoked') {
    throw new ConsignError(
      'CHECK_FAILED',
      `The key ${key.id} ("${key.name}") is revoked and cannot sign a bundle.`,
      { remedy: 'Use an active key (see the Keys page or `consign keys list`).' },
    );
  }
  const out = resolve(request.path);
  if (await stat(out).catch(() => undefined)) {
    throw new ConsignError('BAD_INPUT', `${out} already exists; it is not overwritten.`, {
      remedy: 'Choose a new file name.',
    });
  }
  const steps = bundleSteps(engine, taskId);

  steps.report('Checking the release', 0, 1);
  const assessment = await assessRelease(
    engine,
    {
      release: request.release,
      images: request.images,
      ...(request.policy ? { policy: request.policy } : {}),
    },
    { ...(taskId ? { taskId } : {}), ...(signal ? { signal } : {}) },
  );
  if (assessment.gate === 'block') {
    throw new ConsignError(
      'CHECK_FAILED',
      `The policy blocks ${assessment.release}, so no bundle was written:\n${blockedReasons(assessment)}`,
      {
        remedy:
          'Fix the findings, or allow them in the policy with a justification, and export again.',
      },
    );
  }

  const id = randomUUID();
  const work = join(store.workspace.path, 'bundles', `.export-${id}`);
  await mkdir(work, { recursive: true });
  try {
    const layout = await OciLayoutRegistry.open(work, { create: true });
    const createdAt = new Date();
    const audit = { release: assessment.release, bundle: id };
    const images: BundleImage[] = [];
    for (const [index, image] of assessment.images.entries()) {
      signal?.throwIfAborted();
      steps.report(`Copying ${image.name}:${image.tag}`, index, assessment.images.length);
      const source = await openImage(engine, image.source);
      try {
        const copied = await copyImage(
          source,
          [
            {
              ref: `${image.name}:${image.tag}`,
              registry: layout,
              repository: image.name,
              tag: image.tag,
            },
          ],
          {
            ...(taskId ? { onProgress: copyProgressEvents(engine, taskId, () => 'bundle') } : {}),
            ...(signal ? { signal } : {}),
          },
        );
        const result = copied.destinations[0]!;
        if (result.status === 'failed' || result.status === 'conflict') {
          throw new ConsignError(
            result.error?.code === 'CHECK_FAILED' ? 'CHECK_FAILED' : 'INTERNAL',
            `${image.source} could not be copied into the bundle: ${result.error?.message ?? result.status}`,
            result.error?.remedy ? { remedy: result.error.remedy } : {},
          );
        }
        // A registry image is what was scanned only if its digest has not moved since.
        if (image.source.startsWith('docker://') && copied.digest !== image.digest) {
          throw new ConsignError(
            'CHECK_FAILED',
            `${image.source} is ${copied.digest} now, but ${image.digest} was scanned and judged.`,
            { remedy: 'Export again; pin the image by digest (@sha256:…) to avoid this.' },
          );
        }
      } finally {
        await source.image.close();
      }
      const head = await layout.headManifest(image.name, image.tag);
      if (!head)
        throw new ConsignError(
          'INTERNAL',
          `${image.name}:${image.tag} is missing from the bundle.`,
        );
      steps.report(`Signing ${image.name}:${image.tag}`, index, assessment.images.length);
      const located = imageAt(layout, image.name, head);
      await signImageAt(engine, located, request.keyId, { audit });
      const scan = await scanImage(engine, image.source, signal ? { signal } : {});
      for (const [predicateType, predicate] of await scanPredicates(scan, head.digest)) {
        await attestImageAt(engine, located, request.keyId, { predicateType, predicate, audit });
      }
      images.push({
        name: image.name,
        tag: image.tag,
        refName: layoutRefName(image.name, image.tag),
        digest: head.digest,
        mediaType: head.mediaType,
        size: head.size,
        source: image.source,
        ...(image.scan ? { scan: image.scan } : {}),
        ...(image.verdict ? { verdict: image.verdict } : {}),
        inventory: assessment.inventory[index] ?? { purls: [], vulnerabilities: [] },
      });
    }

    // The release record, the same for every image: made before anyone knows the customer.
    const record: DeliveryRecord = plain({
      delivery: id,
      release: { name: assessment.product, version: assessment.version },
      images: images.map((i) => ({
        name: i.name,
        tag: i.tag,
        digest: i.digest,
        ...(i.scan ? { scan: i.scan } : {}),
        ...(i.verdict ? { verdict: i.verdict } : {}),
      })),
      policy: {
        ...(assessment.policyName ? { name: assessment.policyName } : {}),
        verdict: assessment.gate,
      },
      signer: { keyFingerprint: key.fingerprint },
      time: createdAt.toISOString(),
      producer: `consign/${APP_VERSION}`,
    });
    for (const image of images) {
      const located = imageAt(layout, image.name, image);
      await attestImageAt(engine, located, request.keyId, {
        predicateType: DELIVERY_RECORD_PREDICATE_TYPE,
        predicate: record,
        audit,
      });
    }

    const document: BundleDocument = plain({
      format: BUNDLE_FORMAT,
      id,
      release: { name: assessment.product, version: assessment.version },
      policy: record.policy,
      images,
      key: { fingerprint: key.fingerprint, publicKey: key.publicKey },
      createdAt: createdAt.toISOString(),
      producer: `consign/${APP_VERSION}`,
    });
    const signed = signDocument(document, await store.keys.privateKey(request.keyId));
    await writeFile(join(work, DOCUMENT_FILE), signed.bytes);
    await writeFile(join(work, ENVELOPE_FILE), `${JSON.stringify(signed.envelope, null, 2)}\n`);

    steps.report('Writing the bundle', images.length, images.length);
    const { path, handle } = await openNewFile(out);
    let hex: string;
    try {
      hex = await packBundle(work, handle, createdAt, signal);
    } catch (error) {
      await handle.close().catch(() => undefined);
      await rm(path, { force: true });
      throw error;
    }
    const digest = `sha256:${hex}` as Digest;
    store.audit.append({
      action: 'bundle.exported',
      subject: assessment.release,
      details: {
        release: assessment.release,
        out: path,
        digest,
        bundle: id,
        fingerprint: key.fingerprint,
        keyId: key.id,
        images: images.map((i) => ({ name: i.name, tag: i.tag, digest: i.digest })),
      },
    });
    steps.done('Bundle written');
    return { out: path, digest, images: images.length };
  } catch (error) {
    steps.failed(error);
    throw error;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
