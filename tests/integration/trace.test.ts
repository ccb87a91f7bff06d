// `consign trace` after real deliveries: the Debian test image (with real Debian advisories
// imported) delivered by `consign deliver` to two customers, then once more, in a later release, to
// one of them. Trace by digest, by a vulnerability the delivery's scan found (and its Debian alias)
// and by a package URL must name exactly the customers that received it, newest first; an image
// never delivered and a malformed query must say so.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeyInfo, TraceHit } from '../../shared/contract';
import { createEngine } from '../../electron/core/engine';
import { engineDispatcher } from '../../electron/core/handlers';
import { customerAddArgs, releaseArgs } from '../support/cli-args';
import { copyFromDaemon, jsonOf, workspaceCli } from '../support/consign-cli';
import { forgetKeys } from '../support/key-cleanup';
import { uniqueRepository } from '../support/registry-fixtures';
import { testEnv } from '../support/test-env';

const env = testEnv();
const FIXTURE = resolve('tests/support/scan-fixtures/debian-advisories');

interface TraceJson {
  query: string;
  kind: string;
  deliveries: TraceHit[];
}

interface DeliverJson {
  delivery: { id: string; release: string; status: string };
  customers: { name: string; status: string; images: { ref: string; digest: string | null }[] }[];
}

interface ScanJson {
  vulnerabilities: { id: string; aliases: string[]; package: string }[];
  packages: { name: string; purl: string }[];
}

describe.skipIf(!env.debianImage)('consign trace after real deliveries', () => {
  let home: string;
  let key: KeyInfo;
  let debian: { ref: string; digest: string };
  let busybox: { ref: string; digest: string };
  let first: DeliverJson;
  let second: DeliverJson;
  const namespaces = new Map<string, string>();
  const consign = workspaceCli(() => home, { DOCKER_HOST: env.dockerHost }, 300_000);
  const trace = async (query: string) =>
    jsonOf<TraceJson>(await consign(['trace', query, '--json']));
  /** `customer release` per line, in the order trace gives them. */
  const lines = (result: TraceJson) => result.deliveries.map((h) => `${h.customer} ${h.release}`);
  /**
   * The three deliveries of the test image, newest first: the later release first; the two
   * customers of the first release were delivered in parallel, so either may have finished last.
   */
  const expectAllThree = (result: TraceJson, message?: string) => {
    const times = result.deliveries.map((h) => Date.parse(h.at));
    expect(times, message).toEqual([...times].sort((a, b) => b - a));
    expect(lines(result)[0], message).toBe('Acme demo@1.0.1');
    expect(lines(result).sort(), message).toEqual([
      'Acme demo@1.0.0',
      'Acme demo@1.0.1',
      'Bolt demo@1.0.0',
    ]);
  };

  const publish = (local: string, source: string, name: string) =>
    copyFromDaemon(consign, local, `docker://${env.registryPlain}/${source}/${name}:1.0.0`);

  const deliver = async (release: string, customers: string[]) =>
    jsonOf<DeliverJson>(
      await consign([
        'deliver',
        ...releaseArgs({ release, images: [debian.ref], customers, key: key.id }),
        '--json',
      ]),
    );

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'consign-trace-'));
    jsonOf(await consign(['vulndb', 'import', FIXTURE, '--json']));
    key = jsonOf<KeyInfo>(await consign(['keys', 'generate', '--name', 'Trace', '--json']));
    const source = uniqueRepository('trace-src');
    debian = await publish(env.debianImage!, source, 'debian');
    // Published next to it, never delivered.
    busybox = await publish(env.baseImage, source, 'busybox');
    for (const name of ['Acme', 'Bolt']) {
      const namespace = uniqueRepository(`trace-${name.toLowerCase()}`);
      namespaces.set(name, namespace);
      jsonOf(
        await consign(customerAddArgs(name, ['--registry', env.registryPlain], namespace, 'demo')),
      );
    }
    first = await deliver('demo@1.0.0', ['Acme', 'Bolt']);
    second = await deliver('demo@1.0.1', ['Acme']);
  }, 600_000);

  afterAll(async () => {
    for (const name of namespaces.keys()) await consign(['customers', 'remove', name]);
    forgetKeys([key]);
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('the deliveries reached both customers', () => {
    expect(first.delivery.status).toBe('delivered');
    expect(first.customers.map((c) => [c.name, c.status])).toEqual([
      ['Acme', 'delivered'],
      ['Bolt', 'delivered'],
    ]);
    expect(second.delivery.status).toBe('delivered');
  });

  it('names every customer that received a digest, newest first, with release, key and time', async () => {
    const result = await trace(debian.digest);
    expect(result).toMatchObject({ query: debian.digest, kind: 'digest' });
    expectAllThree(result);
    const bolt = result.deliveries.find((h) => h.customer === 'Bolt')!;
    expect(bolt).toEqual({
      deliveryId: first.delivery.id,
      release: 'demo@1.0.0',
      customer: 'Bolt',
      ref: `docker://${env.registryPlain}/${namespaces.get('Bolt')}/debian:1.0.0`,
      digest: debian.digest,
      at: expect.any(String),
      keyFingerprint: key.fingerprint,
      match: { kind: 'digest', value: debian.digest },
    });
    expect(result.deliveries[0]!.deliveryId).toBe(second.delivery.id);
    for (const hit of result.deliveries) {
      expect(Date.parse(hit.at)).toBeGreaterThan(Date.now() - 3_600_000);
    }

    // The bare hex digits and a reference by digest name the same image.
    const hex = debian.digest.slice('sha256:'.length);
    expect(lines(await trace(hex))).toEqual(lines(result));
    const pinned = `docker://${env.registryPlain}/${namespaces.get('Acme')}/debian@${debian.digest}`;
    expect(lines(await trace(pinned))).toEqual(lines(result));
  });

  it('finds the customers by a vulnerability the delivery’s scan found, and by its alias', async () => {
    const scan = jsonOf<ScanJson>(await consign(['scan', debian.ref, '--json']));
    expect(scan.vulnerabilities.length, 'the image has known findings').toBeGreaterThan(0);
    const finding = scan.vulnerabilities[0]!;
    const alias = finding.aliases.find((a) => a.startsWith('DEBIAN-'))!;
    for (const query of [finding.id, finding.id.toLowerCase(), alias]) {
      const result = await trace(query);
      expect(result.kind).toBe('vulnerability');
      expectAllThree(result, query);
      expect(result.deliveries.every((h) => h.digest === debian.digest)).toBe(true);
    }

    // The vulnerable package by its package URL, with and without its version.
    const pkg = scan.packages.find((p) => p.name === finding.package)!;
    const withoutVersion = pkg.purl.slice(0, pkg.purl.lastIndexOf('@'));
    for (const query of [pkg.purl, withoutVersion]) {
      const result = await trace(query);
      expect(result.kind).toBe('package');
      expectAllThree(result, query);
      expect(result.deliveries[0]!.match).toEqual({ kind: 'package', value: pkg.purl });
    }
  });

  it('finds nobody for an image never delivered, a vulnerability not in it, or a package not in it', async () => {
    for (const query of [busybox.digest, 'CVE-1999-0001', 'pkg:npm/left-pad']) {
      const result = await trace(query);
      expect(result.deliveries, query).toEqual([]);
      const human = await consign(['trace', query]);
      expect(human.code, human.stderr).toBe(0);
      expect(human.stdout).toContain(`No delivery contained ${result.query}.`);
    }
  });

  it('prints a table for a person, and refuses a malformed query with exit 2 and an example', async () => {
    const human = await consign(['trace', debian.digest]);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/received by 2 customers/);
    expect(human.stdout).toContain(`${namespaces.get('Bolt')}/debian:1.0.0`);

    const bad = await consign(['trace', 'sha256:1234', '--json']);
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stdout)).toMatchObject({
      error: { code: 'BAD_REQUEST', remedy: expect.stringContaining('pkg:deb/debian/openssl') },
    });
  });

  it('answers the app through the same contract channel', async () => {
    const engine = createEngine({ host: 'test', home, keychainService: env.keychainService });
    try {
      const dispatch = engineDispatcher(engine);
      const answer = await dispatch('trace.query', { query: ` ${debian.digest} ` });
      expect(answer).toMatchObject({ ok: true });
      const data = (answer as { data: TraceJson }).data;
      expect(data.deliveries.map((h) => h.customer).sort()).toEqual(['Acme', 'Acme', 'Bolt']);
      const refused = await dispatch('trace.query', { query: 'not a query' });
      expect(refused).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    } finally {
      engine.close();
    }
  });
});
