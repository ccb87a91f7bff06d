// Credentials from the user's Docker configuration, a read-only fallback for registries the
// workspace has no login for: credential helpers (`credHelpers`, `credsStore`) and `auths`.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ConsignError } from '../errors';
import type { Credentials } from './auth';

const DOCKER_HUB_ALIASES = ['docker.io', 'index.docker.io', 'registry-1.docker.io'];
/** What Docker hands a credential helper for Docker Hub. */
const DOCKER_HUB_SERVER = 'https://index.docker.io/v1/';
/** A helper that hangs (a locked store asking for a PIN nobody sees) must not hang us. */
const HELPER_TIMEOUT_MS = 15_000;
const MAX_HELPER_OUTPUT = 64 * 1024;
/** Helper names become part of an executable's name: nothing that could reach another path. */
const HELPER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

interface DockerConfig {
  auths?: Record<string, { auth?: unknown; username?: unknown; password?: unknown }>;
  credsStore?: unknown;
  credHelpers?: Record<string, unknown>;
}

/** `HOST[:PORT]` of a config key, which may carry a scheme and a path (`https://host/v1/`). */
function hostOfKey(key: string): string {
  return (
    key
      .trim()
      .toLowerCase()
      .replace(/^[a-z][a-z0-9+.-]*:\/\//, '')
      .split('/')[0] ?? ''
  );
}

function readConfig(env: NodeJS.ProcessEnv): DockerConfig | undefined {
  const dir = env.DOCKER_CONFIG || join(env.HOME || homedir(), '.docker');
  try {
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as unknown;
    return typeof config === 'object' && config !== null ? (config as DockerConfig) : undefined;
  } catch {
    // Unreadable or malformed files count as no credentials, as for a missing file.
    return undefined;
  }
}

function fromAuths(config: DockerConfig, wanted: string[]): Credentials | undefined {
  if (typeof config.auths !== 'object' || config.auths === null) return undefined;
  for (const [key, entry] of Object.entries(config.auths)) {
    if (!wanted.includes(hostOfKey(key)) || !entry || typeof entry !== 'object') continue;
    if (typeof entry.auth === 'string' && entry.auth) {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0) {
        return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
      }
    }
    if (
      typeof entry.username === 'string' &&
      typeof entry.password === 'string' &&
      entry.username
    ) {
      return { username: entry.username, password: entry.password };
    }
  }
  return undefined;
}

/** The helper Docker would ask for `wanted`: a per-registry `credHelpers` entry, else `credsStore`. */
function helperFor(config: DockerConfig, wanted: string[]): string | undefined {
  if (typeof config.credHelpers === 'object' && config.credHelpers !== null) {
    for (const [key, name] of Object.entries(config.credHelpers)) {
      if (wanted.includes(hostOfKey(key)) && typeof name === 'string' && name) return name;
    }
  }
  return typeof config.credsStore === 'string' && config.credsStore ? config.credsStore : undefined;
}

/**
 * Asks `docker-credential-<name> get` for a server's credentials (Docker's credential helper
 * protocol: the server on stdin, `{ServerURL, Username, Secret}` on stdout). Undefined when the
 * helper is not installed or has nothing for the server; a helper that fails otherwise is an
 * environment error that names the helper but never repeats what it printed (it may hold secrets).
 */
export function credentialHelperGet(
  name: string,
  server: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Credentials | undefined> {
  const program = `docker-credential-${name}`;
  if (!HELPER_NAME.test(name)) {
    return Promise.reject(
      new ConsignError(
        'BAD_INPUT',
        `The Docker credential helper name "${name.slice(0, 80)}" is not valid.`,
        {
          remedy: 'Fix credsStore or credHelpers in your Docker config.json.',
        },
      ),
    );
  }
  return new Promise((done, fail) => {
    const child = spawn(program, ['get'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let size = 0;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, HELPER_TIMEOUT_MS);
    child.stdout.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_HELPER_OUTPUT) out.push(chunk);
    });
    // Drained and ignored: helpers print secrets or noise there as often as reasons.
    child.stderr.resume();
    child.stdin.on('error', () => undefined);
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (error.code === 'ENOENT') done(undefined);
      else fail(helperFailed(program, error.code ?? 'could not be started'));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const text = Buffer.concat(out).toString('utf8');
      if (timedOut)
        return fail(helperFailed(program, `gave no answer in ${HELPER_TIMEOUT_MS / 1000} s`));
      if (code !== 0) {
        // The helpers' documented answer when they hold nothing for the server.
        if (/credentials not found/i.test(text)) return done(undefined);
        return fail(helperFailed(program, `exited with code ${code}`));
      }
      let answer: { Username?: unknown; Secret?: unknown };
      try {
        answer = JSON.parse(text) as typeof answer;
      } catch {
        return fail(helperFailed(program, 'answered with something that is not JSON'));
      }
      if (typeof answer.Username !== 'string' || typeof answer.Secret !== 'string') {
        return fail(helperFailed(program, 'answered without Username and Secret'));
      }
      // "<token>" marks an identity token for an OAuth flow registries here do not use.
      if (!answer.Secret || answer.Username === '<token>') return done(undefined);
      done({ username: answer.Username, password: answer.Secret });
    });
    child.stdin.end(server);
  });
}

function helperFailed(program: string, what: string): ConsignError {
  return new ConsignError(
    'REGISTRY_UNAVAILABLE',
    `The Docker credential helper ${program} ${what}.`,
    {
      remedy: `Check that \`${program} list\` works in a terminal, or log in with \`consign login\` (or in Settings → Registries) so that Consign keeps its own credentials.`,
    },
  );
}

/**
 * Credentials for `host` from Docker's config.json (`$DOCKER_CONFIG/config.json`, else
 * `~/.docker/config.json`), looked up as Docker does: the registry's `credHelpers` entry, else
 * the `credsStore`, else (and when the helper has nothing) the `auths` entries.
 */
export async function dockerConfigCredentials(
  host: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Credentials | undefined> {
  const config = readConfig(env);
  if (!config) return undefined;
  const hub = DOCKER_HUB_ALIASES.includes(host);
  const wanted = hub ? DOCKER_HUB_ALIASES : [host];
  const helper = helperFor(config, wanted);
  if (helper) {
    const found = await credentialHelperGet(helper, hub ? DOCKER_HUB_SERVER : host, env);
    if (found) return found;
  }
  return fromAuths(config, wanted);
}
