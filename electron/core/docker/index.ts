import type Docker from 'dockerode';
import type { Readable } from 'node:stream';
import type { DockerStatus, LocalImage } from '../../../shared/contract';
import { ConsignError } from '../errors';

const REQUEST_TIMEOUT_MS = 15_000;

export interface DockerEndpoint {
  /** As the user would write it in DOCKER_HOST. */
  display: string;
  options: Docker.DockerOptions;
}

/** Reads DOCKER_HOST the way the docker CLI does (unix://, tcp://, npipe://). */
export function dockerEndpoint(env: NodeJS.ProcessEnv = process.env): DockerEndpoint {
  const raw = env.DOCKER_HOST?.trim();
  const fallback =
    process.platform === 'win32' ? 'npipe:////./pipe/docker_engine' : 'unix:///var/run/docker.sock';
  const display = raw || fallback;
  if (display.startsWith('unix://')) {
    return { display, options: { socketPath: display.slice('unix://'.length) } };
  }
  if (display.startsWith('npipe://')) {
    return { display, options: { socketPath: display.slice('npipe://'.length) } };
  }
  const match = /^(tcp|http|https):\/\/([^:/]+|\[[^\]]+\])(?::(\d+))?\/?$/.exec(display);
  if (!match) {
    throw new ConsignError(
      'BAD_INPUT',
      `DOCKER_HOST "${display}" is not an address Consign understands.`,
      {
        remedy: 'Use unix:///path/to/docker.sock or tcp://host:port.',
      },
    );
  }
  const secure = match[1] === 'https' || env.DOCKER_TLS_VERIFY === '1';
  return {
    display,
    options: {
      protocol: secure ? 'https' : 'http',
      host: match[2]!.replace(/^\[|\]$/g, ''),
      port: Number(match[3] ?? (secure ? 2376 : 2375)),
    },
  };
}

const unavailableRemedy = (endpoint: string) =>
  `Start the Docker engine (for example \`sudo systemctl start docker\`), or point DOCKER_HOST at a running one. Tried ${endpoint}.`;

/** The local Docker engine: what images it holds, and whether it is there at all. */
export class DockerEngine {
  readonly endpoint: DockerEndpoint;
  #client: Promise<Docker> | undefined;
  #streamingClient: Promise<Docker> | undefined;

  constructor(env: NodeJS.ProcessEnv = process.env) {
    this.endpoint = dockerEndpoint(env);
  }

  /** dockerode is loaded on first use: most commands never talk to Docker. */
  #docker(): Promise<Docker> {
    this.#client ??= import('dockerode').then(
      ({ default: Docker }) =>
        new Docker({ ...this.endpoint.options, timeout: REQUEST_TIMEOUT_MS }),
    );
    return this.#client;
  }

  /**
   * A client without the request timeout, for exports: Docker may take longer than that to send
   * the first byte of a large image's tarball.
   */
  #streamingDocker(): Promise<Docker> {
    this.#streamingClient ??= import('dockerode').then(
      ({ default: Docker }) => new Docker({ ...this.endpoint.options }),
    );
    return this.#streamingClient;
  }

  #unavailable(cause: unknown): ConsignError {
    return new ConsignError(
      'DOCKER_UNAVAILABLE',
      `The Docker engine at ${this.endpoint.display} is not reachable.`,
      { remedy: unavailableRemedy(this.endpoint.display), cause },
    );
  }

  async status(): Promise<DockerStatus> {
    try {
      const version = await (await this.#docker()).version();
      return {
        state: 'ok',
        endpoint: this.endpoint.display,
        reachable: true,
        version: version.Version,
        apiVersion: version.ApiVersion,
        os: version.Os,
        arch: version.Arch,
        message: `Docker Engine ${version.Version} is running.`,
      };
    } catch (cause) {
      const error = this.#unavailable(cause);
      return {
        state: 'error',
        endpoint: this.endpoint.display,
        reachable: false,
        message: error.message,
        ...(error.remedy === undefined ? {} : { remedy: error.remedy }),
      };
    }
  }

  /** One row per tag (an untagged image is one `<none>:<none>` row), newest first. */
  async listImages(options: { all?: boolean } = {}): Promise<LocalImage[]> {
    let images: Docker.ImageInfo[];
    try {
      images = await (await this.#docker()).listImages({ all: options.all ?? false });
    } catch (cause) {
      throw this.#unavailable(cause);
    }
    const rows: LocalImage[] = [];
    for (const image of images) {
      const tags = (image.RepoTags ?? []).filter((tag) => tag !== '<none>:<none>');
      const created = new Date(image.Created * 1000).toISOString();
      const base = {
        id: image.Id,
        repoDigests: (image.RepoDigests ?? []).filter((d) => !d.startsWith('<none>')),
        size: image.Size,
        created,
      };
      if (tags.length === 0) {
        rows.push({ ref: '<none>:<none>', repository: '<none>', tag: '<none>', ...base });
        continue;
      }
      for (const ref of tags) {
        const split = ref.lastIndexOf(':');
        rows.push({ ref, repository: ref.slice(0, split), tag: ref.slice(split + 1), ...base });
      }
    }
    return rows.sort((a, b) => b.created.localeCompare(a.created) || a.ref.localeCompare(b.ref));
  }

  /** The image's details as `docker image inspect` shows them; NOT_FOUND when there is none. */
  async inspectImage(name: string): Promise<Docker.ImageInspectInfo> {
    try {
      return await (await this.#docker()).getImage(name).inspect();
    } catch (cause) {
      throw this.#imageError(name, cause);
    }
  }

  /** The image as a `docker save` tarball, streamed (the caller must consume or destroy it). */
  async exportImage(name: string): Promise<Readable> {
    try {
      return (await (await this.#streamingDocker()).getImage(name).get()) as Readable;
    } catch (cause) {
      throw this.#imageError(name, cause);
    }
  }

  #imageError(name: string, cause: unknown): ConsignError {
    const status = (cause as { statusCode?: unknown } | null)?.statusCode;
    if (status === 404) {
      return new ConsignError('NOT_FOUND', `The Docker engine has no image ${name}.`, {
        remedy:
          'Check the name with `docker images` (or `consign images`), or build or pull it first.',
        cause,
      });
    }
    if (typeof status === 'number') {
      return new ConsignError(
        'DOCKER_UNAVAILABLE',
        `The Docker engine at ${this.endpoint.display} refused to read image ${name} (HTTP ${status}).`,
        { remedy: "Check the Docker engine's log, then retry.", cause },
      );
    }
    return this.#unavailable(cause);
  }
}
