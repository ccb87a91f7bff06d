/**
 * Delivery records kept for auditors: the signed Sigstore bundle of each delivery record (one per
 * customer and image), as pushed next to the image, written out with the signer's public key so
 * they can be checked offline, away from the customers' registries.
 */
import type { Engine } from '../engine';
import { ConsignError } from '../errors';
import { writeNewFolder } from '../files';
import { readState } from './store';
import { DELIVERY_RECORD_PREDICATE_TYPE } from './types';

/** A file-name part: letters, digits, dots, dashes and underscores only. */
function slug(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[.-]+/, '') || 'x';
}

function readme(delivery: string, release: string, fingerprint: string): string {
  return [
    `Delivery records of delivery ${delivery} (${release})`,
    '',
    'Each <customer>/<image>-<tag>.sigstore.json is a Sigstore bundle (v0.3): a DSSE envelope',
    'over an in-toto Statement whose subject is the delivered image digest and whose predicate',
    `(type ${DELIVERY_RECORD_PREDICATE_TYPE}) names the release, the customer, the`,
    'delivered digests, the scan summary, the policy verdict, the signing key and the time.',
    '<customer>/<image>-<tag>.statement.json is that statement, decoded for reading.',
    '',
    `signer.pub is the public key that signed them (SHA-256 fingerprint ${fingerprint}).`,
    'The same attestation is stored next to the image in the customer registry, where',
    `\`cosign verify-attestation --key signer.pub --type ${DELIVERY_RECORD_PREDICATE_TYPE}`,
    '--insecure-ignore-tlog --new-bundle-format IMAGE@DIGEST` verifies it.',
    '',
  ].join('\n');
}

/**
 * Writes the delivery's signed records into a new or empty folder. Only images that were signed
 * and recorded have one; a delivery with none is refused (NOT_FOUND) before the folder is made.
 */
export async function saveDeliveryRecords(
  engine: Engine,
  id: string,
  dir: string,
): Promise<{ dir: string; files: string[] }> {
  const { db, audit } = engine.requireStore();
  const state = readState(db, id);
  const { row } = state;
  const release = `${row.product}@${row.version}`;
  const files: { path: string; contents: string }[] = [];
  for (const target of state.targets) {
    if (!target.record_bundle) continue;
    const customer = state.customers.find((c) => c.customer_id === target.customer_id);
    const image = state.images[target.position];
    if (!customer || !image) continue;
    const base = `${slug(customer.customer_name)}/${slug(image.name)}-${slug(image.tag)}`;
    const bundle = JSON.parse(target.record_bundle) as {
      dsseEnvelope?: { payload?: string };
    };
    const payload = bundle.dsseEnvelope?.payload;
    files.push({ path: `${base}.sigstore.json`, contents: `${target.record_bundle}\n` });
    if (payload) {
      const statement: unknown = JSON.parse(Buffer.from(payload, 'base64').toString('utf8'));
      files.push({
        path: `${base}.statement.json`,
        contents: `${JSON.stringify(statement, null, 2)}\n`,
      });
    }
  }
  if (files.length === 0) {
    throw new ConsignError('NOT_FOUND', `Delivery ${id} has no signed delivery record yet.`, {
      remedy: 'Records are made once an image is signed in a customer registry; resume it first.',
    });
  }
  files.push({ path: 'signer.pub', contents: row.public_key });
  files.push({ path: 'README.txt', contents: readme(id, release, row.key_fingerprint) });
  const written = await writeNewFolder(dir, files, 'the delivery records');
  audit.append({
    action: 'delivery.records-saved',
    subject: id,
    details: { delivery: id, release, dir: written.dir, files: written.files.length },
  });
  return written;
}
