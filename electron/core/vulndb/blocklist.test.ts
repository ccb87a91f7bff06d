import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConsignError } from '../errors';
import {
  BlocklistParser,
  csvFields,
  fileLines,
  isBlocklistFile,
  MAX_LINE_BYTES,
} from './blocklist';

const work = mkdtempSync(join(tmpdir(), 'consign-blocklist-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const A = 'a'.repeat(64);
const B = 'B'.repeat(64);

function parse(text: string) {
  const parser = new BlocklistParser('list.txt');
  return text.split('\n').flatMap((line, i) => parser.line(line, i + 1) ?? []);
}

function failure(run: () => unknown): ConsignError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConsignError) return error;
    throw error;
  }
  throw new Error('expected a ConsignError');
}

describe('blocklist parser', () => {
  it('reads hashes with optional names after spaces, a tab or a comma, and comments', () => {
    expect(
      parse(
        `# a feed\n\n${A}\n${B}  Mirai botnet  \n${A.replace(/a/g, 'c')}\tXMRig\n${'d'.repeat(64)}, "Emotet"\n`,
      ),
    ).toEqual([
      { sha256: A },
      { sha256: 'b'.repeat(64), name: 'Mirai botnet' },
      { sha256: 'c'.repeat(64), name: 'XMRig' },
      { sha256: 'd'.repeat(64), name: 'Emotet' },
    ]);
  });

  it('reads a CSV file by its header, quoted fields and comment lines included', () => {
    const csv = [
      '# exported feed',
      '"first_seen_utc","sha256_hash","md5_hash","signature"',
      `"2026-01-01 00:00:00", "${B}", "00", "AgentTesla"`,
      `"2026-01-02 00:00:00","${A}","11","n/a, ""quoted"""`,
    ].join('\r\n');
    expect(parse(csv.replace(/\r/g, ''))).toEqual([
      { sha256: 'b'.repeat(64), name: 'AgentTesla' },
      { sha256: A, name: 'n/a, "quoted"' },
    ]);
    expect(parse(`sha256,name\n${A},\n`)).toEqual([{ sha256: A }]);
  });

  it('names the line that is not a hash', () => {
    const error = failure(() => parse(`${A}\n# fine\nnot-a-hash evil\n`));
    expect(error.code).toBe('BAD_INPUT');
    expect(error.message).toBe(
      'list.txt line 3 ("not-a-hash evil") does not start with a SHA-256 hash of 64 hex digits; nothing was imported.',
    );
    expect(failure(() => parse(`${A.slice(1)}\n`)).message).toMatch(
      /^list\.txt line 1 is neither a SHA-256 hash nor a CSV header/,
    );
    expect(failure(() => parse(`sha256,name\n${A},x\n12345,y\n`)).message).toMatch(
      /^list\.txt line 3 has "12345" in its sha256 column/,
    );
    expect(failure(() => parse(`sha256,name\n"${A},x\n`)).message).toMatch(
      /^list\.txt line 2 is not a well-formed CSV row/,
    );
  });

  it('keeps names printable and short', () => {
    const [entry] = parse(`${A} bad\u0007name ${'x'.repeat(300)}`);
    expect(entry!.name).not.toContain('\u0007');
    expect(entry!.name!.length).toBe(201);
  });

  it('splits CSV fields', () => {
    expect(csvFields('a, "b,c" ,d')).toEqual(['a', 'b,c', 'd']);
    expect(csvFields('"x" y')).toBeUndefined();
  });
});

describe('blocklist files', () => {
  it('are told from OSV JSON by their content', async () => {
    const plain = join(work, 'list');
    writeFileSync(plain, `# comment\n${A} name\n`);
    const csv = join(work, 'feed.csv');
    writeFileSync(csv, `sha256,name\n${A},x\n`);
    const json = join(work, 'osv.json');
    writeFileSync(json, '{"id":"X","modified":"2026-01-01T00:00:00Z"}');
    const text = join(work, 'notes.txt');
    writeFileSync(text, 'hello\n');
    expect(await isBlocklistFile(plain)).toBe(true);
    expect(await isBlocklistFile(csv)).toBe(true);
    expect(await isBlocklistFile(json)).toBe(false);
    expect(await isBlocklistFile(text)).toBe(false);
  });

  it('are read line by line, refusing an endless line', async () => {
    const file = join(work, 'lines');
    writeFileSync(file, `one\r\ntwo\nthree`);
    const lines: string[] = [];
    for await (const line of fileLines(file)) lines.push(line);
    expect(lines).toEqual(['one', 'two', 'three']);
    const long = join(work, 'long');
    writeFileSync(long, `ok\n${'x'.repeat(MAX_LINE_BYTES * 20)}`);
    const read = async () => {
      for await (const line of fileLines(long)) void line;
    };
    await expect(read()).rejects.toThrow(/line 2 is longer than 8192 characters/);
  });
});
