/**
 * in-toto Statements about an image: what a Sigstore bundle's DSSE envelope carries. Pure (no
 * registry, no keys), so the bytes can be compared with what cosign writes and reads.
 */
import { digestHex, type Digest } from '../oci';

/** DSSE payload type of an in-toto Statement. */
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
export const STATEMENT_V1 = 'https://in-toto.io/Statement/v1';
/** cosign 2.x still writes v0.1 statements; we read both. */
const STATEMENT_TYPES = [STATEMENT_V1, 'https://in-toto.io/Statement/v0.1'];
/** The predicate type of a signature made as a bundle (cosign v3's `cosign sign` writes it). */
export const SIGN_PREDICATE_TYPE = 'https://sigstore.dev/cosign/sign/v1';

export interface Statement {
  _type: string;
  subject: { name: string; digest: Record<string, string> }[];
  predicateType: string;
  predicate: unknown;
}

/** A predicate type is a URI; anything else is refused before it is signed. */
export function isPredicateType(value: string): boolean {
  if (value.length > 2048) return false;
  try {
    const url = new URL(value);
    return url.protocol.length > 1 && !/\s/.test(value);
  } catch {
    return false;
  }
}

/**
 * The Statement over one image: subject name is `HOST/REPO` (as cosign names it), subject digest
 * the manifest digest. Keys are written in the order cosign writes them.
 */
export function imageStatement(
  repository: string,
  digest: Digest,
  predicateType: string,
  predicate: unknown,
): Buffer {
  const [algorithm] = digest.split(':');
  const statement: Statement = {
    _type: STATEMENT_V1,
    subject: [{ name: repository, digest: { [algorithm!]: digestHex(digest) } }],
    predicateType,
    predicate,
  };
  return Buffer.from(JSON.stringify(statement), 'utf8');
}

/** Reads a Statement, or says why the payload is not one. */
export function parseStatement(payload: Buffer): Statement | string {
  let value: unknown;
  try {
    value = JSON.parse(payload.toString('utf8'));
  } catch {
    return 'the signed payload is not JSON';
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return 'the signed payload is not an in-toto Statement';
  }
  const statement = value as Partial<Record<keyof Statement, unknown>>;
  if (typeof statement._type !== 'string' || !STATEMENT_TYPES.includes(statement._type)) {
    return `the signed payload is not an in-toto Statement (type ${JSON.stringify(statement._type ?? null)})`;
  }
  if (typeof statement.predicateType !== 'string') {
    return 'the in-toto Statement names no predicateType';
  }
  const subjects = Array.isArray(statement.subject) ? statement.subject : [];
  const subject: Statement['subject'] = [];
  for (const entry of subjects as unknown[]) {
    const item = entry as { name?: unknown; digest?: unknown } | null;
    if (typeof item?.digest !== 'object' || item.digest === null) continue;
    const digest: Record<string, string> = {};
    for (const [algorithm, hex] of Object.entries(item.digest)) {
      if (typeof hex === 'string') digest[algorithm] = hex;
    }
    subject.push({ name: typeof item.name === 'string' ? item.name : '', digest });
  }
  if (subject.length === 0) return 'the in-toto Statement has no subject';
  return {
    _type: statement._type,
    subject,
    predicateType: statement.predicateType,
    predicate: statement.predicate ?? null,
  };
}

/** True when one of the statement's subjects is exactly this digest. */
export function coversDigest(statement: Statement, digest: Digest): boolean {
  const [algorithm] = digest.split(':');
  const hex = digestHex(digest);
  return statement.subject.some((s) => s.digest[algorithm!]?.toLowerCase() === hex);
}

/** The digests a statement's subjects name, for a reason shown to a person. */
export function subjectDigests(statement: Statement): string[] {
  return statement.subject.flatMap((s) =>
    Object.entries(s.digest).map(([algorithm, hex]) => `${algorithm}:${hex}`),
  );
}
