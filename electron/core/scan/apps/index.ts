/**
 * Application packages (npm, Python, Go binaries, Java archives), found while each file streams
 * by for the content checks: a file of interest gets a sink that sees the same chunks, keeps
 * only what its parser needs (bounded), and leaves small package records keyed by path. Records
 * of files a later layer replaced or deleted are dropped at the end, as the final image decides.
 */
import type { FileMeta } from '../layers';
import type { Package } from '../types';
import { GoBuildInfoFinder, goPackages } from './golang';
import { isJavaArchive, JAVA_LIMITS, javaPackages, type JavaLimits } from './java';
import {
  isNpmLockfile,
  isNpmManifest,
  npmInventory,
  parseLockfile,
  parseManifest,
  type Lockfile,
} from './npm';
import {
  isPythonMetadata,
  parsePythonMetadata,
  PYTHON_METADATA_BYTES,
  pythonPackage,
} from './python';

export { appFindings } from './vulnerabilities';

/** Receives a file's chunks in order; `end` runs once the file is through. */
export interface FileSink {
  write(chunk: Buffer): void;
  end(): Promise<void>;
}

export interface SkippedFile {
  path: string;
  reason: string;
}

/** Lockfiles of very large monorepos reach tens of MiB; past this one is not read. */
const MAX_LOCKFILE_BYTES = 64 * 1024 * 1024;
const MAX_MANIFEST_BYTES = 1024 * 1024;
/** The smallest Go binary (a hello world, stripped) is over a MiB; smaller files are not looked at. */
const MIN_GO_BINARY_BYTES = 512 * 1024;

/**
 * Passes chunks through to the consumer while a sink sees them too: the same iterator, with the
 * sink called as each chunk is handed over (no generator, no extra buffering).
 */
export function tap(content: AsyncIterable<Buffer>, sink: FileSink): AsyncIterable<Buffer> {
  return {
    [Symbol.asyncIterator]() {
      const source = content[Symbol.asyncIterator]();
      return {
        next: () =>
          source.next().then((step) => {
            if (!step.done) sink.write(step.value);
            return step;
          }),
        return: (value?: unknown) =>
          source.return
            ? source.return(value)
            : Promise.resolve({ done: true as const, value: undefined }),
      };
    },
  };
}

/** Keeps a file's first `limit` bytes; `overflow` says whether there was more. */
function collector(limit: number, done: (data: Buffer, overflow: boolean) => void): FileSink {
  const chunks: Buffer[] = [];
  let length = 0;
  let overflow = false;
  return {
    write(chunk) {
      if (length >= limit) {
        overflow = true;
        return;
      }
      const part = chunk.length > limit - length ? chunk.subarray(0, limit - length) : chunk;
      if (part.length < chunk.length) overflow = true;
      chunks.push(part);
      length += part.length;
    },
    end() {
      done(Buffer.concat(chunks, length), overflow);
      return Promise.resolve();
    },
  };
}

export class AppInventory {
  readonly #limits: JavaLimits;
  readonly #npmInstalled = new Map<string, { name: string; version: string }>();
  readonly #lockfiles = new Map<string, Lockfile>();
  readonly #packages = new Map<string, Package[]>();
  readonly #skipped = new Map<string, SkippedFile[]>();

  constructor(limits: Partial<JavaLimits> = {}) {
    this.#limits = { ...JAVA_LIMITS, ...limits };
  }

  /** A sink for a regular file about to stream by, or undefined when it is of no interest. */
  sink(meta: FileMeta): FileSink | undefined {
    const path = meta.path;
    // A new version of a path replaces whatever an older one held.
    this.#npmInstalled.delete(path);
    this.#lockfiles.delete(path);
    this.#packages.delete(path);
    this.#skipped.delete(path);
    if (isNpmManifest(path)) {
      return collector(MAX_MANIFEST_BYTES, (data, overflow) => {
        const pkg = overflow ? undefined : parseManifest(data.toString('utf8'));
        if (pkg) this.#npmInstalled.set(path, pkg);
      });
    }
    if (isNpmLockfile(path)) {
      return collector(MAX_LOCKFILE_BYTES, (data, overflow) => {
        if (overflow) {
          this.#skip(path, `the lockfile is larger than ${MAX_LOCKFILE_BYTES} bytes`);
          return;
        }
        const lockfile = parseLockfile(path, data.toString('utf8'));
        if (lockfile) this.#lockfiles.set(path, lockfile);
        else this.#skip(path, 'not an npm lockfile (not JSON, or no packages listed)');
      });
    }
    if (isPythonMetadata(path)) {
      // Only the header block is read: a cut-off description does not matter.
      return collector(PYTHON_METADATA_BYTES, (data) => {
        const found = parsePythonMetadata(data.toString('utf8'));
        if (found) this.#packages.set(path, [pythonPackage(found.name, found.version, path)]);
      });
    }
    if (isJavaArchive(path)) {
      if (meta.size > this.#limits.maxArchiveBytes) {
        this.#skip(
          path,
          `it is ${meta.size} bytes, more than the ${this.#limits.maxArchiveBytes} read into memory`,
        );
        return undefined;
      }
      const chunks: Buffer[] = [];
      return {
        write: (chunk) => void chunks.push(chunk),
        end: async () => {
          const { packages, skipped } = await javaPackages(
            Buffer.concat(chunks),
            path,
            this.#limits,
          );
          if (packages.length) this.#packages.set(path, packages);
          for (const s of skipped) this.#skip(path, s.reason, s.path);
        },
      };
    }
    if (meta.size >= MIN_GO_BINARY_BYTES) {
      const finder = new GoBuildInfoFinder();
      return {
        write: (chunk) => finder.write(chunk),
        end: () => {
          if (finder.result) this.#packages.set(path, goPackages(finder.result, path));
          else if (finder.problem) this.#skip(path, finder.problem);
          return Promise.resolve();
        },
      };
    }
    return undefined;
  }

  /** The packages of the files the final image has, and what could not be read. */
  retain(files: ReadonlyMap<string, FileMeta>): { packages: Package[]; skipped: SkippedFile[] } {
    const present = <T>(map: Map<string, T>) =>
      [...map].filter(([path]) => files.get(path)?.type === 'file');
    const byPath = ([a]: [string, unknown], [b]: [string, unknown]) => (a < b ? -1 : 1);
    const npm = npmInventory(
      new Map(present(this.#npmInstalled).sort(byPath)),
      present(this.#lockfiles)
        .sort(byPath)
        .map(([, lockfile]) => lockfile),
    );
    const others = present(this.#packages)
      .sort(byPath)
      .flatMap(([, found]) => found);
    const skipped = present(this.#skipped)
      .sort(byPath)
      .flatMap(([, found]) => found);
    return { packages: [...npm, ...others], skipped };
  }

  /** Kept under the image file's path; `where` names a nested archive inside it. */
  #skip(path: string, reason: string, where = path) {
    this.#skipped.set(path, [...(this.#skipped.get(path) ?? []), { path: where, reason }]);
  }
}
