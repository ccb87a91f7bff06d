// What every part of a customer's verification kit is made from, and the small rules they share
// (file names, image scopes, YAML output), so each generator stays a pure function of its input.
import { createHash } from 'node:crypto';
import { Document } from 'yaml';
import { isRepositoryName, REGISTRY_HOST } from '../../../../shared/reference';
import { ConsignError } from '../../errors';
import { schemeFor } from '../../registry';

/** The parts of a customer account a kit depends on. */
export interface KitCustomer {
  name: string;
  /** `HOST[:PORT]` of the customer's registry. */
  registry: string;
  /** Repository namespace under which the customer receives images. */
  namespace: string;
  insecureHttp?: boolean;
  caFile?: string;
}

/** An active signing key the customer should trust (public half only). */
export interface KitKey {
  id: string;
  name: string;
  fingerprint: string;
  /** SubjectPublicKeyInfo PEM. */
  publicKey: string;
}

/** One file of the kit: a path relative to the kit's folder, and its text. */
export interface KitFile {
  path: string;
  contents: string;
  /** File mode; 0o644 when absent. */
  mode?: number;
}

/** The kit's keys with the file name each gets under `keys/`. */
export interface NamedKey extends KitKey {
  /** `keys/<file>.pub`, relative to the kit. */
  file: string;
}

/** Everything the generators need, worked out once. */
export interface KitContext {
  customer: KitCustomer;
  keys: NamedKey[];
  /** `registry/namespace`, the scope every policy covers. */
  scope: string;
  /** A DNS-label-safe form of the customer's name, for resource and file names. */
  slug: string;
  /** Whether cosign must be allowed to use plain HTTP for this registry. */
  plainHttp: boolean;
}

/** The predicate of the Sigstore bundle Consign writes for a plain signature. */
export const SIGN_PREDICATE = 'https://sigstore.dev/cosign/sign/v1';

/** Where the kit's files sit; the README and the scripts refer to the same names. */
export const KIT_PATHS = {
  readme: 'README.md',
  verifyScript: 'verify.sh',
  trustedRoot: 'trusted_root.json',
  keys: 'keys',
  kyverno: 'kyverno',
  policyController: 'policy-controller',
  gatekeeperTemplates: 'gatekeeper/templates',
  gatekeeperConstraints: 'gatekeeper/constraints',
  containers: 'containers',
} as const;

/** Lower-case ASCII letters, digits and single dashes (accents dropped), at most `max` long. */
function asciiSlug(text: string, max: number): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, max)
    .replace(/-+$/, '');
}

/**
 * A DNS-label-safe name for resources and files; names with nothing usable (only other scripts,
 * say) get a short hash so they still name something stable.
 */
export function slugOf(text: string, max = 40): string {
  return asciiSlug(text, max) || `x${createHash('sha256').update(text).digest('hex').slice(0, 12)}`;
}

/**
 * Gives each key a file name from its name, or from its fingerprint when the name yields nothing
 * of its own or another key already took it, so no two keys share a file.
 */
export function nameKeys(keys: readonly KitKey[]): NamedKey[] {
  const taken = new Set<string>();
  return keys.map((key) => {
    const byName = asciiSlug(key.name, 48);
    let base = byName && !taken.has(byName) ? byName : key.fingerprint.slice(0, 16);
    if (taken.has(base)) base = key.fingerprint;
    taken.add(base);
    return { ...key, file: `${KIT_PATHS.keys}/${base}.pub` };
  });
}

/** Checks the customer and keys and works out what the generators share. */
export function kitContext(customer: KitCustomer, keys: readonly KitKey[]): KitContext {
  const registry = customer.registry.trim();
  const namespace = customer.namespace.trim().replace(/^\/+|\/+$/g, '');
  if (!REGISTRY_HOST.test(registry)) {
    throw new ConsignError(
      'BAD_INPUT',
      `The customer ${customer.name} has the registry "${customer.registry}", which is not HOST[:PORT].`,
      { remedy: 'Correct the registry in the customer account, then write the kit again.' },
    );
  }
  if (!isRepositoryName(namespace)) {
    throw new ConsignError(
      'BAD_INPUT',
      `The customer ${customer.name} has the namespace "${customer.namespace}", which is not a repository path.`,
      {
        remedy:
          'Use lower-case letters, digits and separators (for example acme/releases) in the customer account.',
      },
    );
  }
  if (keys.length === 0) {
    throw new ConsignError(
      'BAD_INPUT',
      'The workspace has no active signing key, so a verification kit would trust nothing.',
      { remedy: 'Generate or import a signing key (consign keys generate --name NAME) first.' },
    );
  }
  const options = {
    ...(customer.insecureHttp ? { insecureHttp: true } : {}),
    ...(customer.caFile ? { caFile: customer.caFile } : {}),
  };
  return {
    customer: { ...customer, registry, namespace },
    keys: nameKeys(keys),
    scope: `${registry}/${namespace}`,
    slug: slugOf(customer.name),
    plainHttp: schemeFor(registry, options) === 'http',
  };
}

/**
 * One YAML document with a leading comment. Long lines are never folded (keys, Rego), and a value
 * used twice is written out twice rather than as an anchor and alias, which not every tool reads.
 */
export function yamlFile(path: string, comment: string, value: unknown): KitFile {
  const doc = new Document(value, { aliasDuplicateObjects: false });
  doc.commentBefore = comment
    .split('\n')
    .map((line) => (line ? ` ${line}` : ''))
    .join('\n');
  return { path, contents: doc.toString({ lineWidth: 0 }) };
}

/** Labels every resource the kit defines, so a cluster admin can list or remove them together. */
export function kitLabels(context: KitContext): Record<string, string> {
  return {
    'app.kubernetes.io/part-of': 'consign-verification-kit',
    'app.kubernetes.io/instance': context.slug,
  };
}
