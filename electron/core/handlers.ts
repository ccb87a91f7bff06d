import { randomUUID } from 'node:crypto';
import type {
  AppInfo,
  ImageSignature,
  ImageSignatures,
  SignatureReport,
  SignResult,
  VerifyResult,
} from '../../shared/contract';
import { auditFilter, exportAudit } from './audit';
import { exportBundle, importBundle } from './bundle';
import { writeVerificationKit } from './customers/kit';
import {
  getDelivery,
  listDeliveries,
  planDelivery,
  resumeDelivery,
  saveDeliveryRecords,
  startDelivery,
  traceDeliveries,
} from './delivery';
import type { Engine } from './engine';
import { copyImages, copyProgressEvents, inspectImage } from './images';
import { listRegistries, loginRegistry, removeRegistry, testRegistry } from './registries';
import { createDispatcher, type Dispatch, type Handlers } from './rpc/dispatch';
import * as signing from './signing';
import { systemStatus } from './system';
import { attestScan, exportScanReport } from './scan';
import { tasksOf } from './tasks';
import { APP_VERSION } from './version';
import {
  importVulnerabilityData,
  scanImageView,
  vulnerabilityDataStatus,
  vulnerabilityRecord,
} from './vulnerabilities';

export function appInfo(engine: Engine): AppInfo {
  return {
    name: 'Consign',
    version: APP_VERSION,
    host: engine.host,
    platform: `${process.platform}-${process.arch}`,
    engineNode: process.versions.node,
  };
}

/**
 * The signing module's answers, copied field by field into the contract's shapes: the interface
 * gets exactly what the contract names (fingerprints, ids, names; never key material), and a
 * field the engine adds later cannot break the strict response check.
 */
function signResult(result: signing.SignResult): SignResult {
  return {
    digest: result.digest,
    signatures: result.signatures.map(({ format, ref, created }) => ({ format, ref, created })),
  };
}

function imageSignature(found: signing.ImageSignature): ImageSignature {
  return {
    format: found.format,
    ref: found.ref,
    keyFingerprint: found.keyFingerprint,
    keyId: found.keyId,
    keyName: found.keyName,
    keyState: found.keyState,
    valid: found.valid,
    reason: found.reason,
    signedDigest: found.signedDigest,
    predicateType: found.predicateType,
  };
}

function signatureReport(report: signing.SignatureReport): SignatureReport {
  return {
    format: report.format,
    keyFingerprint: report.keyFingerprint,
    valid: report.valid,
    reason: report.reason,
    payloadDigest: report.payloadDigest,
    signedDigest: report.signedDigest,
    dockerReference: report.dockerReference,
  };
}

function verifyResult(result: signing.VerifyResult): VerifyResult {
  return {
    verified: result.verified,
    digest: result.digest,
    key: {
      fingerprint: result.key.fingerprint,
      id: result.key.id,
      revoked: result.key.revoked,
    },
    signatures: result.signatures.map(signatureReport),
    reason: result.reason,
  };
}

/** The engine side of every contract channel. */
export function engineHandlers(engine: Engine): Handlers {
  return {
    'app.info': () => appInfo(engine),
    'system.status': () => systemStatus(engine),
    'images.list': (request) => engine.docker.listImages({ all: request.all ?? false }),
    'audit.verify': () => engine.requireStore().audit.verifyAndCheckpoint(),
    'images.inspect': (request) => inspectImage(engine, request.ref),
    'images.copy': (request) =>
      copyImages(engine, request.source, request.destinations, {
        overwrite: request.overwrite ?? false,
        onProgress: copyProgressEvents(engine, request.taskId ?? randomUUID()),
      }),
    'images.sign': async (request) =>
      signResult(
        await signing.signImage(engine, request.ref, request.keyId, { formats: request.formats }),
      ),
    'images.signatures': async (request): Promise<ImageSignatures> => {
      const found = await signing.imageSignatures(engine, request.ref);
      return { digest: found.digest, signatures: found.signatures.map(imageSignature) };
    },
    'images.verify': async (request) =>
      verifyResult(await signing.verifyImage(engine, request.ref, { keyId: request.keyId })),
    'registries.list': () => listRegistries(engine),
    'registries.login': (request) => loginRegistry(engine, request),
    'registries.test': (request) => testRegistry(engine, request.host),
    'registries.remove': (request) => removeRegistry(engine, request.host),
    'keys.list': () => engine.requireStore().keys.list(),
    'keys.generate': (request) => engine.requireStore().keys.generate(request.name),
    'keys.import': (request) =>
      engine.requireStore().keys.import(request.name, request.path, request.passphrase),
    'keys.exportPublic': (request) => ({
      pem: engine.requireStore().keys.exportPublic(request.id),
    }),
    'keys.export': (request) =>
      engine.requireStore().keys.export(request.id, request.path, request.passphrase),
    'keys.revoke': (request) => engine.requireStore().keys.revoke(request.id, request.reason),
    'vulndb.status': () => vulnerabilityDataStatus(engine),
    'vulndb.import': (request) =>
      importVulnerabilityData(engine, request.path, request.taskId ?? randomUUID()),
    'vulndb.record': (request) => vulnerabilityRecord(engine, request.id),
    // Layers are streamed; the engine host keeps serving other requests while a scan runs.
    'images.scan': (request) =>
      scanImageView(engine, request.ref, request.platform, {
        ...(request.taskId ? { taskId: request.taskId } : {}),
      }),
    'images.scanExport': (request) =>
      exportScanReport(engine, request.ref, request.format, request.path, {
        ...(request.platform ? { platform: request.platform } : {}),
      }),
    'images.attestScan': async (request) => {
      const { digest, attestations } = await attestScan(engine, request.ref, request.keyId, {
        ...(request.platform ? { platform: request.platform } : {}),
      });
      // Copied field by field, so an engine field added later cannot break the response check.
      return {
        digest,
        attestations: attestations.map(({ predicateType, ref, created }) => ({
          predicateType,
          ref,
          created,
        })),
      };
    },
    'tasks.cancel': (request) => ({ cancelled: tasksOf(engine).cancel(request.taskId) }),
    'deliveries.plan': ({ taskId, ...request }) =>
      planDelivery(engine, request, taskId ? { taskId } : {}),
    'deliveries.start': ({ taskId, ...request }) =>
      startDelivery(engine, request, taskId ? { taskId } : {}),
    'deliveries.resume': ({ id, taskId, customers }) =>
      resumeDelivery(engine, id, {
        ...(taskId ? { taskId } : {}),
        ...(customers ? { customers } : {}),
      }),
    'deliveries.list': (request) => listDeliveries(engine, request.limit),
    'deliveries.get': (request) => getDelivery(engine, request.id),
    'deliveries.saveRecords': (request) => saveDeliveryRecords(engine, request.id, request.dir),
    'bundles.export': async ({ taskId, ...request }) => {
      const { out, digest, images } = await exportBundle(engine, request, taskId ? { taskId } : {});
      return { out, digest, images };
    },
    'bundles.import': ({ taskId, ...request }) =>
      importBundle(engine, request, taskId ? { taskId } : {}),
    'trace.query': (request) => traceDeliveries(engine, request.query),
    'customers.list': () => engine.requireStore().customers.list(),
    'customers.get': (request) => engine.requireStore().customers.get(request.name),
    'customers.save': (request) => engine.requireStore().customers.save(request),
    'customers.remove': async (request) => ({
      removed: await engine.requireStore().customers.remove(request.name),
    }),
    'customers.test': (request) => engine.requireStore().customers.test(request.name),
    'customers.kit': (request) => writeVerificationKit(engine, request.name, request.dir),
    'audit.list': (request) => {
      const { offset = 0, limit = 500, ...query } = request;
      const { audit } = engine.requireStore();
      const filter = auditFilter(query);
      // Copied field by field: the strict response must not see anything the log adds later.
      const events = audit.list({ ...filter, offset, limit }).map((event) => ({
        seq: event.seq,
        at: event.at,
        actor: { user: event.actor.user, host: event.actor.host, app: event.actor.app },
        action: event.action,
        subject: event.subject,
        details: event.details,
        hash: event.hash,
      }));
      return { total: audit.count(filter), events };
    },
    'audit.export': (request) =>
      exportAudit(engine.requireStore().audit, {
        path: request.path,
        format: request.format,
        filter: auditFilter(request.query),
      }).then(({ out, events, format }) => ({ out, events, format })),
  };
}

export function engineDispatcher(
  engine: Engine,
  onUnexpected?: (channel: string, error: unknown) => void,
): Dispatch {
  return createDispatcher(engineHandlers(engine), onUnexpected);
}
