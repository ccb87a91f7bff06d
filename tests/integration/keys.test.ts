import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../electron/core/db';
import type { KeyInfo } from '../../shared/contract';
import { runConsign, type CliResult } from '../support/consign-cli';
import { forgetKeys } from '../support/key-cleanup';
import { consignWithLockedKeyring, createLockedKeyring } from '../support/locked-keyring';
import { testEnv } from '../support/test-env';

const PASSPHRASE = 'export-passphrase-7f3a9c';
const COSIGN_PASSWORD = 'cosign-password-91c2e4';

/** SHA-256 of the DER SubjectPublicKeyInfo, computed here independently of Consign. */
function spkiFingerprint(pem: string): string {
  const der = createPublicKey(pem).export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('hex');
}

/** The base64 body of a PEM block, on one line. */
function pemBody(pem: string): string {
  return pem
    .split('\n')
    .filter((line) => line && !line.startsWith('-----'))
    .join('');
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

function json<T>(result: CliResult): T {
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as T;
}

describe('consign keys with the real keychain and cosign', () => {
  const env = testEnv();
  let home: string;
  let work: string;
  /** Private keys (PKCS#8 PEM) seen in the keychain, to look for anywhere they must not be. */
  const privateKeys: string[] = [];

  const keys = (args: string[], input?: string) =>
    runConsign(['--home', home, 'keys', ...args], {
      env: {
        CONSIGN_KEYCHAIN_SERVICE: env.keychainService,
        DBUS_SESSION_BUS_ADDRESS: env.dbusSessionBusAddress,
      },
      ...(input === undefined ? {} : { input }),
    });

  const lookup = (id: string) =>
    spawnSync('secret-tool', ['lookup', 'service', env.keychainService, 'username', `key:${id}`], {
      encoding: 'utf8',
    });

  /** cosign with its own empty HOME and every network request sent to a closed port. */
  const cosign = (args: string[], password: string) => {
    if (!env.cosign) throw new Error('cosign is not in this test environment');
    return execFileSync(env.cosign, args, {
      cwd: work,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 60_000,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: work,
        COSIGN_PASSWORD: password,
        HTTPS_PROXY: 'http://127.0.0.1:9',
        HTTP_PROXY: 'http://127.0.0.1:9',
        NO_PROXY: '',
      },
    });
  };

  const write = (name: string, text: string) => {
    const path = join(work, name);
    writeFileSync(path, text);
    return path;
  };

  beforeAll(() => {
    home = mkdtempSync(join(tmpdir(), 'consign-keys-'));
    work = mkdtempSync(join(tmpdir(), 'consign-keys-files-'));
  });
  afterAll(async () => {
    // Leave nothing in the shared test keyring.
    const listed = await keys(['list', '--json']);
    if (listed.code === 0) {
      forgetKeys(JSON.parse(listed.stdout) as KeyInfo[]);
    }
    rmSync(home, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });

  let generated: KeyInfo;

  it('generates a P-256 key whose private half is only in the keychain', async () => {
    generated = json<KeyInfo>(await keys(['generate', '--name', 'release 2026', '--json']));
    expect(generated).toMatchObject({
      name: 'release 2026',
      algorithm: 'ecdsa-p256',
      origin: 'generated',
      state: 'active',
    });
    expect(generated.id).toMatch(/^[0-9a-f]{12}$/);
    expect(generated.fingerprint).toBe(spkiFingerprint(generated.publicKey));

    const listed = json<KeyInfo[]>(await keys(['list', '--json']));
    expect(listed).toEqual([expect.objectContaining({ id: generated.id, state: 'active' })]);
    expect(listed[0]!.fingerprint).toBe(spkiFingerprint(generated.publicKey));
    const human = await keys(['list']);
    expect(human.stdout).toMatch(/ID\s+NAME\s+ALGORITHM\s+STATE/);
    expect(human.stdout).toContain(generated.fingerprint);

    const secret = lookup(generated.id);
    expect(secret.status).toBe(0);
    expect(secret.stdout).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    const privateKey = createPrivateKey(secret.stdout);
    expect(privateKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(
      spkiFingerprint(
        createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }) as string,
      ),
    ).toBe(generated.fingerprint);
    privateKeys.push(secret.stdout);
  });

  it('exports the public key to stdout or to a new file', async () => {
    const stdout = await keys(['export-public', generated.id]);
    expect(stdout.code).toBe(0);
    expect(stdout.stdout).toBe(generated.publicKey);
    const out = join(work, 'release.pub');
    expect(
      json<{ out: string }>(await keys(['export-public', generated.id, '--out', out, '--json'])),
    ).toEqual({
      out,
    });
    expect(readFileSync(out, 'utf8')).toBe(generated.publicKey);
    const again = await keys(['export-public', generated.id, '--out', out]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already exists/);
  });

  it('imports a key made by cosign generate-key-pair', async () => {
    cosign(['generate-key-pair'], COSIGN_PASSWORD);
    const keyFile = readFileSync(join(work, 'cosign.key'), 'utf8');
    expect(keyFile).toMatch(/^-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----/);
    const imported = json<KeyInfo>(
      await keys(
        [
          'import',
          '--name',
          'from cosign',
          '--file',
          join(work, 'cosign.key'),
          '--passphrase-stdin',
          '--json',
        ],
        `${COSIGN_PASSWORD}\n`,
      ),
    );
    const cosignPub = readFileSync(join(work, 'cosign.pub'), 'utf8');
    expect(imported).toMatchObject({
      algorithm: 'ecdsa-p256',
      origin: 'imported',
      state: 'active',
    });
    expect(imported.fingerprint).toBe(spkiFingerprint(cosignPub));
    const secret = lookup(imported.id);
    expect(secret.stdout).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    privateKeys.push(secret.stdout);
  });

  it('exports an encrypted key file that cosign decrypts', async () => {
    const out = join(work, 'exported.key');
    const result = json<{ out: string }>(
      await keys(
        ['export', generated.id, '--out', out, '--passphrase-stdin', '--json'],
        PASSPHRASE,
      ),
    );
    expect(result).toEqual({ out });
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const text = readFileSync(out, 'utf8');
    expect(text).toMatch(/^-----BEGIN ENCRYPTED COSIGN PRIVATE KEY-----\n/);
    const publicKey = cosign(['public-key', '--key', out], PASSPHRASE);
    expect(spkiFingerprint(publicKey)).toBe(generated.fingerprint);
    expect(publicKey.trim()).toBe(generated.publicKey.trim());

    // Never over an existing file, and the file is left as it was.
    const again = await keys(
      ['export', generated.id, '--out', out, '--passphrase-stdin'],
      PASSPHRASE,
    );
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already exists/);
    expect(readFileSync(out, 'utf8')).toBe(text);

    // The file round-trips: importing it again finds the same key.
    const duplicate = await keys(
      ['import', '--name', 'again', '--file', out, '--passphrase-stdin'],
      PASSPHRASE,
    );
    expect(duplicate.code).toBe(2);
    expect(duplicate.stderr).toContain(`"release 2026" (id ${generated.id})`);
  });

  it('asks for the passphrase on stdin where one is needed', async () => {
    const exportWithout = await keys(['export', generated.id, '--out', join(work, 'x.key')]);
    expect(exportWithout.code).toBe(2);
    expect(exportWithout.stderr).toMatch(/--passphrase-stdin/);
    const importWithout = await keys(['import', '--name', 'n', '--file', join(work, 'cosign.key')]);
    expect(importWithout.code).toBe(2);
    expect(importWithout.stderr).toMatch(/encrypted: its passphrase is needed/);
    const missingName = await keys(['generate']);
    expect(missingName.code).toBe(2);
    expect(missingName.stderr).toMatch(/--name is required/);
  });

  it('refuses a wrong passphrase, damaged files and unsupported keys clearly (exit 2)', async () => {
    const wrong = await keys(
      ['import', '--name', 'n', '--file', join(work, 'cosign.key'), '--passphrase-stdin'],
      'not-the-password',
    );
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/Wrong passphrase/);

    const cosignKey = readFileSync(join(work, 'cosign.key'), 'utf8');
    const lines = cosignKey.trimEnd().split('\n');
    const truncated = write('truncated.key', [...lines.slice(0, 3), lines.at(-1)].join('\n'));
    const damaged = await keys(
      ['import', '--name', 'n', '--file', truncated, '--passphrase-stdin'],
      'x',
    );
    expect(damaged.code).toBe(2);
    expect(damaged.stderr).toMatch(
      /truncated\.key is damaged: its contents are not the JSON cosign writes/,
    );

    const notPem = write('garbage.key', 'this is not a key\n');
    const garbage = await keys(['import', '--name', 'n', '--file', notPem]);
    expect(garbage.code).toBe(2);
    expect(garbage.stderr).toMatch(/not a PEM key file/);

    const big = write('big.key', 'A'.repeat(65 * 1024));
    const tooBig = await keys(['import', '--name', 'n', '--file', big]);
    expect(tooBig.code).toBe(2);
    expect(tooBig.stderr).toMatch(/too large/);

    const rsa1024 = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
    const weak = await keys([
      'import',
      '--name',
      'n',
      '--file',
      write('rsa1024.pem', rsa1024.export({ type: 'pkcs8', format: 'pem' }) as string),
    ]);
    expect(weak.code).toBe(2);
    expect(weak.stderr).toMatch(/1024-bit RSA key; Consign accepts RSA keys of 2048 bits or more/);

    const p521 = generateKeyPairSync('ec', { namedCurve: 'secp521r1' }).privateKey;
    const curve = await keys([
      'import',
      '--name',
      'n',
      '--file',
      write('p521.pem', p521.export({ type: 'pkcs8', format: 'pem' }) as string),
    ]);
    expect(curve.code).toBe(2);
    expect(curve.stderr).toMatch(/curve secp521r1; Consign accepts P-256 and P-384/);

    const missing = await keys(['import', '--name', 'n', '--file', join(work, 'nope.key')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot be read/);

    expect(json<KeyInfo[]>(await keys(['list', '--json']))).toHaveLength(2);
  });

  it('imports unencrypted PKCS#8 (Ed25519) and SEC1 (P-384) PEM files, once each', async () => {
    const ed25519 = generateKeyPairSync('ed25519').privateKey;
    const edFile = write('ed25519.pem', ed25519.export({ type: 'pkcs8', format: 'pem' }) as string);
    const ed = json<KeyInfo>(await keys(['import', '--name', 'ed', '--file', edFile, '--json']));
    expect(ed.algorithm).toBe('ed25519');
    expect(ed.fingerprint).toBe(
      spkiFingerprint(createPublicKey(ed25519).export({ type: 'spki', format: 'pem' }) as string),
    );
    privateKeys.push(ed25519.export({ type: 'pkcs8', format: 'pem' }) as string);

    const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).privateKey;
    const sec1 = p384.export({ type: 'sec1', format: 'pem' }) as string;
    const ec = json<KeyInfo>(
      await keys(['import', '--name', 'p384', '--file', write('p384.pem', sec1), '--json']),
    );
    expect(ec.algorithm).toBe('ecdsa-p384');
    privateKeys.push(sec1);

    const duplicate = await keys(['import', '--name', 'ed again', '--file', edFile]);
    expect(duplicate.code).toBe(2);
    expect(duplicate.stderr).toContain(`already in this workspace as "ed" (id ${ed.id})`);
  });

  it('says NOT_FOUND for an unknown id (exit 2)', async () => {
    for (const args of [
      ['export-public', 'feedfacecafe'],
      ['revoke', 'feedfacecafe', '--reason', 'x'],
      ['export', 'feedfacecafe', '--out', join(work, 'n.key'), '--passphrase-stdin'],
    ]) {
      const result = await runConsign(['--home', home, '--json', 'keys', ...args], { input: 'pw' });
      expect(result.code).toBe(2);
      expect(JSON.parse(result.stdout)).toMatchObject({
        error: { code: 'NOT_FOUND', message: 'There is no key with id feedfacecafe.' },
      });
    }
  });

  it('revokes for good: the private key leaves the keychain, the public key stays', async () => {
    const revoked = json<{ id: string; state: string }>(
      await keys(['revoke', generated.id, '--reason', 'laptop stolen', '--json']),
    );
    expect(revoked).toEqual({ id: generated.id, state: 'revoked' });
    expect(lookup(generated.id).stdout).toBe('');
    const listed = json<KeyInfo[]>(await keys(['list', '--json']));
    expect(listed.find((key) => key.id === generated.id)).toMatchObject({
      state: 'revoked',
      revocationReason: 'laptop stolen',
      revokedAt: expect.any(String),
    });
    expect((await keys(['export-public', generated.id])).stdout).toBe(generated.publicKey);

    const twice = await keys(['revoke', generated.id, '--reason', 'again']);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toMatch(/already revoked/);

    const exportRevoked = await keys(
      ['export', generated.id, '--out', join(work, 'revoked.key'), '--passphrase-stdin'],
      PASSPHRASE,
    );
    expect(exportRevoked.code).toBe(1);
    expect(exportRevoked.stderr).toMatch(/is revoked and cannot be exported/);
  });

  it('keeps private keys out of the workspace folder', () => {
    expect(privateKeys.length).toBeGreaterThanOrEqual(4);
    const files = filesUnder(home);
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const content = readFileSync(file).toString('latin1');
      expect(content, file).not.toContain('PRIVATE KEY');
      for (const pem of privateKeys) {
        const body = pemBody(pem);
        expect(content, file).not.toContain(body);
        // Also no single line of it (WAL pages could split a long string, not a 64-char line).
        for (const line of pem.split('\n').filter((l) => l.length >= 40 && !l.startsWith('-'))) {
          expect(content, file).not.toContain(line);
        }
        const der = createPrivateKey(pem).export({ type: 'pkcs8', format: 'der' });
        expect(readFileSync(file).includes(der), file).toBe(false);
      }
    }
  });

  it('audits every key operation without secrets', () => {
    const db = openDatabase(join(home, 'consign.db'));
    try {
      const events = db
        .prepare(
          "SELECT action, subject, details FROM audit_events WHERE action LIKE 'key.%' ORDER BY seq",
        )
        .all() as { action: string; subject: string; details: string }[];
      const actions = events.map((event) => event.action);
      expect(actions.filter((a) => a === 'key.generated')).toHaveLength(1);
      expect(actions.filter((a) => a === 'key.imported')).toHaveLength(3);
      expect(actions.filter((a) => a === 'key.exported')).toHaveLength(1);
      expect(actions.filter((a) => a === 'key.revoked')).toHaveLength(1);
      expect(actions).toContain('key.public-exported');
      const revoked = events.find((event) => event.action === 'key.revoked')!;
      expect(JSON.parse(revoked.details)).toEqual({
        id: generated.id,
        name: 'release 2026',
        fingerprint: generated.fingerprint,
        algorithm: 'ecdsa-p256',
        reason: 'laptop stolen',
      });
      const exported = events.find((event) => event.action === 'key.exported')!;
      expect(JSON.parse(exported.details)).toEqual({
        id: generated.id,
        fingerprint: generated.fingerprint,
        path: join(work, 'exported.key'),
      });
      const all = (db.prepare('SELECT details FROM audit_events').all() as { details: string }[])
        .map((row) => row.details)
        .join('\n');
      expect(all).not.toContain('PRIVATE KEY');
      expect(all).not.toContain(PASSPHRASE);
      expect(all).not.toContain(COSIGN_PASSWORD);
      for (const pem of privateKeys) expect(all).not.toContain(pemBody(pem).slice(0, 40));
    } finally {
      db.close();
    }
  });

  describe('with a locked keyring', () => {
    const dataHome = mkdtempSync(join(tmpdir(), 'consign-keys-locked-'));
    afterAll(() => rmSync(dataHome, { recursive: true, force: true }));

    it('refuses to generate or import (exit 3) and records nothing', () => {
      createLockedKeyring(dataHome);
      const ws = join(dataHome, 'ws');
      const keyFile = write(
        'locked.pem',
        generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({
          type: 'pkcs8',
          format: 'pem',
        }) as string,
      );
      const locked = consignWithLockedKeyring(dataHome, [
        ['--home', ws, '--json', 'keys', 'generate', '--name', 'locked'],
        ['--home', ws, '--json', 'keys', 'import', '--name', 'locked', '--file', keyFile],
      ]);
      expect(locked.stdout).toMatch(/codes 3 3\n$/);
      // One JSON document per command, generate's first.
      const documents = locked.stdout.replace(/codes.*\n$/, '').split(/\n(?=\{)/);
      expect(documents).toHaveLength(2);
      for (const document of documents) {
        const error = JSON.parse(document) as {
          error: { code: string; message: string; remedy: string };
        };
        expect(error.error).toMatchObject({ code: 'KEYCHAIN_LOCKED' });
        expect(error.error.message).toMatch(/locked/);
        expect(error.error.remedy).toMatch(/Unlock/);
      }
      const db = openDatabase(join(ws, 'consign.db'));
      try {
        expect(db.prepare('SELECT count(*) AS n FROM keys').get()).toEqual({ n: 0 });
        expect(
          db.prepare("SELECT count(*) AS n FROM audit_events WHERE action LIKE 'key.%'").get(),
        ).toEqual({ n: 0 });
      } finally {
        db.close();
      }
    });
  });
});
