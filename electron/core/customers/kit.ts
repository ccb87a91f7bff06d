/**
 * A customer's verification kit: the vendor's public keys, a cosign script, and the policies for
 * Kyverno, the sigstore policy-controller, OPA Gatekeeper and the containers tools that let the
 * customer check our signatures with their own tools. Generating is a pure function of the
 * account and the active keys; writing puts it into a new or empty folder and audits it.
 */
import type { Engine } from '../engine';
import { writeNewFolder } from '../files';
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
  const { dir: root, files: written } = await writeNewFolder(dir, files, 'the kit');
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
