import Docker from 'dockerode';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A client for the engine named by DOCKER_HOST (set by the test runner), as the docker CLI reads it. */
export function dockerClient(host = process.env.DOCKER_HOST): Docker {
  if (!host) {
    throw new Error('DOCKER_HOST is not set: the end-to-end tests need a running Docker engine.');
  }
  if (host.startsWith('unix://')) return new Docker({ socketPath: host.slice('unix://'.length) });
  const url = new URL(host.replace(/^tcp:/, 'http:'));
  return new Docker({
    protocol: url.protocol === 'https:' ? 'https' : 'http',
    host: url.hostname,
    port: Number(url.port || (url.protocol === 'https:' ? 2376 : 2375)),
  });
}

export interface BuiltImage {
  repository: string;
  tag: string;
  ref: string;
  /** `sha256:<hex>`, from the engine. */
  id: string;
  /** Bytes, as the engine reports the image's size. */
  size: number;
  /** ISO 8601, from the engine. */
  created: string;
  remove(): Promise<void>;
}

/**
 * Builds a tiny, uniquely tagged image `FROM scratch` holding one file of `payloadBytes` random
 * bytes, so its size is known and no base image or registry is needed.
 */
export function buildTestImage(
  docker: Docker,
  options: { repositoryPrefix: string; payloadBytes: number },
): Promise<BuiltImage> {
  return buildImageFromFiles(docker, {
    repositoryPrefix: options.repositoryPrefix,
    files: { 'payload.bin': randomBytes(options.payloadBytes) },
  });
}

/**
 * Builds a uniquely tagged image `FROM scratch` holding exactly `files` (name → content), each
 * at `/<name>`: known content for checks of what an image holds, with no base image needed.
 */
export async function buildImageFromFiles(
  docker: Docker,
  options: { repositoryPrefix: string; files: Record<string, string | Buffer> },
): Promise<BuiltImage> {
  const unique = randomBytes(5).toString('hex');
  const repository = `${options.repositoryPrefix}-${unique}`;
  const tag = `t${Date.now().toString(36)}`;
  const ref = `${repository}:${tag}`;
  const names = Object.keys(options.files);
  const context = await mkdtemp(join(tmpdir(), 'consign-e2e-build-'));
  try {
    for (const name of names) await writeFile(join(context, name), options.files[name]!);
    await writeFile(
      join(context, 'Dockerfile'),
      `FROM scratch\n${names.map((name) => `COPY ${name} /${name}\n`).join('')}LABEL org.opencontainers.image.title="consign e2e"\n`,
    );
    const stream = await docker.buildImage(
      { context, src: ['Dockerfile', ...names] },
      { t: ref, rm: true, forcerm: true },
    );
    const messages = await new Promise<{ error?: string; errorDetail?: { message?: string } }[]>(
      (resolve, reject) =>
        docker.modem.followProgress(stream, (error: Error | null, result: unknown[]) =>
          error ? reject(error) : resolve(result as { error?: string }[]),
        ),
    );
    const failure = messages.find((message) => message.error || message.errorDetail);
    if (failure) {
      throw new Error(`docker build failed: ${failure.errorDetail?.message ?? failure.error}`);
    }
  } finally {
    await rm(context, { recursive: true, force: true });
  }
  const image = docker.getImage(ref);
  const info = await image.inspect();
  return {
    repository,
    tag,
    ref,
    id: info.Id,
    size: info.Size,
    created: info.Created,
    remove: () => removeImage(docker, ref),
  };
}

/** Removes an image by reference; an image that is already gone is fine. */
export async function removeImage(docker: Docker, ref: string): Promise<void> {
  try {
    await docker.getImage(ref).remove({ force: true });
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode !== 404) throw error;
  }
}
