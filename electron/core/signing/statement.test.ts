import { describe, expect, it } from 'vitest';
import { digestOf } from '../oci';
import {
  coversDigest,
  imageStatement,
  isPredicateType,
  parseStatement,
  SIGN_PREDICATE_TYPE,
  subjectDigests,
} from './statement';

const digest = digestOf(Buffer.from('manifest'));
const other = digestOf(Buffer.from('another manifest'));

describe('in-toto Statements', () => {
  it('writes the subject as cosign names it and reads it back', () => {
    const bytes = imageStatement('127.0.0.1:5000/app', digest, SIGN_PREDICATE_TYPE, {});
    expect(bytes.toString()).toBe(
      `{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"127.0.0.1:5000/app","digest":{"sha256":"${digest.slice(7)}"}}],"predicateType":"https://sigstore.dev/cosign/sign/v1","predicate":{}}`,
    );
    const statement = parseStatement(bytes);
    if (typeof statement === 'string') throw new Error(statement);
    expect(coversDigest(statement, digest)).toBe(true);
    expect(coversDigest(statement, other)).toBe(false);
    expect(subjectDigests(statement)).toEqual([digest]);
  });

  it('reads the v0.1 Statements cosign 2.x writes', () => {
    const v01 = Buffer.from(
      JSON.stringify({
        _type: 'https://in-toto.io/Statement/v0.1',
        predicateType: SIGN_PREDICATE_TYPE,
        subject: [{ name: 'r/app', digest: { sha256: digest.slice(7).toUpperCase() } }],
        predicate: {},
      }),
    );
    const statement = parseStatement(v01);
    expect(typeof statement !== 'string' && coversDigest(statement, digest)).toBe(true);
  });

  it('says why a payload is not a Statement', () => {
    expect(parseStatement(Buffer.from('nope'))).toBe('the signed payload is not JSON');
    expect(parseStatement(Buffer.from('[]'))).toBe(
      'the signed payload is not an in-toto Statement',
    );
    expect(parseStatement(Buffer.from('{"_type":"x"}'))).toMatch(/not an in-toto Statement/);
    expect(
      parseStatement(
        Buffer.from('{"_type":"https://in-toto.io/Statement/v1","predicateType":"p","subject":[]}'),
      ),
    ).toBe('the in-toto Statement has no subject');
  });

  it('takes URIs as predicate types and nothing else', () => {
    expect(isPredicateType('https://cyclonedx.org/bom')).toBe(true);
    expect(isPredicateType('https://cosign.sigstore.dev/attestation/vuln/v1')).toBe(true);
    expect(isPredicateType('not a uri')).toBe(false);
    expect(isPredicateType('')).toBe(false);
  });
});
