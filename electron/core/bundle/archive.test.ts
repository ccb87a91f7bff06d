import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pack, type Header } from 'tar-stream';
import { afterAll, describe, expect, it } from 'vitest';
import { failure } from '../../../tests/support/failure';
import { fingerprintOf } from '../keys';
import { DEFAULT_LIMITS, extractBundle, packBundle } from './archive';
import {
  BUNDLE_FORMAT,
  openDocument,
  readClaims,
  signDocument,
  type BundleDocument,
} from './document';

const scratch = mkdtempSync(join(tmpdir(), 'consign-bundle-archive-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let counter = 0;
const folder = () => join(scratch, `d${counter++}`);

const hex = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');
const layer = Buffer.from('layer bytes');

type Item = Partial<Header> & { name: string; body?: Buffer | string };

/** The files every bundle has, plus one blob. */
function bundleItems(): Item[] {
  return [
    { name: 'oci-layout', body: '{"imageLayoutVersion":"1.0.0"}' },
    { name: 'index.json', body: '{"schemaVersion":2,"manifests":[]}' },
    { name: 'consign-bundle.json', body: '{}' },
    { name: 'consign-bundle.dsse.json', body: '{}' },
    { name: 'blobs/', type: 'directory' },
    { name: 'blobs/sha256/', type: 'directory' },
    { name: `blobs/sha256/${hex(layer)}`, body: layer },
  ];
}

async function tarOf(items: Item[]): Promise<Buffer> {
  const tar = pack();
  for (const { body, ...header } of items) {
    if (body === undefined) tar.entry({ type: 'file', ...header });
    else tar.entry({ type: 'file', ...header }, body);
  }
  tar.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of tar as AsyncIterable<Buffer>) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

const unpack = async (items: Item[], limits = DEFAULT_LIMITS) => {
  const dest = folder();
  const bytes = await tarOf(items);
  return { dest, bytes, hex: await extractBundle(Readable.from([bytes]), dest, limits) };
};

describe('extractBundle', () => {
  it('unpacks the files of a bundle and returns the sha256 of the tar', async () => {
    const { dest, bytes, hex: digest } = await unpack(bundleItems());
    expect(digest).toBe(hex(bytes));
    expect(readFileSync(join(dest, 'blobs', 'sha256', hex(layer)))).toEqual(layer);
    expect(readdirSync(dest).sort()).toEqual(
      [
        'blobs',
        'consign-bundle.dsse.json',
        'consign-bundle.json',
        'index.json',
        'oci-layout',
      ].sort(),
    );
  });

  it.each([
    ['../escape', /unexpected file/],
    ['/etc/cron.d/escape', /unexpected file/],
    [`blobs/sha256/../../${hex('x')}`, /unexpected file/],
    ['notes.txt', /unexpected file/],
  ])('refuses the entry %s', async (name, message) => {
    const error = await failure(unpack([...bundleItems(), { name, body: 'x' }]));
    expect(error.code).toBe('BAD_INPUT');
    expect(error.message).toMatch(message);
  });

  it.each([
    ['symlink', { linkname: '/etc/passwd' }],
    ['link', { linkname: 'oci-layout' }],
    ['character-device', { devmajor: 1, devminor: 3 }],
    ['fifo', {}],
  ] as const)('refuses a %s', async (type, extra) => {
    const error = await failure(
      unpack([...bundleItems(), { name: `blobs/sha256/${hex('y')}`, type, ...extra }]),
    );
    expect(error.message).toMatch(
      new RegExp(`is a ${type}, and a bundle holds regular files only`),
    );
  });

  it('refuses a name given twice, an unexpected folder, too many entries, too large a blob', async () => {
    const twice = await failure(unpack([...bundleItems(), { name: 'index.json', body: '{}' }]));
    expect(twice.message).toMatch(/holds "index.json" twice/);
    const dir = await failure(
      unpack([...bundleItems(), { name: 'blobs/other/', type: 'directory' }]),
    );
    expect(dir.message).toMatch(/unexpected folder/);
    const many = await failure(unpack(bundleItems(), { ...DEFAULT_LIMITS, entries: 3 }));
    expect(many.message).toMatch(/over 3 entries/);
    const large = await failure(unpack(bundleItems(), { ...DEFAULT_LIMITS, blobBytes: 4 }));
    expect(large.message).toMatch(/is 11 bytes, over 4/);
  });

  it('refuses what is not a tar archive, or one cut short', async () => {
    const garbage = await failure(extractBundle(Readable.from([Buffer.alloc(5000, 7)]), folder()));
    expect(garbage).toMatchObject({ code: 'BAD_INPUT' });
    expect(garbage.message).toMatch(/not a complete tar archive/);
    const whole = await tarOf(bundleItems());
    const cut = await failure(extractBundle(Readable.from([whole.subarray(0, 1200)]), folder()));
    expect(cut.message).toMatch(/not a complete tar archive|it has no/);
  });

  it('refuses a blob whose content does not hash to its name, and a missing file', async () => {
    const items = bundleItems();
    items[6] = { name: `blobs/sha256/${hex(layer)}`, body: Buffer.from('layer byteS') };
    const changed = await failure(unpack(items));
    expect(changed.message).toMatch(/does not hash to its name/);
    const missing = await failure(unpack(bundleItems().filter((i) => i.name !== 'index.json')));
    expect(missing.message).toMatch(/it has no index.json/);
  });
});

describe('packBundle', () => {
  it('writes the same bytes for the same layout, in a fixed order, readable by extractBundle', async () => {
    const dir = folder();
    mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
    for (const item of bundleItems()) {
      if (item.body !== undefined) writeFileSync(join(dir, ...item.name.split('/')), item.body);
    }
    const other = Buffer.from('another blob');
    writeFileSync(join(dir, 'blobs', 'sha256', hex(other)), other);
    const time = new Date('2026-01-02T03:04:05Z');
    const write = async (file: string) => {
      const handle = await open(file, 'wx');
      return packBundle(dir, handle, time);
    };
    const first = await write(join(scratch, 'one.tar'));
    const second = await write(join(scratch, 'two.tar'));
    expect(first).toBe(second);
    const bytes = readFileSync(join(scratch, 'one.tar'));
    expect(first).toBe(hex(bytes));
    const dest = folder();
    expect(await extractBundle(Readable.from([bytes]), dest)).toBe(first);
    expect(readFileSync(join(dest, 'blobs', 'sha256', hex(other)))).toEqual(other);
  });
});

describe('the signed bundle description', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const document: BundleDocument = {
    format: BUNDLE_FORMAT,
    id: 'b1',
    release: { name: 'demo', version: '1.0.0' },
    policy: { verdict: 'pass' },
    images: [
      {
        name: 'app',
        tag: '1.0.0',
        refName: 'app+1.0.0',
        digest: `sha256:${'a'.repeat(64)}`,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        size: 400,
        source: 'docker://registry.example/app:1.0.0',
        inventory: { purls: [], vulnerabilities: [] },
      },
    ],
    key: {
      fingerprint: fingerprintOf(publicKey),
      publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    },
    createdAt: '2026-01-02T03:04:05.000Z',
    producer: 'consign/test',
  };

  it('opens with the signing key and names it', () => {
    const signed = signDocument(document, privateKey);
    const claims = readClaims(Buffer.from(JSON.stringify(signed.envelope)));
    expect(claims.document).toEqual(document);
    expect(openDocument(claims.envelope, claims.publicKey)).toEqual(signed.bytes);
  });

  it('refuses a changed payload (CHECK_FAILED) and a key that is not the one named (BAD_INPUT)', async () => {
    const signed = signDocument(document, privateKey);
    const changed = {
      ...signed.envelope,
      payload: Buffer.from(
        JSON.stringify({ ...document, images: [{ ...document.images[0], tag: '2.0.0' }] }),
      ).toString('base64'),
    };
    const claims = readClaims(Buffer.from(JSON.stringify(changed)));
    expect(() => openDocument(claims.envelope, claims.publicKey)).toThrow(/does not verify/);
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
    const renamed = signDocument(
      {
        ...document,
        key: {
          ...document.key,
          publicKey: other.export({ type: 'spki', format: 'pem' }).toString(),
        },
      },
      privateKey,
    );
    expect(() => readClaims(Buffer.from(JSON.stringify(renamed.envelope)))).toThrow(
      /fingerprint is not the one it states/,
    );
    expect(() => readClaims(Buffer.from('not json'))).toThrow(/is not JSON/);
  });
});
