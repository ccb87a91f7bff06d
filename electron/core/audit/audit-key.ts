/**
 * The workspace audit key: an ECDSA P-256 key that signs the log's checkpoints and exports, and
 * nothing else (never an image). Its private key lives only in the keychain (account
 * `audit-key:<fingerprint>`); the database keeps its public key.
 */
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPair as generateKeyPairCallback,
  type KeyObject,
} from 'node:crypto';
import { transaction, type Database } from '../db';
import { publicKeyFingerprint } from './dsse';

/** The part of the keychain the audit key needs (the Keychain class, or a stand-in in tests). */
export interface SecretStore {
  get(account: string): Promise<string | null>;
  set(account: string, secret: string): Promise<void>;
}

export interface AuditSigner {
  privateKey: KeyObject;
  fingerprint: string;
  /** SubjectPublicKeyInfo PEM. */
  publicKey: string;
}

export function auditKeyAccount(fingerprint: string): string {
  return `audit-key:${fingerprint}`;
}

function generateP256(): Promise<KeyObject> {
  return new Promise((done, fail) =>
    generateKeyPairCallback('ec', { namedCurve: 'prime256v1' }, (error, _public, privateKey) =>
      error ? fail(error) : done(privateKey),
    ),
  );
}

export class AuditKeys {
  readonly #db: Database;
  readonly #secrets: SecretStore;
  #signer: Promise<AuditSigner> | undefined;

  constructor(db: Database, secrets: SecretStore) {
    this.#db = db;
    this.#secrets = secrets;
  }

  /**
   * The current audit key, created on first need. `announce` runs once when a key is created, so
   * the log can record the new public key in the chain itself. A keychain error is thrown (and
   * retried on the next call); nothing is created half-way.
   */
  signer(announce: (signer: AuditSigner) => void): Promise<AuditSigner> {
    this.#signer ??= this.#load(announce).catch((error: unknown) => {
      this.#signer = undefined;
      throw error;
    });
    return this.#signer;
  }

  async #load(announce: (signer: AuditSigner) => void): Promise<AuditSigner> {
    const row = this.#db
      .prepare('SELECT fingerprint FROM audit_keys ORDER BY created_at DESC, rowid DESC LIMIT 1')
      .get() as { fingerprint: string } | undefined;
    if (row) {
      const pem = await this.#secrets.get(auditKeyAccount(row.fingerprint));
      if (pem) {
        const privateKey = createPrivateKey(pem);
        if (publicKeyFingerprint(privateKey) === row.fingerprint) return toSigner(privateKey);
      }
      // The keychain lost it (a new keychain, another machine): sign from now on with a new key.
    }
    const privateKey = await generateP256();
    const signer = toSigner(privateKey);
    // Keychain first: a key the database names but the keychain lacks could never sign.
    await this.#secrets.set(
      auditKeyAccount(signer.fingerprint),
      privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    );
    // The key and its announcement in the chain are one write: a key the database names without
    // the chain announcing it would sign checkpoints that never verify (after a crash between the
    // two, or an announcement that failed).
    transaction(this.#db, () => {
      this.#db
        .prepare('INSERT INTO audit_keys (fingerprint, public_key, created_at) VALUES (?, ?, ?)')
        .run(signer.fingerprint, signer.publicKey, new Date().toISOString());
      announce(signer);
    });
    return signer;
  }
}

function toSigner(privateKey: KeyObject): AuditSigner {
  return {
    privateKey,
    fingerprint: publicKeyFingerprint(privateKey),
    publicKey: createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }) as string,
  };
}
