import { createHash, randomBytes } from 'node:crypto';

/** A blob or manifest as pushed: its bytes, digest and media type. */
export interface Pushed {
  digest: string;
  size: number;
  mediaType: string;
}

function digestOf(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/**
 * Pushes hand-made images straight to a plain-HTTP registry without authentication (the test
 * environment's plain registry), through the distribution API, so a spec can set up exactly the
 * manifests, indexes and signatures it needs to look at.
 */
export class PlainRegistry {
  constructor(readonly host: string) {}

  async pushBlob(repository: string, bytes: Buffer, mediaType: string): Promise<Pushed> {
    const digest = digestOf(bytes);
    const start = await fetch(`http://${this.host}/v2/${repository}/blobs/uploads/`, {
      method: 'POST',
    });
    if (start.status !== 202) throw new Error(`starting an upload: HTTP ${start.status}`);
    const location = new URL(start.headers.get('location')!, `http://${this.host}`);
    location.searchParams.set('digest', digest);
    const put = await fetch(location, {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream' },
      body: bytes,
    });
    if (put.status !== 201) throw new Error(`uploading ${digest}: HTTP ${put.status}`);
    return { digest, size: bytes.length, mediaType };
  }

  async pushManifest(
    repository: string,
    reference: string | null,
    manifest: Record<string, unknown>,
  ): Promise<Pushed> {
    const bytes = Buffer.from(JSON.stringify(manifest));
    const digest = digestOf(bytes);
    const mediaType = String(manifest.mediaType);
    const response = await fetch(
      `http://${this.host}/v2/${repository}/manifests/${reference ?? digest}`,
      { method: 'PUT', headers: { 'content-type': mediaType }, body: bytes },
    );
    if (response.status !== 201) {
      throw new Error(
        `pushing manifest ${digest}: HTTP ${response.status} ${await response.text()}`,
      );
    }
    return { digest, size: bytes.length, mediaType };
  }

  /** A one-layer OCI image of random bytes for `platform`, pushed by digest or at `tag`. */
  async pushImage(
    repository: string,
    platform: { os: string; architecture: string; variant?: string },
    layerBytes: number,
    tag: string | null = null,
  ) {
    const config = await this.pushBlob(
      repository,
      Buffer.from(JSON.stringify({ ...platform, rootfs: { type: 'layers', diff_ids: [] } })),
      'application/vnd.oci.image.config.v1+json',
    );
    const layer = await this.pushBlob(
      repository,
      randomBytes(layerBytes),
      'application/vnd.oci.image.layer.v1.tar+gzip',
    );
    const manifest = await this.pushManifest(repository, tag, {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config,
      layers: [layer],
    });
    return { manifest, config, layer };
  }
}
