import { describe, expect, it } from 'vitest';
import { ConsignError } from '../errors';
import { parseManifest, type Digest } from '../oci';
import { choosePlatform, platformTarget, subjectKey } from './identity';

const digest = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}` as Digest;
const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

function index(platforms: { os: string; architecture: string; variant?: string }[]) {
  return parseManifest(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: platforms.map((platform, i) => ({
          mediaType: MANIFEST,
          digest: digest(i + 1),
          size: 100,
          platform,
        })),
      }),
    ),
    undefined,
    'test index',
  );
}

describe('scan identity', () => {
  it('keys manifests by digest and engine images by id and platform', () => {
    expect(subjectKey({ kind: 'manifest', digest: digest(1) })).toBe(`manifest ${digest(1)}`);
    expect(subjectKey({ kind: 'docker-image', id: digest(2), platform: 'linux/arm64' })).toBe(
      `docker-image ${digest(2)} linux/arm64`,
    );
    expect(platformTarget('linux/arm64')).toBe('linux/arm64');
    expect(platformTarget(undefined)).toMatch(/^linux\//);
  });

  it("chooses the platform asked for, else this machine's, from an index alone", () => {
    const root = index([
      { os: 'unknown', architecture: 'unknown' },
      { os: 'linux', architecture: 'arm', variant: 'v7' },
      { os: 'linux', architecture: 'arm64' },
      { os: 'linux', architecture: 'amd64' },
    ]);
    expect(choosePlatform(root, 'linux/arm64').digest).toBe(digest(3));
    expect(choosePlatform(root, 'linux/arm/v7').digest).toBe(digest(2));
    const mine = choosePlatform(root, undefined);
    expect(mine.descriptor?.platform?.os).toBe('linux');
    // Attestation manifests (unknown/unknown) are never chosen, even as the fallback.
    expect(
      choosePlatform(
        index([
          { os: 'unknown', architecture: 'unknown' },
          { os: 'linux', architecture: 's390x' },
        ]),
        undefined,
      ).digest,
    ).toBe(digest(2));
  });

  it('refuses a platform the index lacks, listing those it has', () => {
    const root = index([{ os: 'linux', architecture: 'amd64' }]);
    let error: unknown;
    try {
      choosePlatform(root, 'linux/riscv64');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConsignError);
    expect((error as ConsignError).code).toBe('BAD_INPUT');
    expect((error as ConsignError).remedy).toContain('linux/amd64');
  });
});
