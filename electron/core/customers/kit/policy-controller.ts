// sigstore policy-controller ClusterImagePolicy (policy.sigstore.dev/v1beta1).
import { KIT_PATHS, kitLabels, yamlFile, type KitContext, type KitFile } from './model';

export function clusterImagePolicy(context: KitContext): KitFile {
  const policy = {
    apiVersion: 'policy.sigstore.dev/v1beta1',
    kind: 'ClusterImagePolicy',
    metadata: { name: `consign-verify-${context.slug}`, labels: kitLabels(context) },
    spec: {
      // `**` crosses slashes: every repository under the namespace, at any depth.
      images: [{ glob: `${context.scope}/**` }],
      mode: 'enforce',
      // One authority per key: an image passes when any of them verifies. No `ctlog` entry: a
      // key authority without one skips the transparency log, as these signatures are offline.
      authorities: context.keys.map((key) => ({
        name: key.file.replace(/^keys\/|\.pub$/g, ''),
        key: { data: key.publicKey.trimEnd(), hashAlgorithm: 'sha256' },
      })),
    },
  };
  return yamlFile(
    `${KIT_PATHS.policyController}/cluster-image-policy.yaml`,
    [
      `sigstore policy-controller: images under ${context.scope}/ must be signed by the vendor.`,
      'Takes effect in namespaces labelled policy.sigstore.dev/include=true.',
      'No ctlog is set on purpose: the signatures are made offline, without a transparency log.',
    ].join('\n'),
    policy,
  );
}
