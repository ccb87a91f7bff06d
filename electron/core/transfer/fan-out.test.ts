import { createHash, randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { fanOut } from './fan-out';

function chunks(total: number, size: number) {
  const parts: Buffer[] = [];
  for (let sent = 0; sent < total; sent += size)
    parts.push(randomBytes(Math.min(size, total - sent)));
  return parts;
}

function hashSink(delayMs = 0) {
  const hash = createHash('sha256');
  let bytes = 0;
  const sink = new Writable({
    highWaterMark: 16 * 1024,
    write(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      bytes += chunk.length;
      if (delayMs) setTimeout(done, delayMs);
      else done();
    },
  });
  return { sink, result: () => ({ bytes, digest: hash.digest('hex') }) };
}

describe('fanOut', () => {
  it('delivers the same bytes to every branch, reading the source once', async () => {
    const parts = chunks(3 * 1024 * 1024, 64 * 1024);
    const expected = createHash('sha256').update(Buffer.concat(parts)).digest('hex');
    let reads = 0;
    const source = Readable.from(
      (function* () {
        for (const part of parts) {
          reads++;
          yield part;
        }
      })(),
    );
    const sinks = [hashSink(), hashSink(1), hashSink()];
    const branches = fanOut(source, sinks.length, 64 * 1024);
    await Promise.all(branches.map((branch, i) => pipeline(branch, sinks[i]!.sink)));
    for (const sink of sinks) expect(sink.result().digest).toBe(expected);
    expect(reads).toBe(parts.length);
  });

  it('keeps feeding the others when one branch fails midway', async () => {
    const parts = chunks(2 * 1024 * 1024, 32 * 1024);
    const expected = createHash('sha256').update(Buffer.concat(parts)).digest('hex');
    const branches = fanOut(Readable.from(parts), 2, 32 * 1024);
    let seen = 0;
    const failing = new Writable({
      write(chunk: Buffer, _enc, done) {
        seen += chunk.length;
        done(seen > 256 * 1024 ? new Error('connection reset') : null);
      },
    });
    const good = hashSink();
    const results = await Promise.allSettled([
      pipeline(branches[0]!, failing),
      pipeline(branches[1]!, good.sink),
    ]);
    expect(results[0]!.status).toBe('rejected');
    expect(results[1]!.status).toBe('fulfilled');
    expect(good.result().digest).toBe(expected);
  });

  it('stops reading the source when every branch is gone', async () => {
    let destroyed = false;
    const source = new Readable({
      read() {
        // Asynchronous like a socket or file, so the flowing loop yields to the timers.
        setImmediate(() => this.push(randomBytes(16 * 1024)));
      },
      destroy(_error, done) {
        destroyed = true;
        done(null);
      },
    });
    const [only] = fanOut(source, 1, 16 * 1024);
    only!.resume();
    await new Promise((resolve) => setTimeout(resolve, 20));
    only!.destroy();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(destroyed).toBe(true);
  });

  it('passes a source error to every branch', async () => {
    const source = new Readable({
      read() {
        this.destroy(new Error('source broke'));
      },
    });
    const branches = fanOut(source, 2);
    const results = await Promise.allSettled(branches.map((b) => pipeline(b, hashSink().sink)));
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  });
});
