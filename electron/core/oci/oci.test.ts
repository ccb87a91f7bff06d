import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ConsignError } from '../errors';
import {
  digestOf,
  formatImageReference,
  MediaType,
  parseImageReference,
  parseManifest,
  VerifyingStream,
} from '.';

const hex = 'a'.repeat(64);

describe('parseImageReference', () => {
  it.each([
    [
      'docker://127.0.0.1:5000/team/app:1.2',
      { registry: '127.0.0.1:5000', repository: 'team/app', tag: '1.2' },
    ],
    ['docker://localhost/app', { registry: 'localhost', repository: 'app', tag: 'latest' }],
    ['docker://busybox', { registry: 'docker.io', repository: 'library/busybox', tag: 'latest' }],
    [
      'docker://registry.example/a/b/c@sha256:' + hex,
      { registry: 'registry.example', repository: 'a/b/c', digest: `sha256:${hex}` },
    ],
    ['docker://[::1]:5000/x:y', { registry: '[::1]:5000', repository: 'x', tag: 'y' }],
  ])('reads %s', (text, expected) => {
    expect(parseImageReference(text)).toEqual({ transport: 'docker', ...expected });
  });

  it('reads the local transports', () => {
    expect(parseImageReference('docker-daemon:app:1')).toEqual({
      transport: 'docker-daemon',
      name: 'app:1',
    });
    expect(parseImageReference('oci:/tmp/layout:rel')).toEqual({
      transport: 'oci',
      path: '/tmp/layout',
      tag: 'rel',
    });
    expect(parseImageReference('oci:/tmp/layout')).toEqual({
      transport: 'oci',
      path: '/tmp/layout',
    });
    expect(parseImageReference('docker-archive:/tmp/a.tar')).toEqual({
      transport: 'docker-archive',
      path: '/tmp/a.tar',
    });
  });

  it.each([
    ['docker://Host.example/App:1', /valid image reference/],
    ['docker://h.example/app:bad tag', /not a valid tag/],
    ['docker://h.example/app@sha256:short', /not a digest/],
    ['docker://h_x.example/app', /registry host|repository/],
    ['quay.io/app:1', /names no transport/],
    ['docker-daemon:', /missing/],
    ['docker://h.example/' + 'a'.repeat(256), /255/],
  ])('refuses %s with a reason and the accepted forms', (text, reason) => {
    let error: unknown;
    try {
      parseImageReference(text);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConsignError);
    expect((error as ConsignError).code).toBe('BAD_INPUT');
    expect((error as ConsignError).message).toMatch(reason);
    expect((error as ConsignError).remedy).toMatch(/docker:\/\//);
  });

  it('writes references back as they are typed', () => {
    for (const text of ['docker://127.0.0.1:5000/a/b:1', 'oci:/x:y', 'docker-daemon:app:1']) {
      expect(formatImageReference(parseImageReference(text))).toBe(text);
    }
  });
});

describe('parseManifest', () => {
  const manifest = {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: { mediaType: MediaType.ociConfig, digest: `sha256:${hex}`, size: 2 },
    layers: [],
  };

  it('keeps the exact bytes and their digest', () => {
    const bytes = Buffer.from(JSON.stringify(manifest, null, 3));
    const parsed = parseManifest(bytes, undefined, 'm');
    expect(parsed.kind).toBe('manifest');
    expect(parsed.digest).toBe(digestOf(bytes));
    expect(parsed.bytes).toBe(bytes);
  });

  it('tells an index from a manifest by content when no media type is given', () => {
    const index = Buffer.from(JSON.stringify({ schemaVersion: 2, manifests: [] }));
    expect(parseManifest(index, undefined, 'i').kind).toBe('index');
  });

  it.each([
    [Buffer.from('{"schemaVersion":1,"name":"x"}'), /schema 1/],
    [Buffer.from('not json'), /not valid JSON/],
    [Buffer.from('[1]'), /malformed|not a JSON object/],
    [
      Buffer.from(JSON.stringify({ ...manifest, config: { digest: 'md5:x' } })),
      /malformed at config/,
    ],
    [
      Buffer.from(JSON.stringify({ ...manifest, mediaType: 'text/plain' })),
      /not an image manifest/,
    ],
    [Buffer.alloc(4 * 1024 * 1024 + 1, 32), /over the 4 MiB limit/],
  ])('refuses bad manifests clearly (%#)', (bytes, reason) => {
    expect(() => parseManifest(bytes, undefined, 'The manifest')).toThrow(reason);
  });

  it('names the first field that departs from the shape, and keeps fields it does not know', () => {
    const layer = { mediaType: MediaType.ociLayerTarGzip, digest: `sha256:${hex}`, size: 3 };
    const refuse = (value: object) =>
      expect(() => parseManifest(Buffer.from(JSON.stringify(value)), undefined, 'M')).toThrow(
        /M is malformed at /,
      );
    const reason = (value: object) => {
      try {
        parseManifest(Buffer.from(JSON.stringify(value)), undefined, 'M');
      } catch (error) {
        return (error as Error).message;
      }
      return 'accepted';
    };
    expect(reason({ ...manifest, layers: [layer, { ...layer, size: -1 }] })).toBe(
      'M is malformed at layers.1.size: expected a non-negative integer.',
    );
    expect(reason({ ...manifest, layers: [{ ...layer, size: 1.5 }] })).toMatch(/layers\.0\.size/);
    expect(reason({ ...manifest, layers: [{ ...layer, annotations: { a: 1 } }] })).toBe(
      'M is malformed at layers.0.annotations.a: expected a string.',
    );
    expect(reason({ ...manifest, annotations: null })).toMatch(
      /at annotations: expected an object/,
    );
    expect(reason({ ...manifest, schemaVersion: 3 })).toMatch(/at schemaVersion: expected 2/);
    expect(reason({ ...manifest, layers: {} })).toMatch(/at layers: expected an array/);
    refuse({ schemaVersion: 2, manifests: [{ ...layer, platform: { os: 'linux' } }] });
    expect(reason({ schemaVersion: 2, manifests: [{ ...layer, digest: 'sha256:abc' }] })).toBe(
      'M is malformed at manifests.0.digest: expected a digest.',
    );

    const extra = { ...manifest, layers: [{ ...layer, 'x-note': 1 }], 'x-top': { a: [1] } };
    const parsed = parseManifest(Buffer.from(JSON.stringify(extra)), undefined, 'M');
    expect(parsed.kind === 'manifest' && parsed.manifest['x-top']).toEqual({ a: [1] });
    expect(parsed.kind === 'manifest' && parsed.manifest.layers[0]!['x-note']).toBe(1);
    const index = parseManifest(
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          manifests: [
            { ...layer, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
          ],
        }),
      ),
      MediaType.ociIndex,
      'I',
    );
    expect(index.kind === 'index' && index.index.manifests[0]!.platform?.variant).toBe('v8');
  });
});

describe('VerifyingStream', () => {
  const data = Buffer.from('the layer content');
  const sink = () => new Writable({ write: (_c, _e, done) => done() });

  it('passes content that matches', async () => {
    await expect(
      pipeline(
        Readable.from([data]),
        new VerifyingStream(digestOf(data), data.length, 'blob'),
        sink(),
      ),
    ).resolves.toBeUndefined();
  });

  it.each([
    ['altered', Buffer.from('the layer c0ntent'), data.length, /hashes to/],
    ['truncated', data.subarray(0, 5), data.length, /5 bytes where 17/],
    ['too long', Buffer.concat([data, data]), data.length, /more than the 17 bytes/],
  ])('fails %s content with CHECK_FAILED', async (_label, content, size, reason) => {
    const result = pipeline(
      Readable.from([content]),
      new VerifyingStream(digestOf(data), size, 'blob'),
      sink(),
    );
    await expect(result).rejects.toThrow(reason);
    await expect(result).rejects.toMatchObject({ code: 'CHECK_FAILED' });
  });
});
