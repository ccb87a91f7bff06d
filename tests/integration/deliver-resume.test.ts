// A delivery killed with SIGKILL in the middle of its uploads, then finished with
// `consign deliver --resume`: every customer complete, no blob uploaded twice, no audit event
// written twice. Each customer's registry sits behind a counting proxy, so the test sees every
// request that reached it. Also: resuming a finished delivery does nothing, one customer that
// failed can be retried alone, and Ctrl-C stops a delivery cleanly.
import Docker from 'dockerode';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeyInfo } from '../../shared/contract';
import { customerAddArgs, releaseArgs } from '../support/cli-args';
import { CLI, copyFromDaemon, jsonOf, workspaceCli, type CliResult } from '../support/consign-cli';
import { customerAccounts } from '../support/customer-side';
import type { AuditEvent, DeliverJson } from '../support/delivery-json';
import { buildImage } from '../support/docker-build';
import { FaultProxy, type ProxyRecord } from '../support/fault-proxy';
import { forgetKeys } from '../support/key-cleanup';
import { uniqueRepository } from '../support/registry-fixtures';
import { testEnv } from '../support/test-env';

const env = testEnv();

/** `repository digest` of every blob upload the registry completed (PUT …?digest=, 201). */
function completedUploads(records: ProxyRecord[]): string[] {
  return records
    .filter((r) => r.method === 'PUT' && r.status === 201 && /\/blobs\/uploads\//.test(r.path))
    .map((r) => {
      const url = new URL(r.path, 'http://registry');
      const repository = url.pathname.replace(/^\/v2\//, '').replace(/\/blobs\/uploads\/.*$/, '');
      return `${repository} ${url.searchParams.get('digest')}`;
    });
}

/** Each value with how often it occurs, for those occurring more than once. */
function repeated(values: string[]): Record<string, number> {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return Object.fromEntries([...counts].filter(([, n]) => n > 1));
}

/** The newest delivery's id and status as the workspace database holds them (read-only). */
function newestDelivery(home: string): { id: string; status: string } | undefined {
  const file = join(home, 'consign.db');
  if (!existsSync(file)) return undefined;
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    return db
      .prepare('SELECT id, status FROM deliveries ORDER BY created_at DESC, rowid DESC LIMIT 1')
      .get() as { id: string; status: string } | undefined;
  } finally {
    db.close();
  }
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

describe('consign deliver --resume', () => {
  const docker = new Docker({ socketPath: env.dockerSocket });
  const accounts = customerAccounts();
  const names = ['Acme', 'Globex', 'Initech'] as const;
  let home: string;
  let key: KeyInfo;
  let big: { ref: string; digest: string };
  let small: { ref: string; digest: string };
  const proxies = new Map<string, FaultProxy>();
  const namespaces = new Map<string, string>();
  const consign = workspaceCli(() => home, {}, 300_000);
  const bigImage = `consign-deliver-resume/big:t${Date.now()}`;

  const childEnv = () => ({
    ...process.env,
    CONSIGN_KEYCHAIN_SERVICE: env.keychainService,
    DBUS_SESSION_BUS_ADDRESS: env.dbusSessionBusAddress,
  });

  /** Starts `consign deliver …` in the background, for tests that stop it on purpose. */
  const startDeliver = (args: string[]): { child: ChildProcess; result: Promise<CliResult> } => {
    const child = spawn(process.execPath, [CLI, 'deliver', ...args, '--home', home], {
      env: childEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const result = new Promise<CliResult>((done) =>
      child.on('close', (code, signal) =>
        done({ code: code ?? (signal === 'SIGKILL' ? 137 : 1), stdout, stderr }),
      ),
    );
    return { child, result };
  };

  const allRecords = () => [...proxies.values()].flatMap((p) => p.records);
  const uploadsNow = () => completedUploads(allRecords()).length;

  const auditOf = async (args: string[] = []) =>
    jsonOf<AuditEvent[]>(await consign(['audit', 'list', ...args, '--limit', '100000', '--json']));

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'consign-deliver-resume-'));
    key = jsonOf<KeyInfo>(await consign(['keys', 'generate', '--name', 'Release', '--json']));
    // Four incompressible layers of 24 MiB on the base image: long enough to stop mid-way.
    const layers = Object.fromEntries(
      Array.from({ length: 4 }, (_, i) => [`part${i}.bin`, randomBytes(24 * 1024 * 1024)]),
    );
    await buildImage(
      docker,
      bigImage,
      [`FROM ${env.baseImage}`, ...Object.keys(layers).map((f) => `COPY ${f} /data/${f}`), ''].join(
        '\n',
      ),
      layers,
    );
    const source = uniqueRepository('deliver-resume-src');
    const publish = (local: string, name: string) =>
      copyFromDaemon(consign, local, `docker://${env.registryPlain}/${source}/${name}:1.0.0`);
    big = await publish(bigImage, 'big');
    small = await publish(env.baseImage, 'small');

    // Each customer's registry behind its own counting proxy: Acme and Initech on the plain
    // registry (no login), Globex on the token registry (token login).
    const upstream = {
      Acme: accounts.plain,
      Globex: accounts.token,
      Initech: accounts.plain,
    } as const;
    for (const name of names) {
      const account = upstream[name];
      const proxy = await FaultProxy.start(account.registry);
      proxies.set(name, proxy);
      const namespace = uniqueRepository(`resume-${name.toLowerCase()}`);
      namespaces.set(name, namespace);
      const args = account.args.map((arg) => (arg === account.registry ? proxy.host : arg));
      jsonOf(await consign(customerAddArgs(name, args, namespace, 'demo'), account.password));
    }
  }, 600_000);

  afterAll(async () => {
    for (const name of [...names, 'Hooli']) await consign(['customers', 'remove', name]);
    forgetKeys([key]);
    for (const proxy of proxies.values()) await proxy.close();
    await docker
      .getImage(bigImage)
      .remove({ force: true })
      .catch(() => undefined);
    rmSync(home, { recursive: true, force: true });
  });

  it('finishes after kill -9 mid-upload: everyone complete, no blob sent twice, no event twice', async () => {
    for (const proxy of proxies.values()) proxy.reset();
    const { child, result } = startDeliver([
      ...releaseArgs({
        release: 'demo@1.0.0',
        images: [big.ref],
        customers: ['Acme', 'Globex', 'Initech'],
        key: key.id,
      }),
      '--json',
    ]);
    // Kill as soon as the first blob has arrived somewhere: some uploads done, most not.
    const deadline = Date.now() + 240_000;
    while (uploadsNow() === 0 && child.exitCode === null && Date.now() < deadline) await sleep(5);
    child.kill('SIGKILL');
    const killed = await result;
    expect(killed.code, killed.stderr).toBe(137);
    const marks = new Map([...proxies].map(([name, proxy]) => [name, proxy.records.length]));
    const before = completedUploads(allRecords());
    // Six blobs (config, base layer, four data layers) for each of three customers.
    expect(before.length).toBeGreaterThan(0);
    expect(before.length).toBeLessThan(18);

    const stopped = newestDelivery(home)!;
    expect(stopped.status).toBe('running');
    const shown = jsonOf<DeliverJson>(await consign(['deliveries', 'show', stopped.id, '--json']));
    expect(shown.delivery.status).toBe('interrupted');
    const eventsBefore = await auditOf();

    const resumed = jsonOf<DeliverJson>(
      await consign(['deliver', '--resume', stopped.id, '--json']),
      0,
    );
    expect(resumed.delivery).toMatchObject({ id: stopped.id, status: 'delivered' });
    for (const customer of resumed.customers) {
      expect(customer.status).toBe('delivered');
      expect(customer.images).toEqual([
        expect.objectContaining({ digest: big.digest, signed: true, verified: true }),
      ]);
    }

    // Every blob of the image arrived at every customer exactly once over both runs.
    const uploads = completedUploads(allRecords());
    expect(repeated(uploads)).toEqual({});
    for (const name of names) {
      const theirs = completedUploads(proxies.get(name)!.records).filter((u) =>
        u.startsWith(`${namespaces.get(name)}/big `),
      );
      // Image blobs plus the signature and attestation blobs, none twice.
      expect(theirs.length).toBeGreaterThanOrEqual(6);
    }
    // What arrived before the kill was not sent again.
    for (const [name, proxy] of proxies) {
      const sentAgain = completedUploads(proxy.records.slice(marks.get(name)));
      for (const upload of completedUploads(proxy.records.slice(0, marks.get(name)))) {
        expect(sentAgain).not.toContain(upload);
      }
    }

    // No audit event twice: one per action, customer and image (or attestation type).
    const events = (await auditOf()).filter((e) => e.details.delivery === stopped.id);
    const keys = events.map((e) =>
      JSON.stringify([
        e.action,
        e.details.customer ?? null,
        e.details.ref ?? null,
        e.details.predicateType ?? null,
        e.details.format ?? null,
      ]),
    );
    expect(repeated(keys)).toEqual({});
    for (const action of ['delivery.started', 'delivery.gate', 'delivery.resumed']) {
      expect(events.filter((e) => e.action === action)).toHaveLength(1);
    }
    for (const name of names) {
      expect(
        events.filter(
          (e) => e.action === 'delivery.customer-delivered' && e.details.customer === name,
        ),
      ).toHaveLength(1);
    }
    // The kill left the log whole: the earlier events are still its prefix, and it verifies.
    expect((await auditOf()).slice(0, eventsBefore.length)).toEqual(eventsBefore);
    expect(jsonOf<{ ok: boolean }>(await consign(['audit', 'verify', '--json'])).ok).toBe(true);
  }, 600_000);

  it('does nothing when a finished delivery is resumed', async () => {
    const done = newestDelivery(home)!;
    const events = (await auditOf()).length;
    for (const proxy of proxies.values()) proxy.reset();
    const again = jsonOf<DeliverJson>(await consign(['deliver', '--resume', done.id, '--json']));
    expect(again.delivery.status).toBe('delivered');
    expect(allRecords()).toEqual([]);
    expect((await auditOf()).length).toBe(events);
  });

  it('retries one failed customer alone, leaving the others untouched', async () => {
    for (const proxy of proxies.values()) proxy.reset();
    // Globex's registry is down for this delivery: every request answers 503.
    const globex = proxies.get('Globex')!;
    globex.add({ times: 1_000_000, action: { kind: 'status', status: 503 } });
    const first = await consign([
      'deliver',
      ...releaseArgs({
        release: 'demo@1.1.0',
        images: [small.ref],
        customers: ['Acme', 'Globex'],
        key: key.id,
      }),
    ]);
    expect(first.code, first.stderr).toBe(1);
    const failed = newestDelivery(home)!;
    // The person at a terminal is told how to finish it.
    expect(first.stdout).toContain(`consign deliver --resume ${failed.id}`);
    const report = jsonOf<DeliverJson>(await consign(['deliveries', 'show', failed.id, '--json']));
    expect(report.delivery.status).toBe('partial');
    expect(report.customers.map((c) => [c.name, c.status])).toEqual([
      ['Acme', 'delivered'],
      ['Globex', 'failed'],
    ]);
    const acmeBefore = report.customers[0]!.images;

    globex.reset();
    proxies.get('Acme')!.reset();
    const retried = jsonOf<DeliverJson>(
      await consign(['deliver', '--resume', failed.id, '--customer', 'globex', '--json']),
      0,
    );
    expect(retried.delivery.status).toBe('delivered');
    expect(retried.customers.map((c) => [c.name, c.status])).toEqual([
      ['Acme', 'delivered'],
      ['Globex', 'delivered'],
    ]);
    expect(retried.customers[1]!.images[0]).toMatchObject({
      digest: small.digest,
      signed: true,
      verified: true,
    });
    // Acme was not contacted, and its record is as it was.
    expect(proxies.get('Acme')!.records).toEqual([]);
    expect(retried.customers[0]!.images).toEqual(acmeBefore);

    const unknown = await consign(['deliver', '--resume', failed.id, '--customer', 'Nobody']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('has no customer named "Nobody"');
  }, 600_000);

  it('stops cleanly on Ctrl-C (exit 130) and resumes to the end', async () => {
    // A new customer, so there is a whole image to upload when Ctrl-C comes.
    const proxy = await FaultProxy.start(accounts.plain.registry);
    proxies.set('Hooli', proxy);
    jsonOf(
      await consign(
        customerAddArgs(
          'Hooli',
          ['--registry', proxy.host],
          uniqueRepository('resume-hooli'),
          'demo',
        ),
      ),
    );
    const { child, result } = startDeliver([
      ...releaseArgs({
        release: 'demo@1.0.0',
        images: [big.ref],
        customers: ['Hooli'],
        key: key.id,
      }),
    ]);
    const deadline = Date.now() + 240_000;
    while (
      completedUploads(proxy.records).length === 0 &&
      child.exitCode === null &&
      Date.now() < deadline
    ) {
      await sleep(5);
    }
    child.kill('SIGINT');
    const stopped = await result;
    expect(stopped.code, stopped.stderr).toBe(130);
    expect(stopped.stderr).toContain('The delivery was cancelled.');
    const cancelled = newestDelivery(home)!;
    expect(stopped.stdout).toContain(`consign deliver --resume ${cancelled.id}`);
    expect(cancelled.status).toBe('cancelled');
    const shown = jsonOf<DeliverJson>(
      await consign(['deliveries', 'show', cancelled.id, '--json']),
    );
    expect(shown.customers[0]).toMatchObject({ name: 'Hooli', status: 'cancelled' });
    expect(shown.customers[0]!.images[0]).toMatchObject({ status: 'cancelled', signed: false });
    const before = completedUploads(proxy.records);
    expect(before.length).toBeLessThan(6);

    const resumed = jsonOf<DeliverJson>(
      await consign(['deliver', '--resume', cancelled.id, '--json']),
    );
    expect(resumed.delivery.status).toBe('delivered');
    expect(resumed.customers[0]).toMatchObject({ name: 'Hooli', status: 'delivered' });
    expect(repeated(completedUploads(proxy.records))).toEqual({});
  }, 600_000);
});
