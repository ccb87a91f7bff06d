// Throwaway test PKI made with openssl: a CA, a TLS server certificate for 127.0.0.1 / localhost /
// ::1, and the token issuer's signing certificate. Keys are EC P-256. Plus bcrypt htpasswd files.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireCommand, runChecked } from './proc.ts';

export interface TestPki {
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  issuerCert: string;
  issuerKey: string;
}

const DAYS = '30';

async function ecKey(openssl: string, file: string): Promise<void> {
  await runChecked(openssl, [
    'genpkey',
    '-algorithm',
    'EC',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-out',
    file,
  ]);
}

async function issue(
  openssl: string,
  dir: string,
  name: string,
  subject: string,
  extensions: string,
  ca: { cert: string; key: string },
): Promise<{ cert: string; key: string }> {
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const cert = join(dir, `${name}.pem`);
  const ext = join(dir, `${name}.ext`);
  await ecKey(openssl, key);
  await runChecked(openssl, ['req', '-new', '-key', key, '-subj', subject, '-out', csr]);
  writeFileSync(ext, extensions);
  await runChecked(openssl, [
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    ca.cert,
    '-CAkey',
    ca.key,
    '-CAcreateserial',
    '-days',
    DAYS,
    '-sha256',
    '-extfile',
    ext,
    '-out',
    cert,
  ]);
  return { cert, key };
}

export async function createPki(dir: string): Promise<TestPki> {
  const openssl = requireCommand('openssl');
  const caKey = join(dir, 'ca.key');
  const caCert = join(dir, 'ca.pem');
  await ecKey(openssl, caKey);
  await runChecked(openssl, [
    'req',
    '-x509',
    '-new',
    '-key',
    caKey,
    '-sha256',
    '-days',
    DAYS,
    '-subj',
    '/O=Consign tests/CN=Consign Test CA (throwaway)',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
    '-addext',
    'subjectKeyIdentifier=hash',
    '-out',
    caCert,
  ]);
  const ca = { cert: caCert, key: caKey };
  const server = await issue(
    openssl,
    dir,
    'server',
    '/O=Consign tests/CN=127.0.0.1',
    [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth',
      'subjectAltName=IP:127.0.0.1,DNS:localhost,IP:::1',
      'authorityKeyIdentifier=keyid',
      '',
    ].join('\n'),
    ca,
  );
  const issuer = await issue(
    openssl,
    dir,
    'issuer',
    '/O=Consign tests/CN=Consign test token issuer',
    [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature',
      'authorityKeyIdentifier=keyid',
      '',
    ].join('\n'),
    ca,
  );
  return {
    caCert,
    caKey,
    serverCert: server.cert,
    serverKey: server.key,
    issuerCert: issuer.cert,
    issuerKey: issuer.key,
  };
}

/** One bcrypt htpasswd line (`htpasswd -Bbn`). */
export async function htpasswdLine(user: string, password: string): Promise<string> {
  const out = await runChecked(requireCommand('htpasswd'), ['-Bbn', user, password]);
  return out.trim();
}
