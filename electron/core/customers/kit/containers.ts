// containers-policy.json(5) and containers-registries.d(5) for podman, CRI-O, skopeo and buildah.
import { yamlFile, KIT_PATHS, type KitContext, type KitFile } from './model';

/** The policy requirement for the vendor's namespace: a sigstore signature by one of the keys. */
export function sigstoreRequirement(context: KitContext): Record<string, unknown> {
  const data = context.keys.map((key) => Buffer.from(key.publicKey).toString('base64'));
  return {
    type: 'sigstoreSigned',
    // Keys inline, so the file works wherever it is installed; several keys need `keyDatas`.
    ...(data.length === 1 ? { keyData: data[0] } : { keyDatas: data }),
    // cosign signatures name the repository only, so the identity check is by repository.
    signedIdentity: { type: 'matchRepository' },
  };
}

/**
 * The default stays `insecureAcceptAnything` so that installing the file on a host changes
 * nothing but the vendor's namespace, which requires a signature; a host that should run signed
 * images only can change the default to `reject` (the README says so).
 */
export function containersPolicyFile(context: KitContext): KitFile {
  const policy = {
    default: [{ type: 'insecureAcceptAnything' }],
    transports: {
      docker: { [context.scope]: [sigstoreRequirement(context)] },
    },
  };
  return {
    path: `${KIT_PATHS.containers}/policy.json`,
    contents: `${JSON.stringify(policy, null, 2)}\n`,
  };
}

/** Tells the container tools to look for cosign signatures next to the vendor's images. */
export function registriesDFile(context: KitContext): KitFile {
  return yamlFile(
    `${KIT_PATHS.containers}/registries.d/consign-${context.slug}.yaml`,
    `Read sigstore signatures for images under ${context.scope}/ (install in /etc/containers/registries.d/).`,
    { docker: { [context.scope]: { 'use-sigstore-attachments': true } } },
  );
}
