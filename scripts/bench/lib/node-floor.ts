/**
 * The least a Node.js program can do to copy an image between two plain-HTTP registries: read the
 * manifest, then for each blob (four at a time) GET it, hash it and stream it into a monolithic PUT,
 * then PUT the manifest. No retries, no auth, no checks beyond the digest. The copy benchmark runs
 * it beside `consign copy` to show what the platform itself (node:http, sockets, SHA-256) costs on
 * the same machine, apart from anything Consign adds.
 *
 *   node scripts/bench/lib/node-floor.ts SRC_HOST/REPO:TAG DST_HOST/REPO:TAG
 */
import { createHash } from 'node:crypto';
import http from 'node:http';

const CONCURRENCY = 4;
const MANIFEST_TYPES = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

interface Blob {
  digest: string;
  size: number;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });

function send(
  method: string,
  url: URL | string,
  headers: Record<string, string>,
  write: (req: http.ClientRequest) => void = (req) => req.end(),
): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent }, resolve);
    req.on('error', reject);
    write(req);
  });
}

async function bodyOf(res: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function split(ref: string): { host: string; repo: string; tag: string } {
  const slash = ref.indexOf('/');
  const colon = ref.lastIndexOf(':');
  return {
    host: ref.slice(0, slash),
    repo: ref.slice(slash + 1, colon),
    tag: ref.slice(colon + 1),
  };
}

async function copyBlob(src: ReturnType<typeof split>, dst: ReturnType<typeof split>, blob: Blob) {
  const started = await send('POST', `http://${dst.host}/v2/${dst.repo}/blobs/uploads/`, {
    'content-length': '0',
  });
  await bodyOf(started);
  if (started.statusCode !== 202) throw new Error(`upload start: HTTP ${started.statusCode}`);
  const target = new URL(started.headers.location ?? '', `http://${dst.host}`);
  target.searchParams.set('digest', blob.digest);
  const download = await send('GET', `http://${src.host}/v2/${src.repo}/blobs/${blob.digest}`, {});
  if (download.statusCode !== 200) throw new Error(`blob GET: HTTP ${download.statusCode}`);
  const hash = createHash('sha256');
  const headers = {
    'content-length': String(blob.size),
    'content-type': 'application/octet-stream',
  };
  const stored = await send('PUT', target, headers, (req) => {
    download.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      if (!req.write(chunk)) {
        download.pause();
        req.once('drain', () => download.resume());
      }
    });
    download.on('end', () => req.end());
  });
  await bodyOf(stored);
  if (stored.statusCode !== 201) throw new Error(`blob PUT: HTTP ${stored.statusCode}`);
  if (`sha256:${hash.digest('hex')}` !== blob.digest)
    throw new Error(`${blob.digest}: wrong bytes`);
}

async function main(): Promise<void> {
  const [from, to] = process.argv.slice(2);
  if (!from || !to) throw new Error('usage: node-floor.ts SRC_HOST/REPO:TAG DST_HOST/REPO:TAG');
  const src = split(from);
  const dst = split(to);
  const got = await send('GET', `http://${src.host}/v2/${src.repo}/manifests/${src.tag}`, {
    accept: MANIFEST_TYPES,
  });
  const bytes = await bodyOf(got);
  if (got.statusCode !== 200) throw new Error(`manifest GET: HTTP ${got.statusCode}`);
  const manifest = JSON.parse(bytes.toString('utf8')) as {
    mediaType: string;
    config: Blob;
    layers: Blob[];
  };
  const blobs = [manifest.config, ...manifest.layers];
  let next = 0;
  const worker = async () => {
    while (next < blobs.length) await copyBlob(src, dst, blobs[next++]!);
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const put = await send(
    'PUT',
    `http://${dst.host}/v2/${dst.repo}/manifests/${dst.tag}`,
    { 'content-type': manifest.mediaType, 'content-length': String(bytes.length) },
    (req) => req.end(bytes),
  );
  await bodyOf(put);
  if (put.statusCode !== 201) throw new Error(`manifest PUT: HTTP ${put.statusCode}`);
  agent.destroy();
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
