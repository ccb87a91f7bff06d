// OPA Gatekeeper ConstraintTemplates (templates.gatekeeper.sh/v1) with Rego, and the Constraints
// (constraints.gatekeeper.sh/v1beta1) that apply them: the same presets as the Kyverno ones.
import { KIT_PATHS, kitLabels, yamlFile, type KitContext, type KitFile } from './model';

/** Namespaces the constraints leave alone: the cluster's own, and Gatekeeper's. */
export const GATEKEEPER_EXEMPT = ['kube-system', 'gatekeeper-system'];

/** Every container of the reviewed Pod, whatever its kind. */
const CONTAINERS_REGO = `
input_containers[c] {
  c := input.review.object.spec.containers[_]
}

input_containers[c] {
  c := input.review.object.spec.initContainers[_]
}

input_containers[c] {
  c := input.review.object.spec.ephemeralContainers[_]
}`;

export interface GatekeeperPreset {
  /** CamelCase kind the template defines; its package and template name are the lower case. */
  kind: string;
  title: string;
  rego: string;
  /** openAPIV3Schema properties of the constraint's parameters. */
  parameters?: Record<string, unknown>;
  /** The constraint's parameter values. */
  values?: Record<string, unknown>;
  constraintName: string;
}

export function gatekeeperPresets(context: KitContext): GatekeeperPreset[] {
  return [
    {
      kind: 'ConsignNoPrivileged',
      title: 'No privileged containers',
      constraintName: 'consign-no-privileged',
      rego: `violation[{"msg": msg}] {
  c := input_containers[_]
  c.securityContext.privileged == true
  msg := sprintf("container %v runs privileged", [c.name])
}
${CONTAINERS_REGO}`,
    },
    {
      kind: 'ConsignNoHostNamespaces',
      title: 'No host network, PID or IPC namespace',
      constraintName: 'consign-no-host-namespaces',
      rego: `violation[{"msg": msg}] {
  field := ["hostNetwork", "hostPID", "hostIPC"][_]
  input.review.object.spec[field] == true
  msg := sprintf("the pod sets %v: it would share the host's namespace", [field])
}`,
    },
    {
      kind: 'ConsignNoHostPath',
      title: 'No hostPath volumes',
      constraintName: 'consign-no-host-path',
      rego: `violation[{"msg": msg}] {
  volume := input.review.object.spec.volumes[_]
  volume.hostPath
  msg := sprintf("volume %v mounts a path of the host", [volume.name])
}`,
    },
    {
      kind: 'ConsignRunAsNonRoot',
      title: 'Containers run as non-root',
      constraintName: 'consign-run-as-non-root',
      rego: `violation[{"msg": msg}] {
  c := input_containers[_]
  not runs_as_non_root(c)
  msg := sprintf("container %v does not set runAsNonRoot: true (on itself or on the pod)", [c.name])
}

runs_as_non_root(c) {
  c.securityContext.runAsNonRoot == true
}

# The pod's setting holds unless the container turns it off.
runs_as_non_root(c) {
  not c.securityContext.runAsNonRoot == false
  input.review.object.spec.securityContext.runAsNonRoot == true
}
${CONTAINERS_REGO}`,
    },
    {
      kind: 'ConsignAllowedImages',
      title: 'Images only from the vendor namespace, pinned by digest',
      constraintName: `consign-allowed-images-${context.slug}`,
      parameters: {
        prefixes: {
          type: 'array',
          description: 'Image name prefixes allowed, each ending in a slash.',
          items: { type: 'string' },
        },
      },
      values: { prefixes: [`${context.scope}/`] },
      rego: `violation[{"msg": msg}] {
  c := input_containers[_]
  not allowed(c.image)
  msg := sprintf("container %v uses %v: images must come from %v and be pinned by digest", [c.name, c.image, input.parameters.prefixes])
}

allowed(image) {
  prefix := input.parameters.prefixes[_]
  startswith(image, prefix)
  regex.match("@sha256:[a-f0-9]{64}$", image)
}
${CONTAINERS_REGO}`,
    },
  ];
}

/** `package` line first, as Gatekeeper requires, then the rules. */
export function regoOf(preset: GatekeeperPreset): string {
  return `package ${preset.kind.toLowerCase()}\n\n${preset.rego.trim()}\n`;
}

export function gatekeeperFiles(context: KitContext): KitFile[] {
  const files: KitFile[] = [];
  for (const preset of gatekeeperPresets(context)) {
    const name = preset.kind.toLowerCase();
    files.push(
      yamlFile(
        `${KIT_PATHS.gatekeeperTemplates}/${name}.yaml`,
        `Gatekeeper template: ${preset.title}. Apply the templates before the constraints.`,
        {
          apiVersion: 'templates.gatekeeper.sh/v1',
          kind: 'ConstraintTemplate',
          metadata: { name, labels: kitLabels(context) },
          spec: {
            crd: {
              spec: {
                names: { kind: preset.kind },
                ...(preset.parameters
                  ? {
                      validation: {
                        openAPIV3Schema: { type: 'object', properties: preset.parameters },
                      },
                    }
                  : {}),
              },
            },
            targets: [{ target: 'admission.k8s.gatekeeper.sh', rego: regoOf(preset) }],
          },
        },
      ),
      yamlFile(
        `${KIT_PATHS.gatekeeperConstraints}/${name}.yaml`,
        `Gatekeeper constraint: ${preset.title}.\nenforcementAction dryrun reports violations; set it to deny to block them.`,
        {
          apiVersion: 'constraints.gatekeeper.sh/v1beta1',
          kind: preset.kind,
          metadata: { name: preset.constraintName, labels: kitLabels(context) },
          spec: {
            enforcementAction: 'dryrun',
            match: {
              kinds: [{ apiGroups: [''], kinds: ['Pod'] }],
              excludedNamespaces: GATEKEEPER_EXEMPT,
            },
            ...(preset.values ? { parameters: preset.values } : {}),
          },
        },
      ),
    );
  }
  return files;
}
