import { ConsignError } from '../errors';

/** What the registry said in its JSON error body, shortened and stripped of control characters. */
export function registryErrorDetail(body: Buffer | undefined): string | undefined {
  if (!body || body.length === 0) return undefined;
  let detail: string | undefined;
  try {
    const json = JSON.parse(body.toString('utf8')) as {
      errors?: { code?: unknown; message?: unknown }[];
    };
    const parts = (json.errors ?? [])
      .map((e) =>
        [typeof e.code === 'string' ? e.code : '', typeof e.message === 'string' ? e.message : '']
          .filter(Boolean)
          .join(': '),
      )
      .filter(Boolean);
    if (parts.length > 0) detail = parts.join('; ');
  } catch {
    // Not JSON: a proxy's or load balancer's page; its first line is still a useful hint.
    detail = body.toString('utf8').split('\n')[0];
  }
  if (!detail) return undefined;
  // eslint-disable-next-line no-control-regex
  const clean = detail.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return clean.length > 200 ? `${clean.slice(0, 200)}…` : clean || undefined;
}

/** The first error code in a registry's JSON error body (MANIFEST_UNKNOWN, …). */
export function registryErrorCode(body: Buffer | undefined): string | undefined {
  if (!body || body.length === 0) return undefined;
  try {
    const json = JSON.parse(body.toString('utf8')) as { errors?: { code?: unknown }[] };
    const code = json.errors?.[0]?.code;
    return typeof code === 'string' ? code : undefined;
  } catch {
    return undefined;
  }
}

const reachRemedy =
  'Check the registry address and port, the network between here and there, and that the registry is running; then try again.';

export function unreachable(host: string, detail: string, cause?: unknown): ConsignError {
  return new ConsignError(
    'REGISTRY_UNAVAILABLE',
    `The registry ${host} is unreachable: ${detail}.`,
    {
      remedy: reachRemedy,
      cause,
    },
  );
}

export function unavailableAfterRetries(
  host: string,
  what: string,
  detail: string,
  attempts: number,
  cause?: unknown,
): ConsignError {
  return new ConsignError(
    'REGISTRY_UNAVAILABLE',
    `The registry ${host} kept failing to ${what}: ${detail} (${attempts} attempt${attempts === 1 ? '' : 's'}).`,
    {
      remedy:
        'The registry or the network is struggling; try again later. Nothing half-written is trusted: a new attempt resumes or starts over safely.',
      cause,
    },
  );
}

export function tlsFailure(host: string, code: string, cause?: unknown): ConsignError {
  const certificate =
    /CERT|SIGNATURE|ISSUER|SELF_SIGNED|ALTNAME/.test(code) ||
    code === 'ERR_TLS_CERT_ALTNAME_INVALID';
  return new ConsignError(
    'REGISTRY_UNAVAILABLE',
    certificate
      ? `The TLS certificate of ${host} could not be verified (${code}).`
      : `No TLS connection could be made to ${host} (${code}).`,
    {
      remedy: certificate
        ? `If the registry uses a private CA, give its certificate (the CA file in Settings → Registries, or consign login ${host} --ca-file CA.pem). TLS is always verified.`
        : `Check that ${host} speaks HTTPS on that port; a registry on a trusted private network that only speaks plain HTTP must be marked as plain HTTP (in Settings → Registries, or --insecure-http).`,
      cause,
    },
  );
}

export function refusedCredentials(host: string, username: string | undefined): ConsignError {
  return new ConsignError(
    'CHECK_FAILED',
    `The registry ${host} refused the credentials${username ? ` for ${username}` : ''}.`,
    {
      remedy: `Log in to ${host} again with the right username and password: Settings → Registries in the app, or \`consign login ${host} --username USER --password-stdin\`.`,
    },
  );
}

export function credentialsRequired(host: string, action: string, repository: string) {
  return new ConsignError(
    'CHECK_FAILED',
    `The registry ${host} requires credentials to ${action} ${repository}.`,
    {
      remedy: `Log in to ${host} first: Settings → Registries in the app, or \`consign login ${host} --username USER --password-stdin\`.`,
    },
  );
}

export function notAllowed(
  host: string,
  action: string,
  repository: string,
  username: string | undefined,
): ConsignError {
  return new ConsignError(
    'CHECK_FAILED',
    `${username ? `The account ${username} is` : 'This client is'} not allowed to ${action} ${repository} on ${host}.`,
    {
      remedy: `Ask the registry's administrator for ${action} permission on ${repository}, or log in as an account that has it (Settings → Registries, or consign login ${host}).`,
    },
  );
}

export function rejected(
  host: string,
  what: string,
  status: number,
  body: Buffer | undefined,
): ConsignError {
  const detail = registryErrorDetail(body);
  return new ConsignError(
    'CHECK_FAILED',
    `The registry ${host} refused to ${what} (HTTP ${status}${detail ? `: ${detail}` : ''}).`,
    {
      remedy:
        status === 405
          ? 'The registry does not allow this operation (it may be read-only or have deletes disabled).'
          : 'Check the repository name and the content being pushed; the registry explained what it rejected above.',
    },
  );
}

/** The registry broke the protocol or its own promises (wrong digest, wrong size, …). */
export function misbehaved(host: string, detail: string): ConsignError {
  return new ConsignError('CHECK_FAILED', `The registry ${host} ${detail}.`, {
    remedy:
      'Nothing it sent was trusted. Try again; if it persists, the registry or something between it and you is altering data.',
  });
}

export function notFound(host: string, what: string, body: Buffer | undefined): ConsignError {
  const code = registryErrorCode(body);
  return new ConsignError(
    'NOT_FOUND',
    `${what} was not found on ${host}${code ? ` (${code})` : ''}.`,
    {
      remedy: 'Check the repository, tag or digest, and that the account may see it.',
    },
  );
}
