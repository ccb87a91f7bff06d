/**
 * Signing keys. The private key lives only in the keychain (account `key:<id>`, PKCS#8 PEM);
 * the workspace database holds what identifies it (public key, fingerprint, state). Every
 * operation is an audit event, whose details never hold key material or passphrases.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPair as generateKeyPairCallback,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { KeyInfo } from '../../../shared/contract';
import type { AuditLog } from '../audit';
import { transaction, type Database } from '../db';
import { ConsignError } from '../errors';
import { writeNewFile } from '../files';
import type { Keychain } from '../keychain';
import { decryptEnvelope, encryptCosignKey, ENCRYPTED_LABELS, pemBlocks } from './cosign-file';

export { decryptEnvelope, encryptCosignKey, pemBlocks, toPem } from './cosign-file';

export type KeyAlgorithm = KeyInfo['algorithm'];

/** Key files are a few kilobytes at most; anything much larger is not a key file. */
export const MAX_KEY_FILE_BYTES = 64 * 1024;
const MIN_RSA_BITS = 2048;
const PLAIN_LABELS = ['PRIVATE KEY', 'EC PRIVATE KEY'];

interface Row {
  id: string;
  name: string;
  algorithm: KeyAlgorithm;
  fingerprint: string;
  public_key: string;
  origin: KeyInfo['origin'];
  state: KeyInfo['state'];
  created_at: string;
  revoked_at: string | null;
  revocation_reason: string | null;
  last_used_at: string | null;
}

function toInfo(row: Row): KeyInfo {
  return {
    id: row.id,
    name: row.name,
    algorithm: row.algorithm,
    fingerprint: row.fingerprint,
    publicKey: row.public_key,
    origin: row.origin,
    state: row.state,
    createdAt: row.created_at,
    ...(row.revoked_at ? { revokedAt: row.revoked_at } : {}),
    ...(row.revocation_reason ? { revocationReason: row.revocation_reason } : {}),
    ...(row.last_used_at ? { lastUsedAt: row.last_used_at } : {}),
  };
}

function keychainAccount(id: string): string {
  return `key:${id}`;
}

/** SHA-256 of the DER SubjectPublicKeyInfo, lower-case hex. */
export function fingerprintOf(key: KeyObject): string {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex');
}

/** The algorithm of a key we accept for signing, or a BAD_INPUT saying why it is refused. */
export function algorithmOf(key: KeyObject, what: string): KeyAlgorithm {
  const details = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'ec':
      if (details.namedCurve === 'prime256v1') return 'ecdsa-p256';
      if (details.namedCurve === 'secp384r1') return 'ecdsa-p384';
      throw new ConsignError(
        'BAD_INPUT',
        `${what} is an ECDSA key on curve ${details.namedCurve ?? 'unknown'}; Consign accepts P-256 and P-384.`,
        { remedy: 'Use an ECDSA P-256 or P-384, Ed25519 or RSA (2048 bits or more) key.' },
      );
    case 'ed25519':
      return 'ed25519';
    case 'rsa': {
      const bits = details.modulusLength ?? 0;
      if (bits >= MIN_RSA_BITS) return 'rsa';
      throw new ConsignError(
        'BAD_INPUT',
        `${what} is a ${bits}-bit RSA key; Consign accepts RSA keys of ${MIN_RSA_BITS} bits or more.`,
        { remedy: 'Use a stronger key.' },
      );
    }
    default:
      throw new ConsignError(
        'BAD_INPUT',
        `${what} is a ${key.asymmetricKeyType ?? 'unknown'} key, which Consign does not sign with.`,
        { remedy: 'Use an ECDSA P-256 or P-384, Ed25519 or RSA (2048 bits or more) key.' },
      );
  }
}

function generateP256(): Promise<KeyObject> {
  return new Promise((done, fail) =>
    generateKeyPairCallback('ec', { namedCurve: 'prime256v1' }, (error, _publicKey, privateKey) =>
      error ? fail(error) : done(privateKey),
    ),
  );
}

async function readKeyFile(path: string): Promise<string> {
  let size: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new Error('not a file');
    size = info.size;
  } catch (cause) {
    throw new ConsignError('BAD_INPUT', `The key file ${path} cannot be read.`, {
      remedy: 'Check the path and its permissions.',
      cause,
    });
  }
  if (size > MAX_KEY_FILE_BYTES) {
    throw new ConsignError(
      'BAD_INPUT',
      `The key file ${path} is ${size} bytes, too large for a key file (at most ${MAX_KEY_FILE_BYTES}).`,
    );
  }
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(MAX_KEY_FILE_BYTES + 1);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    if (bytesRead > MAX_KEY_FILE_BYTES) {
      throw new ConsignError('BAD_INPUT', `The key file ${path} is too large for a key file.`);
    }
    return buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}

/** Turns a key file's text into a private key, decrypting cosign's format with the passphrase. */
async function parseKeyFile(
  text: string,
  path: string,
  passphrase: string | undefined,
): Promise<KeyObject> {
  const blocks = pemBlocks(text);
  const encrypted = blocks.find((block) => ENCRYPTED_LABELS.includes(block.label));
  if (encrypted) {
    if (passphrase === undefined) {
      throw new ConsignError(
        'BAD_REQUEST',
        `The key file ${path} is encrypted: its passphrase is needed.`,
        {
          remedy: 'Give the passphrase on stdin (--passphrase-stdin).',
        },
      );
    }
    const der = await decryptEnvelope(encrypted.der, passphrase, path);
    try {
      return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    } catch (cause) {
      throw new ConsignError(
        'BAD_INPUT',
        `The key file ${path} decrypts, but not to a PKCS#8 private key.`,
        { cause },
      );
    } finally {
      der.fill(0);
    }
  }
  const plain = blocks.find((block) => PLAIN_LABELS.includes(block.label));
  if (plain) {
    try {
      return createPrivateKey({
        key: plain.der,
        format: 'der',
        type: plain.label === 'EC PRIVATE KEY' ? 'sec1' : 'pkcs8',
      });
    } catch (cause) {
      throw new ConsignError(
        'BAD_INPUT',
        `The key file ${path} has a "${plain.label}" block that is not a valid key.`,
        { remedy: 'Use the file exactly as it was written.', cause },
      );
    }
  }
  const labels = blocks.map((block) => `"${block.label}"`).join(', ');
  throw new ConsignError(
    'BAD_INPUT',
    labels
      ? `The key file ${path} holds ${labels}, not a private key Consign reads.`
      : `The key file ${path} is not a PEM key file.`,
    {
      remedy:
        'Import an ENCRYPTED COSIGN (or SIGSTORE) PRIVATE KEY file, or an unencrypted PKCS#8 "PRIVATE KEY" PEM file.',
    },
  );
}

/** The workspace's signing keys. */
export class KeyStore {
  readonly #db: Database;
  readonly #audit: AuditLog;
  readonly #keychain: Keychain;
  readonly #now: () => Date;

  constructor(
    db: Database,
    audit: AuditLog,
    keychain: Keychain,
    now: () => Date = () => new Date(),
  ) {
    this.#db = db;
    this.#audit = audit;
    this.#keychain = keychain;
    this.#now = now;
  }

  list(): KeyInfo[] {
    const rows = this.#db
      .prepare('SELECT * FROM keys ORDER BY created_at, id')
      .all() as unknown as Row[];
    return rows.map(toInfo);
  }

  /** A key by id; NOT_FOUND if there is none. */
  get(id: string): KeyInfo {
    return toInfo(this.#row(id));
  }

  #row(id: string): Row {
    const row = this.#db.prepare('SELECT * FROM keys WHERE id = ?').get(id) as Row | undefined;
    if (!row) {
      throw new ConsignError('NOT_FOUND', `There is no key with id ${id}.`, {
        remedy: 'Pick a key from the Keys page or `consign keys list`.',
      });
    }
    return row;
  }

  /** A new ECDSA P-256 key, made here and stored in the keychain. */
  async generate(name: string): Promise<KeyInfo> {
    const privateKey = await generateP256();
    return this.#add(name.trim(), privateKey, 'generated');
  }

  /** Imports a cosign-encrypted key file or an unencrypted PKCS#8 (or SEC1) PEM file. */
  async import(name: string, path: string, passphrase?: string): Promise<KeyInfo> {
    const file = resolve(path);
    const privateKey = await parseKeyFile(await readKeyFile(file), file, passphrase);
    return this.#add(name.trim(), privateKey, 'imported', file);
  }

  /**
   * Stores the private key in the keychain first: if the keychain fails, nothing is recorded.
   * If recording fails after that, the secret is removed again.
   */
  async #add(
    name: string,
    privateKey: KeyObject,
    origin: KeyInfo['origin'],
    file?: string,
  ): Promise<KeyInfo> {
    const what = file ? `The key in ${file}` : 'The key';
    const algorithm = algorithmOf(privateKey, what);
    const fingerprint = fingerprintOf(privateKey);
    const existing = this.#db
      .prepare('SELECT id, name FROM keys WHERE fingerprint = ?')
      .get(fingerprint) as { id: string; name: string } | undefined;
    if (existing) {
      throw new ConsignError(
        'BAD_INPUT',
        `${what} is already in this workspace as "${existing.name}" (id ${existing.id}).`,
        { remedy: 'Use the existing key.' },
      );
    }
    const id = randomBytes(6).toString('hex');
    const publicKey = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }) as string;
    const pkcs8 = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    const account = keychainAccount(id);
    await this.#keychain.set(account, pkcs8);
    try {
      const createdAt = this.#now().toISOString();
      // The key and its audit event are one write: never a key the log does not mention.
      transaction(this.#db, () => {
        this.#db
          .prepare(
            `INSERT INTO keys (id, name, algorithm, fingerprint, public_key, origin, state, created_at)
             VALUES (?, ?, ?, ?, ?, ?, 'active', ?)`,
          )
          .run(id, name, algorithm, fingerprint, publicKey, origin, createdAt);
        this.#audit.append({
          action: origin === 'generated' ? 'key.generated' : 'key.imported',
          subject: account,
          details: { id, name, algorithm, fingerprint, ...(file ? { file } : {}) },
        });
      });
      return this.get(id);
    } catch (error) {
      await this.#keychain.delete(account).catch(() => false);
      throw error;
    }
  }

  /** The public key as PEM (SubjectPublicKeyInfo). Revoked keys too: they still verify. */
  exportPublic(id: string): string {
    const row = this.#row(id);
    this.#audit.append({
      action: 'key.public-exported',
      subject: keychainAccount(id),
      details: { id, fingerprint: row.fingerprint },
    });
    return row.public_key;
  }

  /**
   * Writes the private key as a cosign-compatible encrypted file (mode 0600). Never overwrites:
   * the file is created exclusively.
   */
  async export(id: string, path: string, passphrase: string): Promise<{ out: string }> {
    if (passphrase.length === 0) {
      throw new ConsignError('BAD_REQUEST', 'The passphrase for the key file is empty.', {
        remedy: 'Give a passphrase to protect the exported key.',
      });
    }
    const row = this.#row(id);
    const privateKey = await this.#privateKey(row, 'exported');
    const { path: out } = await writeNewFile(
      path,
      async () => {
        const der = privateKey.export({ type: 'pkcs8', format: 'der' });
        try {
          return await encryptCosignKey(der, passphrase);
        } finally {
          der.fill(0);
        }
      },
      { mode: 0o600, sync: true },
    );
    this.#audit.append({
      action: 'key.exported',
      subject: keychainAccount(id),
      details: { id, fingerprint: row.fingerprint, path: out },
    });
    return { out };
  }

  /**
   * Revokes a key for good. The private key is deleted from the keychain first, so a revoked
   * key can never sign again; the public key stays, so its old signatures can still be checked
   * (and reported as made by a revoked key). If the keychain refuses, nothing changes.
   */
  async revoke(id: string, reason: string): Promise<KeyInfo> {
    const row = this.#row(id);
    if (row.state === 'revoked') {
      throw new ConsignError(
        'BAD_INPUT',
        `The key ${id} ("${row.name}") was already revoked on ${row.revoked_at ?? 'an earlier date'}.`,
        { remedy: 'A revocation is final; there is nothing more to do.' },
      );
    }
    await this.#keychain.delete(keychainAccount(id));
    const revokedAt = this.#now().toISOString();
    const text = reason.trim();
    const { changes } = this.#db
      .prepare(
        "UPDATE keys SET state = 'revoked', revoked_at = ?, revocation_reason = ? WHERE id = ? AND state = 'active'",
      )
      .run(revokedAt, text, id);
    // Revoked meanwhile by another process: that one recorded it.
    if (Number(changes) === 0) return this.revoke(id, reason);
    this.#audit.append({
      action: 'key.revoked',
      subject: keychainAccount(id),
      details: {
        id,
        name: row.name,
        fingerprint: row.fingerprint,
        algorithm: row.algorithm,
        reason: text,
      },
    });
    return this.get(id);
  }

  /**
   * The private key, for signing: refused (CHECK_FAILED) for a revoked key. Records the use.
   */
  async privateKey(id: string): Promise<KeyObject> {
    const key = await this.#privateKey(this.#row(id), 'used to sign');
    this.#db
      .prepare('UPDATE keys SET last_used_at = ? WHERE id = ?')
      .run(this.#now().toISOString(), id);
    return key;
  }

  async #privateKey(row: Row, purpose: string): Promise<KeyObject> {
    if (row.state === 'revoked') {
      throw new ConsignError(
        'CHECK_FAILED',
        `The key ${row.id} ("${row.name}") is revoked and cannot be ${purpose}.`,
        { remedy: 'Use an active key instead (see the Keys page or `consign keys list`).' },
      );
    }
    const pem = await this.#keychain.get(keychainAccount(row.id));
    if (pem === null) {
      throw new ConsignError(
        'NOT_FOUND',
        `The private key of ${row.id} ("${row.name}") is not in the keychain ${this.#keychain.service}.`,
        {
          remedy:
            'Use the keychain this workspace was set up with (CONSIGN_KEYCHAIN_SERVICE), or import the key again.',
        },
      );
    }
    return createPrivateKey({ key: pem, format: 'pem' });
  }
}
