/**
 * Java archives (`.jar`, `.war`, `.ear`): Maven coordinates from `META-INF/maven/G/A/pom.properties`
 * (one per artifact, several in a shaded jar), else from `META-INF/MANIFEST.MF`, and the same for
 * archives nested inside (`BOOT-INF/lib/`, `WEB-INF/lib/`, `lib/`), to a bounded depth. A zip is
 * read from its central directory at the end, so an archive is held in memory up to a bound;
 * entry counts and inflated sizes are bounded too, against zip bombs.
 */
import type { Entry, ZipFile } from 'yauzl';
import { purlPart, type Package } from '../types';

export const isJavaArchive = (path: string) => /\.(jar|war|ear)$/i.test(path);

export interface JavaLimits {
  /** Largest archive (top level or nested) read into memory. */
  maxArchiveBytes: number;
  /** Entries one archive may list. */
  maxEntries: number;
  /** Everything inflated from one top-level archive, nested ones included. */
  maxInflatedBytes: number;
  /** How deep nested archives are followed (1: archives inside the top-level one). */
  maxDepth: number;
}

export const JAVA_LIMITS: JavaLimits = {
  maxArchiveBytes: 256 * 1024 * 1024,
  maxEntries: 200_000,
  maxInflatedBytes: 1024 * 1024 * 1024,
  maxDepth: 3,
};

/** Manifests and pom.properties are small; these bound what one may make us read. */
const MAX_TEXT_BYTES = 1024 * 1024;
const POM_PROPERTIES = /^META-INF\/maven\/[^/]+\/[^/]+\/pom\.properties$/;

export interface JavaResult {
  packages: Package[];
  /** Archives (or nested ones) not read, with why. */
  skipped: { path: string; reason: string }[];
}

export function mavenPackage(
  group: string | undefined,
  artifact: string,
  version: string,
  path: string,
): Package {
  return {
    type: 'maven',
    name: group ? `${group}:${artifact}` : artifact,
    version,
    purl: `pkg:maven/${group ? `${purlPart(group)}/` : ''}${purlPart(artifact)}@${purlPart(version)}`,
    path,
  };
}

/** Java properties as Maven writes them: `key=value` lines, `#` comments. */
export function parseProperties(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith('!')) continue;
    const at = line.search(/[=:]/);
    if (at <= 0) continue;
    fields.set(line.slice(0, at).trim(), line.slice(at + 1).trim());
  }
  return fields;
}

/** The manifest's main section; lines wrap at 72 bytes with a leading space on continuations. */
export function parseManifest(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  let last: string | undefined;
  for (const line of text.split(/\r?\n/)) {
    if (line === '') break;
    if (line.startsWith(' ') && last) {
      fields.set(last, fields.get(last)! + line.slice(1));
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    last = line.slice(0, colon).trim();
    fields.set(last, line.slice(colon + 1).trim());
  }
  return fields;
}

/** Coordinates from a manifest when no pom.properties says them (no group unless stated). */
function fromManifest(fields: Map<string, string>, path: string): Package | undefined {
  const symbolic = fields.get('Bundle-SymbolicName')?.split(';')[0]?.trim();
  const artifact = fields.get('Implementation-Title') ?? symbolic;
  const version = fields.get('Implementation-Version') ?? fields.get('Bundle-Version');
  if (!artifact || !version) return undefined;
  const group = fields.get('Implementation-Vendor-Id');
  return mavenPackage(group, artifact, version, path);
}

class Skip extends Error {}

function openZip(data: Buffer): Promise<ZipFile> {
  return import('yauzl').then(
    ({ default: yauzl }) =>
      new Promise<ZipFile>((done, fail) =>
        yauzl.fromBuffer(
          data,
          { lazyEntries: true, validateEntrySizes: true, strictFileNames: false },
          (error, zip) =>
            error || !zip ? fail(new Skip(`not a readable zip (${error?.message})`)) : done(zip),
        ),
      ),
  );
}

function listEntries(zip: ZipFile, limits: JavaLimits): Promise<Entry[]> {
  if (zip.entryCount > limits.maxEntries) {
    return Promise.reject(
      new Skip(`it lists ${zip.entryCount} entries, more than ${limits.maxEntries}`),
    );
  }
  return new Promise((done, fail) => {
    const entries: Entry[] = [];
    zip.on('entry', (entry: Entry) => {
      entries.push(entry);
      zip.readEntry();
    });
    zip.once('end', () => done(entries));
    zip.once('error', (error: Error) => fail(new Skip(`damaged (${error.message})`)));
    zip.readEntry();
  });
}

function inflate(zip: ZipFile, entry: Entry): Promise<Buffer> {
  return new Promise((done, fail) => {
    zip.openReadStream(entry, (error, stream) => {
      if (error || !stream) {
        fail(new Skip(`damaged at ${entry.fileName} (${error?.message})`));
        return;
      }
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.once('error', (cause: Error) =>
        fail(new Skip(`damaged at ${entry.fileName} (${cause.message})`)),
      );
      stream.once('end', () => done(Buffer.concat(chunks)));
    });
  });
}

/**
 * Lists the Maven packages in a Java archive held in memory, with nested archives. An archive
 * that cannot be read is skipped with a reason rather than failing the scan.
 */
export async function javaPackages(
  data: Buffer,
  path: string,
  limits: JavaLimits = JAVA_LIMITS,
): Promise<JavaResult> {
  const result: JavaResult = { packages: [], skipped: [] };
  const budget = { inflated: 0 };
  await readArchive(data, path, 0, limits, budget, result);
  return result;
}

async function readArchive(
  data: Buffer,
  path: string,
  depth: number,
  limits: JavaLimits,
  budget: { inflated: number },
  result: JavaResult,
): Promise<void> {
  let zip: ZipFile | undefined;
  try {
    zip = await openZip(data);
    const entries = await listEntries(zip, limits);
    const take = async (entry: Entry, bound: number): Promise<Buffer> => {
      // Declared sizes are checked as the data inflates (validateEntrySizes), so they bind.
      if (entry.uncompressedSize > bound) {
        throw new Skip(`${entry.fileName} inflates to ${entry.uncompressedSize} bytes`);
      }
      budget.inflated += entry.uncompressedSize;
      if (budget.inflated > limits.maxInflatedBytes) {
        throw new Skip(`it inflates to more than ${limits.maxInflatedBytes} bytes in all`);
      }
      return inflate(zip!, entry);
    };
    const own: Package[] = [];
    let manifest: Map<string, string> | undefined;
    const nested: Entry[] = [];
    for (const entry of entries) {
      const name = entry.fileName;
      if (POM_PROPERTIES.test(name)) {
        const fields = parseProperties((await take(entry, MAX_TEXT_BYTES)).toString('utf8'));
        const [group, artifact, version] = ['groupId', 'artifactId', 'version'].map((k) =>
          fields.get(k),
        );
        if (group && artifact && version) own.push(mavenPackage(group, artifact, version, path));
      } else if (name === 'META-INF/MANIFEST.MF') {
        manifest = parseManifest((await take(entry, MAX_TEXT_BYTES)).toString('utf8'));
      } else if (isJavaArchive(name) && !name.endsWith('/')) {
        nested.push(entry);
      }
    }
    if (own.length === 0 && manifest) {
      const pkg = fromManifest(manifest, path);
      if (pkg) own.push(pkg);
    }
    const seen = new Set<string>();
    for (const pkg of own) {
      if (seen.has(pkg.purl)) continue;
      seen.add(pkg.purl);
      result.packages.push(pkg);
    }
    for (const entry of nested) {
      const inner = `${path}!/${entry.fileName}`;
      if (depth + 1 > limits.maxDepth) {
        result.skipped.push({ path: inner, reason: `nested deeper than ${limits.maxDepth}` });
        continue;
      }
      if (entry.uncompressedSize > limits.maxArchiveBytes) {
        result.skipped.push({
          path: inner,
          reason: `it is ${entry.uncompressedSize} bytes, more than ${limits.maxArchiveBytes}`,
        });
        continue;
      }
      let bytes: Buffer;
      try {
        bytes = await take(entry, limits.maxArchiveBytes);
      } catch (error) {
        if (!(error instanceof Skip)) throw error;
        result.skipped.push({ path: inner, reason: error.message });
        continue;
      }
      await readArchive(bytes, inner, depth + 1, limits, budget, result);
    }
  } catch (error) {
    if (!(error instanceof Skip)) throw error;
    result.skipped.push({ path, reason: error.message });
  } finally {
    zip?.close();
  }
}
