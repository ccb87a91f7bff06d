/**
 * Baseline checks in the spirit of the CIS Docker Benchmark's image section (4.x): what the image
 * configuration and its file system say about how safely it was built. Secrets found in the
 * configuration are named, never repeated.
 */
import type { FileView } from './layers';

export type BaselineSeverity = 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW';

export interface BaselineFinding {
  id: string;
  severity: BaselineSeverity;
  title: string;
  remedy: string;
  /** The CIS Docker Benchmark recommendation it follows, when there is one. */
  cis?: string;
  /** What was found: variable names, paths, ports (never a secret's value). */
  details: string[];
}

/** What the checks read of an image configuration (OCI and Docker share these fields). */
export interface ImageConfig {
  config?: {
    User?: string;
    Env?: string[];
    ExposedPorts?: Record<string, unknown>;
    Healthcheck?: { Test?: string[] };
    Labels?: Record<string, string> | null;
  };
  history?: { created_by?: string; empty_layer?: boolean }[];
}

/** Names that hold secrets by convention. */
const SECRET_NAME =
  /(PASSW(OR)?D|PASSPHRASE|SECRET|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIALS?|AUTH)$/i;
/** Ports whose exposure deserves a second look, with what usually listens there. */
const SENSITIVE_PORTS: Record<string, string> = {
  '22': 'SSH',
  '23': 'Telnet',
  '2375': 'Docker API without TLS',
  '2376': 'Docker API',
  '3389': 'RDP',
  '5900': 'VNC',
};
const RECOMMENDED_LABELS = [
  'org.opencontainers.image.source',
  'org.opencontainers.image.version',
  'org.opencontainers.image.revision',
];
/** Paths listed per finding before "and N more". */
const MAX_DETAILS = 50;

function capped(items: string[]): string[] {
  return items.length <= MAX_DETAILS
    ? items
    : [...items.slice(0, MAX_DETAILS), `and ${items.length - MAX_DETAILS} more`];
}

function runsAsRoot(user: string | undefined): boolean {
  const name = (user ?? '').trim().split(':')[0];
  return name === '' || name === 'root' || name === '0';
}

/** `NAME=value` pairs whose name says secret and whose value is not empty. */
function secretNames(pairs: string[]): string[] {
  return pairs.flatMap((pair) => {
    const equals = pair.indexOf('=');
    if (equals <= 0) return [];
    const name = pair.slice(0, equals);
    return SECRET_NAME.test(name) && pair.slice(equals + 1).trim() !== '' ? [name] : [];
  });
}

/** Build arguments as the history records them: `|2 NAME=value NAME2=value /bin/sh -c …`. */
function buildArgs(createdBy: string): string[] {
  const match = /^\|(\d+)\s+(.*)$/s.exec(createdBy.trim());
  if (!match) return [];
  return match[2]!.split(/\s+/).slice(0, Number(match[1]));
}

export function baselineChecks(config: ImageConfig, view: FileView): BaselineFinding[] {
  const findings: BaselineFinding[] = [];
  const settings = config.config ?? {};
  const history = (config.history ?? []).map((h) => h.created_by ?? '');

  if (runsAsRoot(settings.User)) {
    findings.push({
      id: 'CONSIGN-BASE-001',
      severity: 'MEDIUM',
      title: 'The image runs as root',
      remedy: 'Create an unprivileged user in the image and switch to it with USER.',
      cis: '4.1',
      details: [settings.User?.trim() ? `USER ${settings.User}` : 'no USER set'],
    });
  }

  const envSecrets = secretNames(settings.Env ?? []);
  if (envSecrets.length) {
    findings.push({
      id: 'CONSIGN-BASE-002',
      severity: 'HIGH',
      title: 'Secrets in the image environment (ENV)',
      remedy:
        'Pass secrets at run time (an orchestrator secret or a mounted file), never with ENV; rotate the leaked ones.',
      cis: '4.10',
      details: envSecrets.map((name) => `ENV ${name}`),
    });
  }

  const argSecrets = [
    ...new Set(
      history.flatMap((line) => [
        ...secretNames(buildArgs(line)),
        ...secretNames(
          /^\s*(?:\/bin\/sh -c #\(nop\)\s*)?ARG\s+(.*)$/.exec(line)?.[1]?.split(/\s+/) ?? [],
        ),
      ]),
    ),
  ];
  if (argSecrets.length) {
    findings.push({
      id: 'CONSIGN-BASE-003',
      severity: 'HIGH',
      title: 'Secrets in build arguments, kept in the image history',
      remedy:
        'Use build secrets (RUN --mount=type=secret) instead of ARG; the values stay readable in the history. Rotate them.',
      cis: '4.10',
      details: argSecrets.map((name) => `ARG ${name}`),
    });
  }

  const remoteAdds = history.filter((line) => /(^|\s)ADD\s+(--\S+\s+)*https?:\/\//i.test(line));
  if (remoteAdds.length) {
    findings.push({
      id: 'CONSIGN-BASE-004',
      severity: 'MEDIUM',
      title: 'ADD fetches files from a URL at build time',
      remedy:
        'Download with a checksum check (or ADD --checksum) in a build stage, or COPY files that are already verified.',
      cis: '4.9',
      details: remoteAdds.map((line) => line.trim().slice(0, 200)),
    });
  }

  const setid: string[] = [];
  const worldWritable: string[] = [];
  for (const meta of view.files.values()) {
    if (meta.type === 'file' && (meta.mode & 0o6000) !== 0) {
      setid.push(`/${meta.path} (${(meta.mode & 0o4000) !== 0 ? 'setuid' : 'setgid'})`);
    }
    // Sticky folders such as /tmp are meant to be shared.
    const sticky = meta.type === 'directory' && (meta.mode & 0o1000) !== 0;
    if (
      (meta.type === 'file' || meta.type === 'directory') &&
      (meta.mode & 0o002) !== 0 &&
      !sticky
    ) {
      worldWritable.push(`/${meta.path}`);
    }
  }
  if (setid.length) {
    findings.push({
      id: 'CONSIGN-BASE-005',
      severity: 'MEDIUM',
      title: 'Files with setuid or setgid permissions',
      remedy: 'Remove the setuid/setgid bits the application does not need (chmod u-s,g-s).',
      cis: '4.8',
      details: capped(setid.sort()),
    });
  }
  if (worldWritable.length) {
    findings.push({
      id: 'CONSIGN-BASE-006',
      severity: 'MEDIUM',
      title: 'World-writable files or folders',
      remedy: 'Remove write permission for others (chmod o-w), or make shared folders sticky.',
      details: capped(worldWritable.sort()),
    });
  }

  const exposed = Object.keys(settings.ExposedPorts ?? {}).flatMap((spec) => {
    const port = spec.split('/')[0]!;
    const what = SENSITIVE_PORTS[port];
    return what ? [`${spec} (${what})`] : [];
  });
  if (exposed.length) {
    findings.push({
      id: 'CONSIGN-BASE-007',
      severity: 'HIGH',
      title: 'Sensitive ports exposed',
      remedy: 'Do not run remote administration services in application images; remove the EXPOSE.',
      details: exposed,
    });
  }

  const healthcheck = settings.Healthcheck?.Test;
  if (!healthcheck || healthcheck.length === 0 || healthcheck[0] === 'NONE') {
    findings.push({
      id: 'CONSIGN-BASE-008',
      severity: 'LOW',
      title: 'No HEALTHCHECK',
      remedy: 'Add a HEALTHCHECK so the runtime can tell a hung container from a healthy one.',
      cis: '4.6',
      details: [],
    });
  }

  const labels = settings.Labels ?? {};
  const missing = RECOMMENDED_LABELS.filter((label) => !labels[label]);
  if (missing.length) {
    findings.push({
      id: 'CONSIGN-BASE-009',
      severity: 'LOW',
      title: 'Missing OCI labels',
      remedy: 'Label the image with its source, version and revision so it can be traced.',
      details: missing,
    });
  }
  return findings;
}
