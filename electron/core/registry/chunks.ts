import { finished, Readable, Transform, type TransformCallback } from 'node:stream';
import { ConsignError } from '../errors';

/** Bytes queued before the source is paused. */
const PIECES_QUEUE_BYTES = 1024 * 1024;

/**
 * The pieces of a byte stream exactly as they were pushed. `for await` over a byte stream joins
 * whatever is buffered into one new buffer: a copy and an allocation per read on a fast source,
 * and it would hide which memory a piece came from (see ReadBuffers). Fails like `for await`:
 * with the stream's error, or ERR_STREAM_PREMATURE_CLOSE; leaving early destroys the stream.
 */
export async function* pieces(stream: Readable): AsyncGenerator<Buffer> {
  const queue: Buffer[] = [];
  let queued = 0;
  let ended = false;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    const resolve = wake;
    wake = undefined;
    resolve?.();
  };
  const onData = (chunk: Buffer) => {
    queue.push(chunk);
    queued += chunk.length;
    if (queued >= PIECES_QUEUE_BYTES) stream.pause();
    notify();
  };
  stream.on('data', onData);
  const stopWatching = finished(stream, { writable: false }, (error) => {
    if (error) failure = error;
    else ended = true;
    notify();
  });
  try {
    for (;;) {
      const chunk = queue.shift();
      if (chunk) {
        queued -= chunk.length;
        if (queued < PIECES_QUEUE_BYTES && stream.isPaused() && !ended) stream.resume();
        yield chunk;
        continue;
      }
      if (failure) throw failure;
      if (ended) return;
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    stream.off('data', onData);
    stopWatching();
    if (!ended) stream.destroy();
  }
}

/**
 * Cuts one source stream into consecutive pieces of exact lengths (one per upload request), so a
 * chunked upload reads its source once instead of reopening it for every chunk.
 */
export class ChunkReader {
  readonly #source: Readable;
  readonly #iterator: AsyncGenerator<Buffer>;
  readonly #what: string;
  #pending: Buffer | undefined;
  #position: number;

  constructor(source: Readable, startOffset: number, what: string) {
    this.#source = source;
    this.#iterator = pieces(source);
    this.#position = startOffset;
    this.#what = what;
  }

  /** Exactly `length` bytes of the source; fails if the source ends before that. */
  take(length: number, onBytes?: (position: number) => void): Readable {
    const generate = async function* (this: ChunkReader): AsyncGenerator<Buffer> {
      let left = length;
      while (left > 0) {
        let chunk = this.#pending;
        this.#pending = undefined;
        if (!chunk) {
          const next = await this.#iterator.next();
          if (next.done) {
            throw new ConsignError(
              'CHECK_FAILED',
              `The source of ${this.#what} ended after ${this.#position} bytes, before the size its descriptor announces.`,
              { remedy: 'The source is truncated or its descriptor is wrong; check the source.' },
            );
          }
          chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value);
        }
        if (chunk.length > left) {
          this.#pending = chunk.subarray(left);
          chunk = chunk.subarray(0, left);
        }
        left -= chunk.length;
        this.#position += chunk.length;
        onBytes?.(this.#position);
        yield chunk;
      }
    };
    return Readable.from(generate.call(this), { objectMode: false });
  }

  close(): void {
    this.#source.destroy();
    void this.#iterator.return(undefined);
  }
}

/** Passes bytes through and fails unless exactly `expected` of them arrive. */
export class LengthCheck extends Transform {
  readonly #expected: number;
  readonly #what: string;
  #seen = 0;

  constructor(expected: number, what: string) {
    super();
    this.#expected = expected;
    this.#what = what;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.#seen += chunk.length;
    if (this.#seen > this.#expected) {
      done(this.#error(`more than the ${this.#expected} bytes expected`));
      return;
    }
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    done(
      this.#seen === this.#expected
        ? null
        : this.#error(`${this.#seen} bytes where ${this.#expected} were expected`),
    );
  }

  #error(detail: string): ConsignError {
    return new ConsignError('CHECK_FAILED', `${this.#what} has the wrong length: ${detail}.`, {
      remedy: 'The source returned truncated or altered data; try again, or check the source.',
    });
  }
}
