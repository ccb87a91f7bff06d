import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { digestOf } from '../oci';
import { checkSignature, keyHint, openBundle, signStatement } from './bundle';
import { coversDigest, imageStatement, SIGN_PREDICATE_TYPE, STATEMENT_V1 } from './statement';

const p256 = () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const digest = digestOf(Buffer.from('an image manifest'));

async function signed(privateKey = p256().privateKey) {
  const statement = imageStatement('registry.example/app', digest, SIGN_PREDICATE_TYPE, {});
  return { privateKey, bytes: await signStatement(privateKey, statement) };
}

describe('Sigstore bundles', () => {
  it('writes a v0.3 DSSE bundle with the key hint and an in-toto v1 Statement', async () => {
    const { privateKey, bytes } = await signed();
    const json = JSON.parse(bytes.toString('utf8')) as {
      mediaType: string;
      verificationMaterial: { publicKey: { hint: string }; tlogEntries?: unknown[] };
      dsseEnvelope: { payloadType: string; payload: string };
    };
    expect(json.mediaType).toBe('application/vnd.dev.sigstore.bundle.v0.3+json');
    expect(json.verificationMaterial.publicKey.hint).toBe(keyHint(privateKey));
    expect(json.verificationMaterial.tlogEntries ?? []).toEqual([]);
    expect(json.dsseEnvelope.payloadType).toBe('application/vnd.in-toto+json');
    const statement = JSON.parse(Buffer.from(json.dsseEnvelope.payload, 'base64').toString()) as {
      _type: string;
      subject: { name: string; digest: { sha256: string } }[];
      predicateType: string;
    };
    expect(statement._type).toBe(STATEMENT_V1);
    expect(statement.subject).toEqual([
      { name: 'registry.example/app', digest: { sha256: digest.slice(7) } },
    ]);
    expect(statement.predicateType).toBe(SIGN_PREDICATE_TYPE);
  });

  it('verifies with the signing key and names what is wrong otherwise', async () => {
    const { privateKey, bytes } = await signed();
    const opened = openBundle(bytes);
    if (typeof opened === 'string') throw new Error(opened);
    expect(checkSignature(opened, privateKey)).toBeNull();
    expect(typeof opened.statement !== 'string' && coversDigest(opened.statement, digest)).toBe(
      true,
    );
    expect(checkSignature(opened, p256().publicKey)).toMatch(
      /another key or the payload was altered/,
    );

    const json = JSON.parse(bytes.toString('utf8')) as { dsseEnvelope: { payload: string } };
    const statement = Buffer.from(json.dsseEnvelope.payload, 'base64')
      .toString()
      .replace(digest.slice(7), 'f'.repeat(64));
    json.dsseEnvelope.payload = Buffer.from(statement).toString('base64');
    const tampered = openBundle(Buffer.from(JSON.stringify(json)));
    if (typeof tampered === 'string') throw new Error(tampered);
    expect(checkSignature(tampered, privateKey)).toMatch(/altered/);
  });

  it('says why bytes are not a bundle instead of throwing', () => {
    expect(openBundle(Buffer.from('not json'))).toBe('the bundle is not JSON');
    expect(openBundle(Buffer.from('{"mediaType":"x"}'))).toMatch(/not a valid Sigstore bundle/);
  });
});
