/**
 * The scanner and the offline vulnerability data as the app's contract shows them: the engine's
 * answers copied field by field into the contract's shapes (so a field the engine adds later
 * cannot break the strict response check), import progress as engine events, and stored OSV
 * records read back for showing offline.
 */
import type {
  ScanResult as ScanView,
  VulnDbImportResult,
  VulnDbStatus as StatusView,
  VulnRecord,
} from '../../shared/contract';
import type { Engine } from './engine';
import { ConsignError } from './errors';
import { scanImage, type ScanProgress, type ScanResult } from './scan';
import { runAsTask, TaskCancelledError } from './tasks';
import {
  importVulnData,
  parseOsvRecord,
  VulnDatabase,
  vulnDataStatus,
  type ImportResult,
  type VulnDbStatus,
} from './vulndb';

/** Progress events of one import: at most ten a second, but always the last one. */
const PROGRESS_INTERVAL_MS = 100;

function statusView(status: VulnDbStatus): StatusView {
  return {
    records: status.records,
    ecosystems: status.ecosystems.map(({ name, records }) => ({ name, records })),
    ...(status.builtAt ? { builtAt: status.builtAt } : {}),
    ...(status.dataAsOf ? { dataAsOf: status.dataAsOf } : {}),
    ...(status.ageDays !== undefined ? { ageDays: status.ageDays } : {}),
    stale: status.stale,
    ...(status.warning ? { warning: status.warning } : {}),
    blocklist: status.blocklist,
  };
}

function importView(result: ImportResult): VulnDbImportResult {
  return {
    source: result.source,
    kind: result.kind,
    imported: result.imported,
    updated: result.updated,
    unchanged: result.unchanged,
    skipped: result.skipped,
    skippedReasons: result.skippedReasons.map(({ entry, reason }) => ({ entry, reason })),
    ecosystems: [...result.ecosystems],
  };
}

function scanView(result: ScanResult): ScanView {
  const { image, summary, database } = result;
  const os = image.os;
  return {
    image: {
      ref: image.ref,
      digest: image.digest,
      manifest: image.manifest,
      ...(image.platform ? { platform: image.platform } : {}),
      ...(os
        ? {
            os: {
              id: os.id,
              ...(os.versionId ? { versionId: os.versionId } : {}),
              ...(os.prettyName ? { prettyName: os.prettyName } : {}),
              ...(os.codename ? { codename: os.codename } : {}),
              ...(os.ecosystem ? { ecosystem: os.ecosystem } : {}),
            },
          }
        : {}),
      layers: image.layers,
    },
    packages: result.packages.map((p) => ({
      type: p.type,
      name: p.name,
      version: p.version,
      purl: p.purl,
      ...(p.source ? { source: { name: p.source.name, version: p.source.version } } : {}),
      ...(p.path ? { path: p.path } : {}),
    })),
    vulnerabilities: result.vulnerabilities.map((v) => ({
      id: v.id,
      aliases: [...v.aliases],
      package: v.package,
      purl: v.purl,
      installedVersion: v.installedVersion,
      ...(v.fixedVersion ? { fixedVersion: v.fixedVersion } : {}),
      severity: v.severity,
      ...(v.score !== undefined ? { score: v.score } : {}),
      ...(v.vector ? { vector: v.vector } : {}),
      ...(v.summary ? { summary: v.summary } : {}),
    })),
    baseline: result.baseline.map((b) => ({
      id: b.id,
      severity: b.severity,
      title: b.title,
      remedy: b.remedy,
      ...(b.cis ? { cis: b.cis } : {}),
      details: [...b.details],
    })),
    secrets: result.secrets.map(({ rule, title, path, line }) => ({ rule, title, path, line })),
    malware: result.malware.map(({ rule, title, path, sha256 }) => ({ rule, title, path, sha256 })),
    skipped: (result.skipped ?? []).map(({ path, reason }) => ({ path, reason })),
    summary: {
      packages: summary.packages,
      vulnerabilities: { ...summary.vulnerabilities },
    },
    database: {
      records: database.records,
      ...(database.dataAsOf ? { dataAsOf: database.dataAsOf } : {}),
      stale: database.stale,
      ...(database.warning ? { warning: database.warning } : {}),
    },
    cached: result.cached ?? false,
    scannedAt: result.scannedAt ?? new Date().toISOString(),
  };
}

export function vulnerabilityDataStatus(engine: Engine): StatusView {
  return statusView(vulnDataStatus(engine));
}

/** Imports OSV data, reporting entries read as `progress` events of `taskId`. */
export async function importVulnerabilityData(
  engine: Engine,
  path: string,
  taskId: string,
): Promise<VulnDbImportResult> {
  const label = 'Importing vulnerability data';
  let last = 0;
  let latest = { done: 0, total: undefined as number | undefined };
  const emit = (state: 'running' | 'done' | 'failed') =>
    engine.events.emit('progress', {
      taskId,
      label,
      state,
      done: latest.done,
      ...(latest.total !== undefined ? { total: latest.total } : {}),
      unit: 'items',
    });
  try {
    const result = await importVulnData(engine, path, {
      onProgress(progress) {
        latest = { done: progress.done, total: progress.total };
        const now = Date.now();
        if (now - last < PROGRESS_INTERVAL_MS) return;
        last = now;
        emit('running');
      },
    });
    emit('done');
    return importView(result);
  } catch (error) {
    emit('failed');
    throw error;
  }
}

export interface ScanViewOptions {
  /** Reports each layer as `progress` events of this task, and lets `tasks.cancel` stop it. */
  taskId?: string;
  signal?: AbortSignal;
  onProgress?: (progress: ScanProgress) => void;
}

/**
 * Progress events of one scan: a layer's bytes at most ten times a second, but every state
 * change; when the scan stops early, every unfinished layer ends `cancelled` or `failed`.
 */
export function scanProgressEvents(engine: Engine, taskId: string) {
  const layers = new Map<string, Extract<ScanProgress, { kind: 'layer' }>>();
  const sent = new Map<string, number>();
  const emit = (
    layer: Extract<ScanProgress, { kind: 'layer' }>,
    state: 'queued' | 'running' | 'done' | 'failed' | 'cancelled',
  ) =>
    engine.events.emit('progress', {
      taskId,
      label: `Layer ${layer.index + 1} of ${layer.count}`,
      state,
      done: layer.done,
      total: layer.size,
      unit: 'bytes',
      item: layer.digest,
    });
  return {
    update(progress: ScanProgress) {
      if (progress.kind === 'cached') {
        engine.events.emit('progress', {
          taskId,
          label: 'From the scan cache',
          state: 'done',
          done: progress.layers,
          total: progress.layers,
          unit: 'items',
          message: 'cached',
        });
        return;
      }
      const previous = layers.get(progress.digest);
      layers.set(progress.digest, progress);
      const now = Date.now();
      const changed = previous?.state !== progress.state;
      if (!changed && now - (sent.get(progress.digest) ?? 0) < PROGRESS_INTERVAL_MS) return;
      sent.set(progress.digest, now);
      emit(progress, progress.state);
    },
    stopped(state: 'failed' | 'cancelled') {
      for (const layer of layers.values()) if (layer.state !== 'done') emit(layer, state);
    },
  };
}

export async function scanImageView(
  engine: Engine,
  ref: string,
  platform: string | undefined,
  options: ScanViewOptions = {},
): Promise<ScanView> {
  const scan = (signal: AbortSignal | undefined, onProgress?: (p: ScanProgress) => void) =>
    scanImage(engine, ref, {
      ...(platform ? { platform } : {}),
      ...(signal ? { signal } : {}),
      ...(onProgress ? { onProgress } : {}),
    });
  const { taskId } = options;
  if (!taskId) return scanView(await scan(options.signal, options.onProgress));
  const task = { taskId, ...(options.signal ? { signal: options.signal } : {}) };
  return runAsTask(engine, task, 'scan', async (signal) => {
    const events = scanProgressEvents(engine, taskId);
    try {
      return scanView(
        await scan(signal, (progress) => {
          events.update(progress);
          options.onProgress?.(progress);
        }),
      );
    } catch (error) {
      events.stopped(error instanceof TaskCancelledError ? 'cancelled' : 'failed');
      throw error;
    }
  });
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A stored OSV record by its id or one of its aliases; NOT_FOUND when the data lacks it. */
export function vulnerabilityRecord(engine: Engine, id: string): VulnRecord {
  const db = VulnDatabase.open(engine.requireStore().workspace.path);
  let raw: unknown;
  try {
    raw = db.record(id);
  } finally {
    db.close();
  }
  if (raw === undefined) {
    throw new ConsignError('NOT_FOUND', `The vulnerability data has no record ${id}.`, {
      remedy:
        'Import OSV data that holds it (Settings → Vulnerability data, or `consign vulndb import PATH`), then look again.',
    });
  }
  // Stored records passed this same reading when they were imported.
  const record = parseOsvRecord(raw);
  if (typeof record === 'string' || !isObject(raw)) {
    throw new Error(`stored record ${id} no longer reads as OSV: ${String(record)}`);
  }
  const references = Array.isArray(raw.references) ? raw.references : [];
  return {
    id: record.id,
    modified: record.modified,
    ...(record.published ? { published: record.published } : {}),
    ...(record.withdrawn ? { withdrawn: record.withdrawn } : {}),
    ...(record.summary ? { summary: record.summary } : {}),
    ...(typeof raw.details === 'string' && raw.details ? { details: raw.details } : {}),
    aliases: record.aliases,
    severity: record.severity,
    ...(record.rating ? { rating: record.rating } : {}),
    affected: record.affected.map((a) => ({
      ecosystem: a.ecosystem,
      name: a.name,
      ...(a.purl ? { purl: a.purl } : {}),
      ranges: a.ranges.map((range) => ({ type: range.type, events: range.events })),
      versions: a.versions,
    })),
    references: references.flatMap((ref) =>
      isObject(ref) && typeof ref.url === 'string'
        ? [{ type: typeof ref.type === 'string' ? ref.type : 'WEB', url: ref.url }]
        : [],
    ),
    json: JSON.stringify(raw, null, 2),
  };
}
