/**
 * Memory for the socket reads of one blob download, reused once every consumer has sent the bytes
 * on. Node gives each socket read a new buffer that only garbage collection frees; at loopback
 * registry speeds that allocation, its page faults and the collector cost more CPU than hashing
 * the blob (docs/benchmarks.md). Here reads fill slabs back to back, and a slab is reused only
 * when nothing handed out from it is still ahead of what every consumer has handed to the kernel.
 *
 * The contract, between the downloader and whoever consumes the stream:
 * - the socket reads into `room()` and reports each read with `filled(n)`;
 * - every piece of a read given to the consumer is announced with `handedOut(piece)` when it is
 *   given, and `placed(piece, end)` when the stream that carries it knows its blob position;
 * - `release(position)` says every consumer has sent everything before `position`;
 * - after `stop()` nothing is reused again: a consumer that leaves a stream mid-way (a failed or
 *   restarted upload) may still hold pieces nobody accounts for.
 * Memory not reused is left to the garbage collector, so a broken contract costs speed, never data.
 */
interface Slab {
  memory: Buffer;
  /** Bytes filled by reads. */
  used: number;
  /** Pieces handed out and not yet placed. */
  unplaced: number;
  /** Blob position just past the last byte placed from this slab. */
  end: number;
}

const DEFAULT_SLAB_BYTES = 512 * 1024;
/** A read gets at least this much room; a fuller slab is closed and the next one started. */
const MIN_READ_BYTES = 64 * 1024;
/** Free slabs kept for reuse; more are left to the collector. */
const MAX_FREE_SLABS = 16;

export class ReadBuffers {
  readonly #slabBytes: number;
  readonly #free: Slab[] = [];
  /** Slabs with pieces out, oldest first; the last one may still be filling. */
  readonly #out: Slab[] = [];
  readonly #byMemory = new WeakMap<ArrayBufferLike, Slab>();
  #current: Slab | undefined;
  #stopped = false;
  /** Slabs created and slabs reused, for tests and measurements. */
  readonly stats = { created: 0, reused: 0 };

  constructor(slabBytes = DEFAULT_SLAB_BYTES) {
    this.#slabBytes = Math.max(slabBytes, MIN_READ_BYTES);
  }

  /** Where the next socket read goes. */
  room(): Buffer {
    let slab = this.#current;
    if (!slab || slab.memory.length - slab.used < MIN_READ_BYTES) {
      slab = this.#freshSlab();
      this.#current = slab;
      this.#out.push(slab);
    }
    return slab.memory.subarray(slab.used);
  }

  /** The last read put `bytes` bytes into the room it was given. */
  filled(bytes: number): void {
    if (this.#current) this.#current.used += bytes;
  }

  /** A piece of a read goes to the consumer. */
  handedOut(piece: Uint8Array): void {
    const slab = this.#byMemory.get(piece.buffer);
    if (slab) slab.unplaced++;
  }

  /** A piece handed out sits in the blob just before position `end`. */
  placed(piece: Uint8Array, end: number): void {
    const slab = this.#byMemory.get(piece.buffer);
    if (!slab) return;
    slab.unplaced--;
    if (end > slab.end) slab.end = end;
  }

  /** Every consumer has sent everything before `position`: slabs wholly behind it are reused. */
  release(position: number): void {
    if (this.#stopped) return;
    for (let i = 0; i < this.#out.length;) {
      const slab = this.#out[i]!;
      if (slab !== this.#current && slab.unplaced === 0 && slab.end <= position) {
        this.#out.splice(i, 1);
        if (this.#free.length < MAX_FREE_SLABS) this.#free.push(slab);
      } else {
        i++;
      }
    }
  }

  /** Never reuse memory again (see above). */
  stop(): void {
    this.#stopped = true;
    this.#free.length = 0;
    this.#out.length = 0;
  }

  #freshSlab(): Slab {
    const reused = this.#stopped ? undefined : this.#free.pop();
    if (reused) {
      this.stats.reused++;
      reused.used = 0;
      reused.unplaced = 0;
      reused.end = 0;
      return reused;
    }
    this.stats.created++;
    const slab: Slab = {
      memory: Buffer.allocUnsafeSlow(this.#slabBytes),
      used: 0,
      unplaced: 0,
      end: 0,
    };
    if (!this.#stopped) this.#byMemory.set(slab.memory.buffer, slab);
    return slab;
  }
}

/** What a downloader needs of a `ReadBuffers`. */
export type ReadBufferSource = Pick<ReadBuffers, 'room' | 'filled' | 'handedOut'>;
