/**
 * A customer's verification kit: the vendor's public keys, a cosign script, and the policies for
 * Kyverno, the sigstore policy-controller, OPA Gatekeeper and the containers tools that let the
 * customer check our signatures with their own tools. Generating is a pure function of the
 * account and the active keys; writing puts it into a new or empty folder and audits it.
 */
import { mkdir, readdir, rm, rmdir, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Engine } from '../engine';
import { ConsignError } from '../errors';
import { writeNewFile } from '../files';
import { containersPolicyFile, registriesDFile } from './kit/containers';
import { trustedRootFile, verifyScriptFile } from './kit/cosign';
import { gatekeeperFiles } from './kit/gatekeeper';
import { kitContext, type KitCustomer, type KitFile, type KitKey } from './kit/model';
import { kyvernoPresets, kyvernoVerifyImages } from './kit/kyverno';
import { clusterImagePolicy } from './kit/policy-controller';
import { readmeFile } from './kit/readme';

export type { KitCustomer, KitFile, KitKey } from './kit/model';

/** Every file of the kit, README first; paths are relative to the kit's folder. */
export function verificationKit(customer: KitCustomer, keys: readonly KitKey[]): KitFile[] {
  const context = kitContext(customer, keys);
  const files: KitFile[] = [
    verifyScriptFile(context),
    trustedRootFile(),
    ...context.keys.map((key) => ({ path: key.file, contents: `${key.publicKey.trimEnd()}\n` })),
    kyvernoVerifyImages(context),
    ...kyvernoPresets(context),
    clusterImagePolicy(context),
    containersPolicyFile(context),
    registriesDFile(context),
    ...gatekeeperFiles(context),
  ];
  return [readmeFile(context, files), ...files];
}

/** Creates `dir` if it is missing; refuses one that holds anything, or is not a folder. */
async function prepareFolder(dir: string): Promise<{ created: boolean }> {
  let info;
  try {
    info = await stat(dir);
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new ConsignError('BAD_INPUT', `${dir} cannot be read.`, {
        remedy: 'Check the path and its permissions.',
        cause,
      });
    }
    try {
      await mkdir(dir, { recursive: true });
    } catch (error) {
      throw new ConsignError('BAD_INPUT', `The folder ${dir} cannot be created.`, {
        remedy: 'Check that its parent folder exists and is writable, or choose another folder.',
        cause: error,
      });
    }
    return { created: true };
  }
  if (!info.isDirectory()) {
    throw new ConsignError('BAD_INPUT', `${dir} is a file, not a folder.`, {
      remedy: 'Choose a new or empty folder for the kit.',
    });
  }
  if ((await readdir(dir)).length > 0) {
    throw new ConsignError('BAD_INPUT', `The folder ${dir} is not empty.`, {
      remedy: 'Choose a new or empty folder: the kit never replaces or mixes with other files.',
    });
  }
  return { created: false };
}

/**
 * Undoes a kit that could not be written whole: the folder if this call created it, else only the
 * files it wrote and the subfolders left empty (including the one of the file that failed);
 * anything else in the folder stays.
 */
export async function removePartialKit(
  root: string,
  created: boolean,
  written: readonly string[],
  failed?: string,
) {
  if (created) {
    await rm(root, { recursive: true, force: true });
    return;
  }
  await Promise.all(written.map((path) => rm(join(root, path), { force: true })));
  const folders = new Set<string>();
  for (const path of failed === undefined ? written : [...written, failed]) {
    for (let dir = dirname(path); dir !== '.'; dir = dirname(dir)) folders.add(dir);
  }
  // Deepest first, so a parent is only tried once its children are gone.
  for (const dir of [...folders].sort((a, b) => b.length - a.length)) {
    await rmdir(join(root, dir)).catch(() => {});
  }
}

/**
 * Writes the customer's kit into `dir` (created if missing, refused unless empty) and records a
 * `customer.kit` audit event. If any file cannot be written, what was written is removed again.
 */
export async function writeVerificationKit(
  engine: Engine,
  name: string,
  dir: string,
): Promise<{ dir: string; files: string[] }> {
  const store = engine.requireStore();
  const customer = store.customers.get(name);
  const keys = store.keys.list().filter((key) => key.state === 'active');
  // Generate before touching the disk, so a refused account or a missing key leaves no folder.
  const files = verificationKit(customer, keys);
  const root = resolve(dir);
  const { created } = await prepareFolder(root);
  const written: string[] = [];
  let current: string | undefined;
  try {
    for (const file of files) {
      current = file.path;
      const path = join(root, file.path);
      await mkdir(dirname(path), { recursive: true });
      await writeNewFile(path, () => file.contents, { mode: file.mode ?? 0o644 });
      written.push(file.path);
    }
  } catch (error) {
    await removePartialKit(root, created, written, current);
    throw error;
  }
  store.audit.append({
    action: 'customer.kit',
    subject: customer.name,
    details: {
      customer: customer.name,
      dir: root,
      files: written.length,
      scope: `${customer.registry}/${customer.namespace}`,
      keys: keys.map((key) => ({ id: key.id, fingerprint: key.fingerprint })),
    },
  });
  return { dir: root, files: written };
}
