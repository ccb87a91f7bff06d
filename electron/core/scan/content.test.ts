import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ContentScanner, findSecrets, SECRET_READ_BYTES } from './content';
import type { FileMeta } from './layers';

// Assembled at run time so this source file itself holds no test file or key for other scanners.
const EICAR = ['X5O!P%@AP[4\\PZX54(P^)7CC)7}$', 'EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'].join(
  '',
);
const FAKE_KEY = `-----BEGIN ${'RSA PRIVATE'} KEY-----\n${randomBytes(96).toString('base64')}\n-----END RSA PRIVATE KEY-----\n`;

function meta(path: string, size: number): FileMeta {
  return { path, type: 'file', size, mode: 0o644, uid: 0, gid: 0, layer: 0 };
}

async function scan(scanner: ContentScanner, path: string, data: Buffer | string, chunk = 7) {
  const bytes = Buffer.from(data);
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunk) chunks.push(bytes.subarray(i, i + chunk));
  await scanner.inspect(meta(path, bytes.length), Readable.from(chunks));
}

describe('ContentScanner', () => {
  it('finds the EICAR test file by hash and a miner marker split across chunks', async () => {
    const scanner = new ContentScanner();
    await scan(scanner, 'tmp/eicar.com', EICAR);
    await scan(scanner, 'opt/miner/config.json', '{"url": "stratum+tcp://pool.example:3333"}');
    await scan(scanner, 'etc/hostname', 'box\n');
    const { malware } = scanner.retain(
      new Set(['tmp/eicar.com', 'opt/miner/config.json', 'etc/hostname']),
    );
    expect(malware.map((m) => [m.rule, m.path])).toEqual([
      ['eicar-test-file', '/tmp/eicar.com'],
      ['coin-miner', '/opt/miner/config.json'],
    ]);
    expect(malware[0]!.sha256).toBe(
      '275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f',
    );
  });

  it('finds a miner marker at every split between large chunks', async () => {
    for (const marker of ['stratum2+tcp://', '"donate-level"']) {
      const text = `${'x'.repeat(40)}${marker}${'y'.repeat(40)}`;
      for (let cut = 30; cut <= 40 + marker.length + 10; cut++) {
        const scanner = new ContentScanner();
        const bytes = Buffer.from(text);
        await scanner.inspect(
          meta('opt/m.conf', bytes.length),
          Readable.from([bytes.subarray(0, cut), bytes.subarray(cut)]),
        );
        const { malware } = scanner.retain(new Set(['opt/m.conf']));
        expect(
          malware.map((m) => m.rule),
          `${marker} cut at ${cut}`,
        ).toEqual(['coin-miner']);
      }
    }
  });

  it('reports only files that remain in the final image', async () => {
    const scanner = new ContentScanner();
    await scan(scanner, 'tmp/eicar.com', EICAR);
    // A later layer replaced the file with something harmless, and another file was deleted.
    await scan(scanner, 'tmp/eicar.com', 'clean');
    await scan(scanner, 'root/.ssh/id_rsa', FAKE_KEY);
    const found = scanner.retain(new Set(['tmp/eicar.com']));
    expect(found).toEqual({ secrets: [], malware: [] });
  });

  it('finds secrets with their line and never repeats them', async () => {
    const scanner = new ContentScanner();
    const aws = `AKIA${'ABCDEFGHIJKLMNOP'}`;
    const github = `ghp_${'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8'}`;
    await scan(scanner, 'app/.env', `# settings\nAWS_ACCESS_KEY_ID=${aws}\nGITHUB=${github}\n`);
    await scan(scanner, 'root/.ssh/id_rsa', FAKE_KEY);
    const { secrets } = scanner.retain(new Set(['app/.env', 'root/.ssh/id_rsa']));
    expect(secrets.map((s) => [s.rule, s.path, s.line])).toEqual([
      ['aws-access-key-id', '/app/.env', 2],
      ['github-token', '/app/.env', 3],
      ['private-key', '/root/.ssh/id_rsa', 1],
    ]);
    expect(JSON.stringify(secrets)).not.toContain(aws);
    expect(JSON.stringify(secrets)).not.toContain(github);
  });

  it('skips binaries, documentation and test fixtures, and reads only the beginning of a file', async () => {
    expect(
      findSecrets(Buffer.concat([Buffer.from([0, 1, 2]), Buffer.from(FAKE_KEY)]), 'bin/tool'),
    ).toEqual([]);
    const scanner = new ContentScanner();
    await scan(scanner, 'usr/share/doc/pkg/example.key', FAKE_KEY);
    await scan(scanner, 'usr/lib/node_modules/x/test/key.pem', FAKE_KEY);
    await scan(
      scanner,
      'srv/late.pem',
      Buffer.concat([Buffer.alloc(SECRET_READ_BYTES, 0x20), Buffer.from(FAKE_KEY)]),
      65536,
    );
    const paths = new Set([
      'usr/share/doc/pkg/example.key',
      'usr/lib/node_modules/x/test/key.pem',
      'srv/late.pem',
    ]);
    expect(scanner.retain(paths).secrets).toEqual([]);
  });
});
