import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ConsignError } from '../errors';
import { ChunkReader, LengthCheck, pieces } from './chunks';

async function collect(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream as AsyncIterable<Buffer>) parts.push(part);
  return Buffer.concat(parts);
}

describe('ChunkReader', () => {
  it('cuts one source into exact consecutive pieces, splitting its chunks where needed', async () => {
    const data = Buffer.from('abcdefghijklmnopqrstuvwxyz');
    const source = Readable.from([data.subarray(0, 7), data.subarray(7, 9), data.subarray(9)]);
    const reader = new ChunkReader(source, 0, 'test blob');
    const positions: number[] = [];
    expect((await collect(reader.take(5, (p) => positions.push(p)))).toString()).toBe('abcde');
    expect((await collect(reader.take(10))).toString()).toBe('fghijklmno');
    expect((await collect(reader.take(11))).toString()).toBe('pqrstuvwxyz');
    expect(positions.at(-1)).toBe(5);
  });

  it('fails a piece when the source ends early', async () => {
    const reader = new ChunkReader(Readable.from([Buffer.from('abc')]), 10, 'blob x');
    const error = await collect(reader.take(5)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConsignError);
    expect((error as ConsignError).message).toMatch(/blob x ended after 13 bytes/);
  });
});

describe('LengthCheck', () => {
  it('passes exactly the expected length and fails otherwise', async () => {
    const ok = Readable.from([Buffer.from('abcd')]).pipe(new LengthCheck(4, 'x'));
    expect((await collect(ok)).toString()).toBe('abcd');
    const short = Readable.from([Buffer.from('ab')]).pipe(new LengthCheck(4, 'x'));
    await expect(collect(short)).rejects.toThrow(/2 bytes where 4 were expected/);
    const long = Readable.from([Buffer.from('abcdef')]).pipe(new LengthCheck(4, 'x'));
    await expect(collect(long)).rejects.toThrow(/more than the 4 bytes/);
  });
});

describe('pieces', () => {
  it('yields every piece as it was pushed, never joined into a new buffer', async () => {
    const stream = new PassThrough();
    const parts = [Buffer.from('ab'), Buffer.from('cd'), Buffer.from('ef')];
    for (const part of parts) stream.write(part);
    stream.end();
    const seen: Buffer[] = [];
    for await (const part of pieces(stream)) seen.push(part);
    expect(seen).toHaveLength(3);
    seen.forEach((part, i) => expect(part).toBe(parts[i]));
  });

  it('pauses a fast source and resumes it as pieces are taken', async () => {
    const stream = new PassThrough({ highWaterMark: 1 });
    const total = 64;
    for (let i = 0; i < total; i++) stream.write(Buffer.alloc(64 * 1024, i));
    stream.end();
    let count = 0;
    for await (const part of pieces(stream)) {
      expect(part[0]).toBe(count++);
      if (count === 1) await new Promise((r) => setTimeout(r, 20));
    }
    expect(count).toBe(total);
  });

  it('fails with the stream error, or as a premature close', async () => {
    const failing = new PassThrough();
    failing.write(Buffer.from('x'));
    setImmediate(() => failing.destroy(new Error('boom')));
    await expect(collectPieces(failing)).rejects.toThrow('boom');
    const closed = new PassThrough();
    setImmediate(() => closed.destroy());
    await expect(collectPieces(closed)).rejects.toMatchObject({
      code: 'ERR_STREAM_PREMATURE_CLOSE',
    });
  });

  it('destroys the stream when the reader leaves early', async () => {
    const stream = new PassThrough();
    stream.write(Buffer.from('a'));
    stream.write(Buffer.from('b'));
    for await (const part of pieces(stream)) {
      expect(part.toString()).toBe('a');
      break;
    }
    expect(stream.destroyed).toBe(true);
  });
});

async function collectPieces(stream: Readable): Promise<Buffer[]> {
  const seen: Buffer[] = [];
  for await (const part of pieces(stream)) seen.push(part);
  return seen;
}
