// Kyverno ClusterPolicies (kyverno.io/v1): one that admits the vendor's images only with a valid
// signature, and deployment-policy presets that keep workloads off the host.
import { KIT_PATHS, kitLabels, yamlFile, type KitContext, type KitFile } from './model';

/** Namespaces the presets leave alone: the cluster's own, and the policy engine's. */
export const SYSTEM_NAMESPACES = ['kube-system', 'kyverno'];

function clusterPolicy(
  context: KitContext,
  name: string,
  title: string,
  category: string,
  description: string,
  spec: Record<string, unknown>,
) {
  return {
    apiVersion: 'kyverno.io/v1',
    kind: 'ClusterPolicy',
    metadata: {
      name,
      labels: kitLabels(context),
      annotations: {
        'policies.kyverno.io/title': title,
        'policies.kyverno.io/category': category,
        'policies.kyverno.io/subject': 'Pod',
        'policies.kyverno.io/description': description,
      },
    },
    spec,
  };
}

const pods = { any: [{ resources: { kinds: ['Pod'] } }] };
const notSystem = { any: [{ resources: { namespaces: SYSTEM_NAMESPACES } }] };

/** Applies one container-level pattern to every kind of container a Pod has. */
function everyContainer(pattern: Record<string, unknown>) {
  return {
    '=(ephemeralContainers)': [pattern],
    '=(initContainers)': [pattern],
    containers: [pattern],
  };
}

export function kyvernoVerifyImages(context: KitContext): KitFile {
  const policy = clusterPolicy(
    context,
    `consign-verify-${context.slug}`,
    'Verify vendor image signatures',
    'Supply Chain Security',
    `Admits images under ${context.scope}/ only when they carry a valid cosign signature by one of the vendor's keys, and pins them by digest.`,
    {
      validationFailureAction: 'Enforce',
      background: false,
      webhookTimeoutSeconds: 30,
      rules: [
        {
          name: 'verify-vendor-signature',
          match: pods,
          verifyImages: [
            {
              imageReferences: [`${context.scope}/*`],
              type: 'Cosign',
              required: true,
              mutateDigest: true,
              verifyDigest: true,
              attestors: [
                {
                  // Any one of the vendor's active keys is enough.
                  count: 1,
                  entries: context.keys.map((key) => ({
                    keys: {
                      publicKeys: key.publicKey.trimEnd(),
                      signatureAlgorithm: 'sha256',
                      // Signed offline: there is no transparency log entry or certificate.
                      rekor: { ignoreTlog: true, url: 'https://rekor.sigstore.dev' },
                      ctlog: { ignoreSCT: true },
                    },
                  })),
                },
              ],
            },
          ],
        },
      ],
    },
  );
  return yamlFile(
    `${KIT_PATHS.kyverno}/verify-images.yaml`,
    [
      `Kyverno: images under ${context.scope}/ must be signed by the vendor.`,
      `Keys: ${context.keys.map((key) => `${key.name} (SHA-256 ${key.fingerprint})`).join(', ')}.`,
    ].join('\n'),
    policy,
  );
}

interface Preset {
  file: string;
  name: string;
  title: string;
  description: string;
  message: string;
  validate: Record<string, unknown>;
}

function presets(context: KitContext): Preset[] {
  const pinned = `${context.scope}/*@sha256:*`;
  return [
    {
      file: 'disallow-privileged.yaml',
      name: 'consign-disallow-privileged',
      title: 'Disallow privileged containers',
      description: "Privileged containers have the host's devices and capabilities.",
      message: 'Privileged containers are not allowed.',
      validate: {
        pattern: { spec: everyContainer({ '=(securityContext)': { '=(privileged)': 'false' } }) },
      },
    },
    {
      file: 'disallow-host-namespaces.yaml',
      name: 'consign-disallow-host-namespaces',
      title: 'Disallow host namespaces',
      description: "Sharing the host's network, process or IPC namespace exposes the node.",
      message: 'hostNetwork, hostPID and hostIPC must be unset or false.',
      validate: {
        pattern: {
          spec: { '=(hostNetwork)': 'false', '=(hostPID)': 'false', '=(hostIPC)': 'false' },
        },
      },
    },
    {
      file: 'disallow-host-path.yaml',
      name: 'consign-disallow-host-path',
      title: 'Disallow hostPath volumes',
      description: "hostPath volumes read and write the node's file system.",
      message: 'hostPath volumes are not allowed.',
      validate: { pattern: { spec: { '=(volumes)': [{ 'X(hostPath)': 'null' }] } } },
    },
    {
      file: 'require-run-as-non-root.yaml',
      name: 'consign-require-run-as-non-root',
      title: 'Require containers to run as non-root',
      description:
        "Every container must set runAsNonRoot: true, itself or through the Pod's securityContext (a container may not set it to false).",
      message: 'Set runAsNonRoot: true on the Pod or on every container.',
      validate: {
        anyPattern: [
          {
            spec: {
              securityContext: { runAsNonRoot: true },
              ...everyContainer({ '=(securityContext)': { '=(runAsNonRoot)': true } }),
            },
          },
          { spec: everyContainer({ securityContext: { runAsNonRoot: true } }) },
        ],
      },
    },
    {
      file: 'restrict-image-source.yaml',
      name: `consign-restrict-images-${context.slug}`,
      title: "Allow only the vendor's images, pinned by digest",
      description: `Every container image must come from ${context.scope}/ and name its digest (verify-images.yaml pins tags to digests before this check runs).`,
      message: `Images must be ${context.scope}/NAME@sha256:DIGEST.`,
      validate: { pattern: { spec: everyContainer({ image: pinned }) } },
    },
  ];
}

/** The presets as separate files, in Audit mode: see the README for turning them to Enforce. */
export function kyvernoPresets(context: KitContext): KitFile[] {
  return presets(context).map((preset) =>
    yamlFile(
      `${KIT_PATHS.kyverno}/${preset.file}`,
      `Kyverno deployment-policy preset: ${preset.title}.\nAudit reports violations; set validationFailureAction: Enforce to block them.`,
      clusterPolicy(context, preset.name, preset.title, 'Pod Security', preset.description, {
        validationFailureAction: 'Audit',
        background: true,
        rules: [
          {
            name: preset.name.replace(/^consign-/, ''),
            match: pods,
            exclude: notSystem,
            validate: { message: preset.message, ...preset.validate },
          },
        ],
      }),
    ),
  );
}
