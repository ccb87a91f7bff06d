import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { ConsignError } from '../errors';

const DIGEST_PATTERN = /^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;

export type Digest = `sha256:${string}` | `sha512:${string}`;

export function isDigest(value: unknown): value is Digest {
  return typeof value === 'string' && DIGEST_PATTERN.test(value);
}

export function parseDigest(value: string, what = 'digest'): Digest {
  if (!isDigest(value)) {
    throw new ConsignError(
      'BAD_INPUT',
      `${what} "${value.slice(0, 140)}" is not a sha256 or sha512 digest.`,
      {
        remedy: 'A digest looks like sha256: followed by 64 lower-case hex characters.',
      },
    );
  }
  return value;
}

function algorithmOf(digest: Digest): 'sha256' | 'sha512' {
  return digest.startsWith('sha512:') ? 'sha512' : 'sha256';
}

export function digestOf(
  data: Uint8Array | string,
  algorithm: 'sha256' | 'sha512' = 'sha256',
): Digest {
  return `${algorithm}:${createHash(algorithm).update(data).digest('hex')}` as Digest;
}

/** The hex part of a digest, as cosign's `sha256-<hex>` tags use it. */
export function digestHex(digest: Digest): string {
  return digest.slice(digest.indexOf(':') + 1);
}

/**
 * A pass-through stream that hashes what flows through it and fails the stream, at its end, when
 * the content is not what was announced: a registry (or disk) that lies is caught before anyone
 * trusts the bytes. Size is checked as bytes arrive, so an endless body stops early.
 */
export class VerifyingStream extends Transform {
  readonly #expected: Digest;
  readonly #size: number | undefined;
  readonly #hash: Hash;
  readonly #what: string;
  #seen = 0;

  constructor(expected: Digest, size: number | undefined, what: string) {
    super();
    this.#expected = expected;
    this.#size = size;
    this.#hash = createHash(algorithmOf(expected));
    this.#what = what;
  }

  get bytes(): number {
    return this.#seen;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.#seen += chunk.length;
    if (this.#size !== undefined && this.#seen > this.#size) {
      done(this.#mismatch(`more than the ${this.#size} bytes announced`));
      return;
    }
    this.#hash.update(chunk);
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    if (this.#size !== undefined && this.#seen !== this.#size) {
      done(this.#mismatch(`${this.#seen} bytes where ${this.#size} were announced`));
      return;
    }
    const actual = `${algorithmOf(this.#expected)}:${this.#hash.digest('hex')}`;
    if (actual !== this.#expected) {
      done(this.#mismatch(`content hashes to ${actual}`));
      return;
    }
    done();
  }

  #mismatch(detail: string): ConsignError {
    return new ConsignError(
      'CHECK_FAILED',
      `${this.#what} does not match its digest ${this.#expected}: ${detail}.`,
      {
        remedy:
          'The source returned altered or truncated data; nothing from it was trusted. Try again, or check the source.',
      },
    );
  }
}
