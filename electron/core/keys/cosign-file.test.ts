import { createPrivateKey, createPublicKey, generateKeyPairSync, scryptSync } from 'node:crypto';
import nacl from 'tweetnacl';
import { describe, expect, it } from 'vitest';
import {
  COSIGN_LABEL,
  decryptEnvelope,
  encryptCosignKey,
  parseEnvelope,
  pemBlocks,
  toPem,
} from './cosign-file';
import { algorithmOf, fingerprintOf } from './index';
import { failure } from '../../../tests/support/failure';

interface TestEnvelope {
  kdf: { name: string; params?: { N: number; r: number; p: number }; salt: string };
  cipher: { name: string; nonce: string };
  ciphertext?: string;
}

function p256Der(): Buffer {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return privateKey.export({ type: 'pkcs8', format: 'der' });
}

/** The JSON envelope inside a key file written by encryptCosignKey. */
async function envelopeOf(der: Buffer, passphrase = 'pw'): Promise<TestEnvelope> {
  const [block] = pemBlocks(await encryptCosignKey(der, passphrase));
  return JSON.parse(block!.der.toString('utf8')) as TestEnvelope;
}

function encode(envelope: unknown): Buffer {
  return Buffer.from(JSON.stringify(envelope), 'utf8');
}

describe('cosign encrypted key files', () => {
  it('round-trips PKCS#8 DER through the cosign format with the default parameters', async () => {
    const der = p256Der();
    const text = await encryptCosignKey(der, 'correct horse');
    expect(text.startsWith(`-----BEGIN ${COSIGN_LABEL}-----\n`)).toBe(true);
    expect(text.endsWith(`-----END ${COSIGN_LABEL}-----\n`)).toBe(true);
    for (const line of text.trimEnd().split('\n')) expect(line.length).toBeLessThanOrEqual(64);
    const [block] = pemBlocks(text);
    expect(block!.label).toBe(COSIGN_LABEL);
    const envelope = JSON.parse(block!.der.toString('utf8')) as TestEnvelope;
    expect(envelope.kdf).toMatchObject({ name: 'scrypt', params: { N: 32768, r: 8, p: 1 } });
    expect(Buffer.from(envelope.kdf.salt, 'base64')).toHaveLength(32);
    expect(envelope.cipher.name).toBe('nacl/secretbox');
    expect(Buffer.from(envelope.cipher.nonce, 'base64')).toHaveLength(24);
    const opened = await decryptEnvelope(block!.der, 'correct horse', 'test.key');
    expect(opened.equals(der)).toBe(true);
  });

  it('uses a fresh salt and nonce every time', async () => {
    const der = p256Der();
    const [a, b] = await Promise.all([envelopeOf(der), envelopeOf(der)]);
    expect(a.kdf.salt).not.toBe(b.kdf.salt);
    expect(a.cipher.nonce).not.toBe(b.cipher.nonce);
  });

  it('reads N=2^16, as cosign 2.x generate-key-pair writes it', async () => {
    // An envelope built by hand with N=65536, as cosign generate-key-pair writes it.
    const der = p256Der();
    const envelope = await envelopeOf(der, 'pw');
    const salt = Buffer.alloc(32, 7);
    const nonce = Buffer.alloc(24, 9);
    const key = scryptSync('pw', salt, 32, { N: 65536, r: 8, p: 1, maxmem: 256 * 1024 * 1024 });
    envelope.kdf = {
      name: 'scrypt',
      params: { N: 65536, r: 8, p: 1 },
      salt: salt.toString('base64'),
    };
    envelope.cipher.nonce = nonce.toString('base64');
    envelope.ciphertext = Buffer.from(
      nacl.secretbox(new Uint8Array(der), new Uint8Array(nonce), new Uint8Array(key)),
    ).toString('base64');
    expect((await decryptEnvelope(encode(envelope), 'pw', 'x.key')).equals(der)).toBe(true);
  });

  it('says "wrong passphrase" when the box does not open', async () => {
    const envelope = await envelopeOf(p256Der(), 'right');
    const error = await failure(decryptEnvelope(encode(envelope), 'wrong', 'a.key'));
    expect(error.code).toBe('BAD_INPUT');
    expect(error.message).toMatch(/wrong passphrase/i);
  });

  it('says what is wrong with a damaged envelope', async () => {
    const good = await envelopeOf(p256Der());
    const cases: [string, unknown, RegExp][] = [
      ['not JSON', null, /not the JSON/],
      ['other kdf', { ...good, kdf: { ...good.kdf, name: 'pbkdf2' } }, /not scrypt/],
      ['other cipher', { ...good, cipher: { ...good.cipher, name: 'aes' } }, /not nacl\/secretbox/],
      ['no params', { ...good, kdf: { name: 'scrypt', salt: good.kdf.salt } }, /N, r and p/],
      [
        'N too small',
        { ...good, kdf: { ...good.kdf, params: { N: 16384, r: 8, p: 1 } } },
        /2\^15 to 2\^17/,
      ],
      [
        'N too large',
        { ...good, kdf: { ...good.kdf, params: { N: 262144, r: 8, p: 1 } } },
        /2\^15 to 2\^17/,
      ],
      [
        'N not a power of 2',
        { ...good, kdf: { ...good.kdf, params: { N: 40000, r: 8, p: 1 } } },
        /N=40000/,
      ],
      ['r too large', { ...good, kdf: { ...good.kdf, params: { N: 32768, r: 64, p: 1 } } }, /r=64/],
      ['bad salt', { ...good, kdf: { ...good.kdf, salt: '***' } }, /salt/],
      ['short nonce', { ...good, cipher: { ...good.cipher, nonce: 'AAAA' } }, /nonce has 3 bytes/],
      ['no ciphertext', { ...good, ciphertext: undefined }, /ciphertext/],
      ['tiny ciphertext', { ...good, ciphertext: 'AAAA' }, /too short/],
    ];
    for (const [label, envelope, message] of cases) {
      const body = envelope === null ? Buffer.from('{"kdf": ', 'utf8') : encode(envelope);
      const error = await failure(decryptEnvelope(body, 'pw', 'bad.key'));
      expect(error.code, label).toBe('BAD_INPUT');
      expect(error.message, label).toMatch(message);
      expect(error.message, label).toMatch(/bad\.key/);
    }
    expect(() => parseEnvelope(Buffer.from('[]'), 'x')).toThrow(/scrypt/);
  });

  it('finds PEM blocks and ignores text around them', () => {
    const der = Buffer.from('hello world, not a key');
    const text = `junk\n${toPem('PUBLIC KEY', der)}more\r\n${toPem('PRIVATE KEY', der).replace(/\n/g, '\r\n')}`;
    const blocks = pemBlocks(text);
    expect(blocks.map((b) => b.label)).toEqual(['PUBLIC KEY', 'PRIVATE KEY']);
    expect(blocks[1]!.der.equals(der)).toBe(true);
    expect(pemBlocks('-----BEGIN A-----\nAAAA\n-----END B-----\n')).toEqual([]);
  });
});

describe('accepted key algorithms', () => {
  it('accepts P-256, P-384, Ed25519 and RSA 2048, and refuses others clearly', () => {
    const ec = (namedCurve: string) => generateKeyPairSync('ec', { namedCurve }).privateKey;
    expect(algorithmOf(ec('prime256v1'), 'k')).toBe('ecdsa-p256');
    expect(algorithmOf(ec('secp384r1'), 'k')).toBe('ecdsa-p384');
    expect(algorithmOf(generateKeyPairSync('ed25519').privateKey, 'k')).toBe('ed25519');
    expect(algorithmOf(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey, 'k')).toBe(
      'rsa',
    );
    expect(() => algorithmOf(ec('secp521r1'), 'k')).toThrow(/curve secp521r1.*P-256 and P-384/);
    expect(() =>
      algorithmOf(generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey, 'k'),
    ).toThrow(/1024-bit RSA/);
    expect(() => algorithmOf(generateKeyPairSync('x25519').privateKey, 'k')).toThrow(/x25519/);
  });

  it('fingerprints the DER SubjectPublicKeyInfo, from the private or the public key', () => {
    const der = p256Der();
    const key = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    expect(fingerprintOf(key)).toMatch(/^[0-9a-f]{64}$/);
    expect(fingerprintOf(createPublicKey(key))).toBe(fingerprintOf(key));
  });
});
