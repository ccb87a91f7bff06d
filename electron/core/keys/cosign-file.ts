/**
 * cosign's encrypted private key files: a PEM block whose body is a JSON envelope
 * `{kdf: {name: "scrypt", params: {N, r, p}, salt}, cipher: {name: "nacl/secretbox", nonce},
 * ciphertext}` (byte fields in standard base64). The secretbox key is
 * scrypt(passphrase, salt, N, r, p, 32) and the plaintext is the PKCS#8 DER private key.
 */
import { randomBytes, scrypt as scryptCallback, type ScryptOptions } from 'node:crypto';
import { ConsignError } from '../errors';

// NaCl secretbox sizes (XSalsa20-Poly1305), fixed by the construction.
const NONCE_BYTES = 24;
const OVERHEAD_BYTES = 16;

/** The cipher is loaded only when a key file is opened or written, not at every start. */
async function secretbox() {
  return (await import('tweetnacl')).default.secretbox;
}

export const COSIGN_LABEL = 'ENCRYPTED COSIGN PRIVATE KEY';
export const SIGSTORE_LABEL = 'ENCRYPTED SIGSTORE PRIVATE KEY';
export const ENCRYPTED_LABELS: readonly string[] = [COSIGN_LABEL, SIGSTORE_LABEL];

/** What we write: cosign's own defaults, which every cosign release reads. */
export const WRITE_PARAMS = { N: 32768, r: 8, p: 1 } as const;
const MIN_LOG_N = 15;
const MAX_LOG_N = 17;
const MAX_R = 8;
const MAX_P = 4;
const SALT_BYTES = 32;
const KEY_BYTES = 32;

export interface PemBlock {
  label: string;
  der: Buffer;
}

const PEM_PATTERN =
  /-----BEGIN ([A-Z0-9 ]+)-----\r?\n((?:[A-Za-z0-9+/=]*\r?\n)*?)-----END \1-----/g;

/** Every PEM block in the text, in order (headers and junk between blocks are not accepted). */
export function pemBlocks(text: string): PemBlock[] {
  return [...text.matchAll(PEM_PATTERN)].map((match) => ({
    label: match[1]!,
    der: Buffer.from(match[2]!.replace(/\s+/g, ''), 'base64'),
  }));
}

export function toPem(label: string, der: Buffer): string {
  const body = der.toString('base64').replace(/(.{64})/g, '$1\n');
  return `-----BEGIN ${label}-----\n${body}${body.endsWith('\n') ? '' : '\n'}-----END ${label}-----\n`;
}

function scrypt(passphrase: string, salt: Buffer, N: number, r: number, p: number) {
  // Node refuses anything over 32 MiB by default; N=2^17, r=8 needs 128 MiB.
  const options: ScryptOptions = { N, r, p, maxmem: 256 * N * r + 1024 * 1024 };
  return new Promise<Buffer>((resolve, reject) =>
    scryptCallback(passphrase, salt, KEY_BYTES, options, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}

function corrupt(what: string, detail: string): ConsignError {
  return new ConsignError('BAD_INPUT', `The key file ${what} is damaged: ${detail}.`, {
    remedy: 'Use the file exactly as cosign or Consign wrote it.',
  });
}

function bytesField(value: unknown, name: string, what: string): Buffer {
  if (typeof value !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) {
    throw corrupt(what, `its ${name} is missing or not base64`);
  }
  return Buffer.from(value, 'base64');
}

interface Envelope {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  nonce: Buffer;
  ciphertext: Buffer;
}

/** Reads and checks the JSON envelope; `what` names the file in messages. */
export function parseEnvelope(body: Buffer, what: string): Envelope {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    throw corrupt(what, 'its contents are not the JSON cosign writes');
  }
  if (typeof json !== 'object' || json === null) {
    throw corrupt(what, 'its contents are not a JSON object');
  }
  const { kdf, cipher, ciphertext } = json as Record<string, unknown>;
  const kdfObject = (typeof kdf === 'object' && kdf !== null ? kdf : {}) as Record<string, unknown>;
  const cipherObject = (typeof cipher === 'object' && cipher !== null ? cipher : {}) as Record<
    string,
    unknown
  >;
  if (kdfObject.name !== 'scrypt') {
    throw corrupt(what, `its key derivation is ${JSON.stringify(kdfObject.name)}, not scrypt`);
  }
  if (cipherObject.name !== 'nacl/secretbox') {
    throw corrupt(what, `its cipher is ${JSON.stringify(cipherObject.name)}, not nacl/secretbox`);
  }
  const params = (
    typeof kdfObject.params === 'object' && kdfObject.params !== null ? kdfObject.params : {}
  ) as Record<string, unknown>;
  const { N, r, p } = params;
  if (!Number.isSafeInteger(N) || !Number.isSafeInteger(r) || !Number.isSafeInteger(p)) {
    throw corrupt(what, 'its scrypt parameters N, r and p are missing');
  }
  const n = N as number;
  const logN = Math.log2(n);
  if (!Number.isInteger(logN) || logN < MIN_LOG_N || logN > MAX_LOG_N) {
    throw new ConsignError(
      'BAD_INPUT',
      `The key file ${what} uses scrypt N=${n}; Consign reads N from 2^${MIN_LOG_N} to 2^${MAX_LOG_N} only.`,
      { remedy: 'Re-encrypt the key with cosign (its default N=32768) and import that file.' },
    );
  }
  if ((r as number) < 1 || (r as number) > MAX_R || (p as number) < 1 || (p as number) > MAX_P) {
    throw new ConsignError(
      'BAD_INPUT',
      `The key file ${what} uses scrypt r=${r as number}, p=${p as number}; Consign reads r up to ${MAX_R} and p up to ${MAX_P}.`,
      { remedy: 'Re-encrypt the key with cosign (r=8, p=1) and import that file.' },
    );
  }
  const salt = bytesField(kdfObject.salt, 'salt', what);
  const nonce = bytesField(cipherObject.nonce, 'nonce', what);
  const sealed = bytesField(ciphertext, 'ciphertext', what);
  if (salt.length === 0) throw corrupt(what, 'its salt is empty');
  if (nonce.length !== NONCE_BYTES) {
    throw corrupt(what, `its nonce has ${nonce.length} bytes, not ${NONCE_BYTES}`);
  }
  if (sealed.length <= OVERHEAD_BYTES) {
    throw corrupt(what, 'its ciphertext is too short to hold a key');
  }
  return { N: n, r: r as number, p: p as number, salt, nonce, ciphertext: sealed };
}

/** Decrypts an envelope (the PEM block's body) to the PKCS#8 DER it holds. */
export async function decryptEnvelope(
  body: Buffer,
  passphrase: string,
  what: string,
): Promise<Buffer> {
  const envelope = parseEnvelope(body, what);
  const key = await scrypt(passphrase, envelope.salt, envelope.N, envelope.r, envelope.p);
  const opened = (await secretbox()).open(
    new Uint8Array(envelope.ciphertext),
    new Uint8Array(envelope.nonce),
    new Uint8Array(key),
  );
  key.fill(0);
  if (!opened) {
    throw new ConsignError(
      'BAD_INPUT',
      `Wrong passphrase: the key file ${what} does not open with it.`,
      {
        remedy: 'Give the passphrase the key file was written with.',
      },
    );
  }
  return Buffer.from(opened);
}

/** Encrypts PKCS#8 DER into a cosign key file (PEM text), with a fresh salt and nonce. */
export async function encryptCosignKey(pkcs8Der: Buffer, passphrase: string): Promise<string> {
  const { N, r, p } = WRITE_PARAMS;
  const salt = randomBytes(SALT_BYTES);
  const nonce = randomBytes(NONCE_BYTES);
  const key = await scrypt(passphrase, salt, N, r, p);
  const sealed = (await secretbox())(
    new Uint8Array(pkcs8Der),
    new Uint8Array(nonce),
    new Uint8Array(key),
  );
  key.fill(0);
  const envelope = {
    kdf: { name: 'scrypt', params: { N, r, p }, salt: salt.toString('base64') },
    cipher: { name: 'nacl/secretbox', nonce: nonce.toString('base64') },
    ciphertext: Buffer.from(sealed).toString('base64'),
  };
  return toPem(COSIGN_LABEL, Buffer.from(JSON.stringify(envelope), 'utf8'));
}
