import { describe, expect, it } from 'vitest';
import { ReadBuffers } from './read-buffers';

const SLAB = 128 * 1024;

/** Simulates one socket read of `bytes` bytes, handing all of it out. */
function read(buffers: ReadBuffers, bytes: number): Buffer {
  const room = buffers.room();
  buffers.filled(bytes);
  const piece = room.subarray(0, bytes);
  buffers.handedOut(piece);
  return piece;
}

describe('ReadBuffers', () => {
  it('fills a slab with consecutive reads and starts another when it is nearly full', () => {
    const buffers = new ReadBuffers(SLAB);
    const a = read(buffers, 40 * 1024);
    const b = read(buffers, 40 * 1024);
    expect(b.buffer).toBe(a.buffer);
    expect(b.byteOffset).toBe(a.byteOffset + a.length);
    // 48 KiB left: less than a read's minimum room, so a new slab.
    const c = read(buffers, 10);
    expect(c.buffer).not.toBe(a.buffer);
    expect(buffers.stats.created).toBe(2);
  });

  it('reuses a slab only once every piece from it is placed and sent', () => {
    const buffers = new ReadBuffers(SLAB);
    const a = read(buffers, 100 * 1024);
    const b = read(buffers, 100 * 1024); // second slab: the first is closed
    buffers.placed(a, 100 * 1024);
    buffers.release(100 * 1024 - 1);
    read(buffers, 100 * 1024); // third slab: nothing free yet
    expect(buffers.stats).toEqual({ created: 3, reused: 0 });

    buffers.release(100 * 1024);
    const d = read(buffers, 100 * 1024);
    expect(d.buffer).toBe(a.buffer);
    expect(buffers.stats.reused).toBe(1);
    // b was handed out but never placed: however far the consumers got, it is not reused.
    buffers.release(Number.MAX_SAFE_INTEGER);
    const e = read(buffers, 100 * 1024);
    expect(e.buffer).not.toBe(b.buffer);
  });

  it('never reuses the slab reads are still going into', () => {
    const buffers = new ReadBuffers(SLAB);
    const a = read(buffers, 1024);
    buffers.placed(a, 1024);
    buffers.release(1024);
    const b = read(buffers, 1024);
    expect(b.buffer).toBe(a.buffer);
    expect(b.byteOffset).toBe(1024); // appended, not written over
  });

  it('reuses nothing after stop, whatever is released later', () => {
    const buffers = new ReadBuffers(SLAB);
    const a = read(buffers, 100 * 1024);
    read(buffers, 100 * 1024);
    buffers.placed(a, 100 * 1024);
    buffers.stop();
    buffers.release(Number.MAX_SAFE_INTEGER);
    const c = read(buffers, 100 * 1024);
    expect(c.buffer).not.toBe(a.buffer);
    expect(buffers.stats.reused).toBe(0);
  });

  it('frees a slab that held only bytes never handed out (a response head)', () => {
    const buffers = new ReadBuffers(SLAB);
    const room = buffers.room();
    buffers.filled(100 * 1024);
    read(buffers, 100 * 1024); // next slab
    buffers.release(0);
    expect(read(buffers, 100 * 1024).buffer).toBe(room.buffer);
  });
});
