/**
 * Scanning an image: its layers read once, its OS and application packages listed, and their
 * vulnerabilities found in the offline OSV database.
 */
import { ConsignError } from '../errors';
import type { Engine } from '../engine';
import { openImage } from '../images';
import type { Digest, ParsedManifest, Platform } from '../oci';
import type { ImageSource } from '../sources';
import {
  ecosystemScheme,
  findVulnerabilities,
  versionOrdering,
  VulnDatabase,
  type BlocklistLookup,
  type Finding,
  type VulnDbStatus,
} from '../vulndb';
import { apkPackages, APK_INSTALLED } from './apk';
import { appFindings, AppInventory, tap, type SkippedFile } from './apps';
import { baselineChecks, type BaselineFinding, type ImageConfig } from './baseline';
import { ScanCache, type CachedInventory, type Inventory } from './cache';
import { ContentScanner, type MalwareFinding, type SecretFinding } from './content';
import { dpkgPackages, isDpkgDatabase } from './dpkg';
import { choosePlatform, dockerImageId, platformTarget, subjectKey } from './identity';
import { walkLayers, type FileMeta, type LayerProgress } from './layers';
import { detectOs, OS_RELEASE_PATHS, type OperatingSystem } from './os-release';
import { isDpkgFileList, MAX_FILE_LIST_BYTES, osOwnedPaths, withoutOsOwned } from './owned';
import { RpmDatabases } from './rpm';
import type { Package } from './types';

/** Package databases are a few MiB; anything larger is not one. */
const MAX_DATABASE_BYTES = 64 * 1024 * 1024;
/** Image configurations are a few KiB; this bound is far above any real one. */
const MAX_CONFIG_BYTES = 8 * 1024 * 1024;

async function readConfig(source: ImageSource, manifest: ParsedManifest): Promise<ImageConfig> {
  if (manifest.kind !== 'manifest') return {};
  const descriptor = manifest.manifest.config;
  if (descriptor.size > MAX_CONFIG_BYTES) {
    throw new ConsignError(
      'BAD_INPUT',
      `The image configuration is ${descriptor.size} bytes, too large to be one.`,
    );
  }
  const chunks: Buffer[] = [];
  for await (const chunk of (await source.blob(descriptor)) as AsyncIterable<Buffer>)
    chunks.push(chunk);
  try {
    const config = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
    return typeof config === 'object' && config !== null ? (config as ImageConfig) : {};
  } catch {
    throw new ConsignError(
      'BAD_INPUT',
      `The image configuration ${descriptor.digest} is not JSON.`,
      {
        remedy: 'The image is damaged; rebuild or re-pull it.',
      },
    );
  }
}

export interface Vulnerability {
  id: string;
  aliases: string[];
  /** The installed (binary) package's name. */
  package: string;
  purl: string;
  installedVersion: string;
  fixedVersion?: string;
  severity: Finding['severity']['rating'];
  score?: number;
  vector?: string;
  summary?: string;
}

export interface ScanResult {
  image: {
    ref: string;
    /** The top-level digest (of the index, for a multi-platform image). */
    digest: Digest;
    /** The scanned platform's manifest. */
    manifest: Digest;
    platform?: Platform;
    os?: OperatingSystem;
    layers: number;
  };
  packages: Package[];
  vulnerabilities: Vulnerability[];
  /** Baseline checks of how the image was built (CIS Docker Benchmark, section 4). */
  baseline: BaselineFinding[];
  /** Secrets left in files (where, and which rule; never the secret). */
  secrets: SecretFinding[];
  /** Known-malicious files and content rules for well-known threats. */
  malware: MalwareFinding[];
  /** Application files that could not be read (too large, damaged, zip bombs), with why. */
  skipped?: SkippedFile[];
  summary: {
    packages: number;
    vulnerabilities: Record<Finding['severity']['rating'], number> & { total: number };
  };
  database: Pick<VulnDbStatus, 'records' | 'dataAsOf' | 'stale' | 'warning'>;
  /** True when the layers were not read again: the inventory came from the scan cache. */
  cached?: boolean;
  /** When the layers were read (for a cached result, the earlier scan's time). */
  scannedAt?: string;
}

/** The platform's manifest, fetched when the root is an index. */
async function pickManifest(
  source: ImageSource,
  root: ParsedManifest,
  chosen: ReturnType<typeof choosePlatform>,
): Promise<{ manifest: ParsedManifest & { kind: 'manifest' }; platform?: Platform }> {
  if (root.kind === 'manifest') return { manifest: root };
  const manifest = await source.manifest(chosen.digest);
  if (manifest.kind !== 'manifest') {
    throw new ConsignError('BAD_INPUT', `${chosen.digest} is a nested index; it is not scanned.`);
  }
  const platform = chosen.descriptor?.platform;
  return { manifest, ...(platform ? { platform } : {}) };
}

function wantedContent(meta: FileMeta): number {
  if (OS_RELEASE_PATHS.includes(meta.path)) return 64 * 1024;
  if (isDpkgDatabase(meta.path) || meta.path === APK_INSTALLED) return MAX_DATABASE_BYTES;
  if (isDpkgFileList(meta.path)) return MAX_FILE_LIST_BYTES;
  return 0;
}

function toVulnerability(pkg: Package, finding: Finding): Vulnerability {
  return {
    id: finding.id,
    aliases: finding.aliases,
    package: pkg.name,
    purl: pkg.purl,
    installedVersion: pkg.version,
    // OS advisories fix the source package; the binary package takes the same version.
    ...(finding.fixedVersion ? { fixedVersion: finding.fixedVersion } : {}),
    severity: finding.severity.rating,
    ...(finding.severity.score !== undefined ? { score: finding.severity.score } : {}),
    ...(finding.severity.vector ? { vector: finding.severity.vector } : {}),
    ...(finding.summary ? { summary: finding.summary } : {}),
  };
}

/**
 * Vulnerabilities of OS packages: advisories name the source package and its version. RPM
 * distributions' advisories name either, so an rpm is also looked up by its own name.
 */
function osVulnerabilities(
  db: VulnDatabase,
  os: OperatingSystem | undefined,
  packages: Package[],
): Vulnerability[] {
  const ecosystem = os?.ecosystem;
  if (!ecosystem || !ecosystemScheme(ecosystem)) return [];
  const ordering = versionOrdering(ecosystem);
  const found: Vulnerability[] = [];
  const cache = new Map<string, Finding[]>();
  const lookup = (name: string, version: string) => {
    const key = `${name}@${version}`;
    let findings = cache.get(key);
    if (!findings) {
      findings = findVulnerabilities(db.affecting(ecosystem, name), version, ordering);
      cache.set(key, findings);
    }
    return findings;
  };
  for (const pkg of packages) {
    const findings = [...lookup(pkg.source?.name ?? pkg.name, pkg.source?.version ?? pkg.version)];
    if (pkg.type === 'rpm' && pkg.source && pkg.source.name !== pkg.name) {
      const ids = new Set(findings.map((finding) => finding.id));
      findings.push(...lookup(pkg.name, pkg.version).filter((finding) => !ids.has(finding.id)));
    }
    for (const finding of findings) found.push(toVulnerability(pkg, finding));
  }
  return found;
}

/**
 * How a scan advances: every layer is announced `queued` once the manifest is read, then reports
 * its compressed bytes read; an image answered from the scan cache reads no layer and says so.
 */
export type ScanProgress =
  | (Omit<LayerProgress, 'state'> & {
      kind: 'layer';
      /** How many layers the image has. */
      count: number;
      state: LayerProgress['state'] | 'queued';
    })
  | { kind: 'cached'; layers: number };

/** Reads the image's layers once: everything a scan finds except vulnerabilities. */
async function readInventory(
  source: ImageSource,
  root: ParsedManifest,
  chosen: ReturnType<typeof choosePlatform>,
  options: Pick<ScanOptions, 'signal' | 'onProgress'>,
  blocklist: BlocklistLookup,
): Promise<Inventory> {
  const { signal, onProgress } = options;
  const { manifest, platform } = await pickManifest(source, root, chosen);
  const layers = manifest.manifest.layers;
  for (const [index, layer] of layers.entries()) {
    onProgress?.({
      kind: 'layer',
      index,
      count: layers.length,
      digest: layer.digest,
      done: 0,
      size: layer.size,
      state: 'queued',
    });
  }
  const config = await readConfig(source, manifest);
  const content = new ContentScanner({ blocklist });
  const apps = new AppInventory();
  const rpm = new RpmDatabases();
  let view;
  let os;
  let rpmInventory;
  try {
    view = await walkLayers(
      layers.map((layer) => ({
        digest: layer.digest,
        size: layer.size,
        open: () => source.blob(layer),
      })),
      {
        capture: wantedContent,
        // Application files and rpm databases are read from the same pass over the bytes as
        // the content checks.
        inspect: async (meta, stream) => {
          const sink = apps.sink(meta) ?? rpm.sink(meta);
          await content.inspect(meta, sink ? tap(stream, sink) : stream);
          await sink?.end();
        },
        ...(signal ? { signal } : {}),
        ...(onProgress
          ? {
              onLayer: (p: LayerProgress) =>
                onProgress({ kind: 'layer', count: layers.length, ...p }),
            }
          : {}),
      },
    );
    os = detectOs(view);
    rpmInventory = rpm.packages(view, os);
  } finally {
    rpm.dispose();
  }
  const { secrets, malware } = content.retain(view.files);
  const applications = apps.retain(view.files);
  return {
    image: {
      digest: root.digest,
      manifest: manifest.digest,
      config: manifest.manifest.config.digest,
      ...(platform ? { platform } : {}),
      ...(os ? { os } : {}),
      layers: view.layers.length,
    },
    osPackages: [...dpkgPackages(view, os), ...apkPackages(view, os), ...rpmInventory.packages],
    // Language packages an OS package installed are reported as that OS package (see owned.ts).
    appPackages: withoutOsOwned(applications.packages, osOwnedPaths(view)),
    baseline: baselineChecks(config, view),
    secrets,
    malware,
    skipped: [...rpmInventory.skipped, ...applications.skipped],
  };
}

/** The report: the inventory, with vulnerabilities matched against the database as it is now. */
function report(
  engine: Engine,
  ref: string,
  { inventory, createdAt }: CachedInventory,
  cached: boolean,
  digest: Digest = inventory.image.digest,
): ScanResult {
  const { osPackages, appPackages } = inventory;
  const { os } = inventory.image;
  const packages = [...osPackages, ...appPackages];
  const db = VulnDatabase.open(engine.requireStore().workspace.path);
  let vulnerabilities: Vulnerability[];
  let status: VulnDbStatus;
  try {
    vulnerabilities = [
      ...osVulnerabilities(db, os, osPackages),
      ...appFindings(db, appPackages).map(({ pkg, finding }) => toVulnerability(pkg, finding)),
    ];
    status = db.status();
  } finally {
    db.close();
  }
  const counts = { CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0, NONE: 0, UNKNOWN: 0 };
  for (const v of vulnerabilities) counts[v.severity]++;
  const { platform, layers, manifest } = inventory.image;
  return {
    image: {
      ref,
      digest,
      manifest,
      ...(platform ? { platform } : {}),
      ...(os ? { os } : {}),
      layers,
    },
    packages,
    vulnerabilities,
    baseline: inventory.baseline,
    secrets: inventory.secrets,
    malware: inventory.malware,
    ...(inventory.skipped.length ? { skipped: inventory.skipped } : {}),
    summary: {
      packages: packages.length,
      vulnerabilities: { ...counts, total: vulnerabilities.length },
    },
    database: {
      records: status.records,
      ...(status.dataAsOf ? { dataAsOf: status.dataAsOf } : {}),
      stale: status.stale,
      ...(status.warning ? { warning: status.warning } : {}),
    },
    cached,
    scannedAt: createdAt,
  };
}

export interface ScanOptions {
  platform?: string;
  /** Cancels the scan: it rejects with the signal's reason and caches nothing. */
  signal?: AbortSignal;
  /** False: read every layer even when the cache has the image (the entry is then refreshed). */
  cache?: boolean;
  onProgress?: (progress: ScanProgress) => void;
}

/**
 * Scans an image. An unchanged image is answered from the scan cache without reading a layer:
 * the key is resolved first (a manifest read, or one inspect for the Docker engine, whose export
 * is what costs), and only a miss opens the layers.
 */
export async function scanImage(
  engine: Engine,
  ref: string,
  options: ScanOptions = {},
): Promise<ScanResult> {
  const cache = new ScanCache(engine.requireStore().db);
  const lookup = options.cache !== false;
  const vulndb = VulnDatabase.open(engine.requireStore().workspace.path);
  try {
    // Files are matched against blocklists as they stream: an inventory made before the last
    // blocklist import has not seen it, so the layers are read again.
    const listChanged = vulndb.blocklistChangedAt();
    const cached = (entry: CachedInventory | undefined) =>
      entry && (!listChanged || entry.createdAt >= listChanged) ? entry : undefined;
    const dockerId = await dockerImageId(engine, ref);
    const dockerKey = dockerId
      ? subjectKey({
          kind: 'docker-image',
          id: dockerId,
          platform: platformTarget(options.platform),
        })
      : undefined;
    if (dockerKey && lookup) {
      const hit = cached(cache.get(dockerKey));
      if (hit) {
        options.onProgress?.({ kind: 'cached', layers: hit.inventory.image.layers });
        return report(engine, ref, hit, true);
      }
    }
    const source = await openImage(engine, ref);
    let inventory: Inventory;
    let key: string;
    try {
      const root = await source.image.root();
      const chosen = choosePlatform(root, options.platform);
      key = dockerKey ?? subjectKey({ kind: 'manifest', digest: chosen.digest });
      if (!dockerKey && lookup) {
        const hit = cached(cache.get(key));
        // The same platform manifest may sit in another index now: report the root read today.
        if (hit) {
          options.onProgress?.({ kind: 'cached', layers: hit.inventory.image.layers });
          return report(engine, ref, hit, true, root.digest);
        }
      }
      inventory = await readInventory(
        source.image,
        root,
        chosen,
        options,
        vulndb.blocklistLookup(),
      );
    } finally {
      await source.image.close();
    }
    // The engine's tag may have moved between the inspect and the export: keep the entry only
    // when the exported image is the one the key names.
    // A cancel that came as the last layer ended still wins: nothing is kept of a cancelled scan.
    options.signal?.throwIfAborted();
    const { digest, manifest, config } = inventory.image;
    const pinned = !dockerId || [digest, manifest, config].includes(dockerId as Digest);
    const entry = pinned
      ? cache.put(key, inventory)
      : { inventory, createdAt: new Date().toISOString() };
    return report(engine, ref, entry, false);
  } finally {
    vulndb.close();
  }
}
