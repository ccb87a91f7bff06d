// The delivery engine in-process against the real registries and keychain: each step saved,
// delivery events, the immutable-tag guard, retrying one customer, cancel, and a resume that
// finds nothing left to do.
import { createPublicKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CustomerInput, Delivery } from '../../shared/contract';
import {
  DELIVERY_RECORD_PREDICATE_TYPE,
  getDelivery,
  listDeliveries,
  planDelivery,
  resumeDelivery,
  saveDeliveryRecords,
  startDelivery,
} from '../../electron/core/delivery';
import { createEngine, type Engine } from '../../electron/core/engine';
import { copyImages } from '../../electron/core/images';
import {
  checkSignature,
  openBundle,
  verifyImage,
  type Statement,
} from '../../electron/core/signing';
import { tasksOf } from '../../electron/core/tasks';
import { tlsCustomerLogin } from '../support/customer-side';
import { pushIndexOver } from '../support/registry-fixtures';
import { testEnv } from '../support/test-env';

const env = testEnv();

describe('delivery engine', () => {
  let home: string;
  let engine: Engine;
  let keyId: string;
  const prefix = `consign-test/dlv-${Date.now().toString(36)}-${process.pid}`;
  const source = `docker://${env.registryPlain}/${prefix}/src/app:1.0.0`;
  const other = `docker://${env.registryPlain}/${prefix}/src/other:1.0.0`;

  const accounts: Record<string, Omit<CustomerInput, 'name'>> = {
    plain: {
      registry: env.registryPlain,
      namespace: `${prefix}/plain`,
      auth: 'none',
      entitlements: ['demo'],
    },
    tls: { ...tlsCustomerLogin(), namespace: `${prefix}/tls`, entitlements: ['demo'] },
    other: {
      registry: env.registryPlain,
      namespace: `${prefix}/other`,
      auth: 'none',
      entitlements: ['something-else'],
    },
  };

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'consign-delivery-'));
    engine = createEngine({ host: 'test', home, keychainService: env.keychainService });
    const store = engine.requireStore();
    keyId = (await store.keys.generate(`delivery-${process.pid}`)).id;
    for (const [name, account] of Object.entries(accounts)) {
      await store.customers.save({ name, ...account } as CustomerInput);
    }
    await copyImages(engine, `docker-daemon:${env.baseImage}`, [source]);
    await copyImages(engine, `docker-daemon:${env.baseImage}`, [other]);
  }, 120_000);

  afterAll(async () => {
    if (engine) {
      await engine
        .requireStore()
        .keys.revoke(keyId, 'test over')
        .catch(() => {});
      engine.close();
    }
    rmSync(home, { recursive: true, force: true });
  });

  it('plans without pushing: verdicts, entitlement and where each image goes', async () => {
    const plan = await planDelivery(engine, {
      release: 'demo@1.0.0',
      images: [source],
      customers: ['plain', 'other'],
      keyId,
    });
    expect(plan.gate).toBe('pass');
    expect(plan.images[0]).toMatchObject({ name: 'app', tag: '1.0.0', verdict: 'pass' });
    expect(plan.customers).toEqual([
      {
        name: 'plain',
        entitled: true,
        refs: [`docker://${env.registryPlain}/${prefix}/plain/app:1.0.0`],
      },
      {
        name: 'other',
        entitled: false,
        refs: [`docker://${env.registryPlain}/${prefix}/other/app:1.0.0`],
      },
    ]);
    expect(listDeliveries(engine)).toEqual([]);
  }, 60_000);

  it('delivers to each entitled customer, refuses the other, and says so step by step', async () => {
    const seen: Delivery[] = [];
    const stop = engine.events.subscribe((event, payload) => {
      if (event === 'delivery') seen.push(payload as Delivery);
    });
    let delivery: Delivery;
    try {
      delivery = await startDelivery(engine, {
        release: 'demo@1.0.0',
        images: [source],
        customers: ['plain', 'tls', 'other'],
        keyId,
      });
    } finally {
      stop();
    }
    expect(delivery.status).toBe('partial');
    expect(delivery.gate).toBe('pass');
    const byName = Object.fromEntries(delivery.customers.map((c) => [c.name, c]));
    expect(byName.other).toMatchObject({ status: 'refused', images: [] });
    for (const name of ['plain', 'tls']) {
      expect(byName[name]!.status).toBe('delivered');
      const [image] = byName[name]!.images;
      expect(image).toMatchObject({ status: 'delivered', signed: true, verified: true });
      expect(image!.digest).toBe(delivery.images[0]!.digest);
      expect(image!.record).toMatch(/@sha256:/);
    }
    // Each saved step was announced, ending with the final state.
    expect(seen.length).toBeGreaterThan(5);
    expect(seen.at(-1)?.status).toBe('partial');
    expect(
      seen.some((d) => d.customers.some((c) => c.images.some((i) => i.status === 'tagging'))),
    ).toBe(true);

    // The workspace's key verifies the tag in the customer's own registry.
    const verified = await verifyImage(
      engine,
      `docker://${env.registryPlain}/${prefix}/plain/app:1.0.0`,
      { keyId },
    );
    expect(verified.verified).toBe(true);

    const actions = engine
      .requireStore()
      .audit.list({})
      .filter((e) => (e.details as { delivery?: string }).delivery === delivery.id)
      .map((e) => `${e.action} ${(e.details as { customer?: string }).customer ?? ''}`.trim());
    expect(actions).toContain('delivery.refused other');
    expect(actions).toContain('delivery.image-delivered plain');
    expect(actions).toContain('delivery.image-delivered tls');
    expect(actions.filter((a) => a === 'delivery.finished')).toHaveLength(1);

    // The signed records, kept for auditors, verify offline with the signer's key alone.
    const folder = join(home, `records-${delivery.id}`);
    const saved = await saveDeliveryRecords(engine, delivery.id, folder);
    expect(saved.files.sort()).toEqual([
      'README.txt',
      'plain/app-1.0.0.sigstore.json',
      'plain/app-1.0.0.statement.json',
      'signer.pub',
      'tls/app-1.0.0.sigstore.json',
      'tls/app-1.0.0.statement.json',
    ]);
    const signer = createPublicKey(readFileSync(join(folder, 'signer.pub'), 'utf8'));
    for (const name of ['plain', 'tls']) {
      const opened = openBundle(readFileSync(join(folder, `${name}/app-1.0.0.sigstore.json`)));
      if (typeof opened === 'string') throw new Error(opened);
      expect(checkSignature(opened, signer)).toBeNull();
      const statement = opened.statement as Statement;
      expect(statement.predicateType).toBe(DELIVERY_RECORD_PREDICATE_TYPE);
      expect(statement.subject[0]!.digest.sha256).toBe(delivery.images[0]!.digest!.slice(7));
      expect(statement.predicate).toMatchObject({
        delivery: delivery.id,
        release: { name: 'demo', version: '1.0.0' },
        customer: { name },
        policy: { verdict: 'pass' },
      });
    }
    await expect(saveDeliveryRecords(engine, delivery.id, folder)).rejects.toThrow(/not empty/);

    // Nothing is left to do: resuming changes nothing and writes no event.
    const events = engine.requireStore().audit.count();
    const again = await resumeDelivery(engine, delivery.id);
    expect(again.status).toBe('partial');
    expect(engine.requireStore().audit.count()).toBe(events);
    expect(getDelivery(engine, delivery.id).customers).toEqual(delivery.customers);
  }, 120_000);

  it('never moves an existing version tag: nothing is pushed there', async () => {
    // Another image (an index over the same manifest) already holds app:2.0.0 at `plain`.
    const sourceTwo = `docker://${env.registryPlain}/${prefix}/src/app:2.0.0`;
    const copied = await copyImages(engine, source, [sourceTwo]);
    const client = await engine.registries.client(env.registryPlain);
    await copyImages(engine, source, [
      `docker://${env.registryPlain}/${prefix}/plain/app@${copied.digest}`,
    ]);
    const taken = await pushIndexOver(client, `${prefix}/plain/app`, copied.digest, '2.0.0');
    expect(taken.digest).not.toBe(copied.digest);
    const delivery = await startDelivery(engine, {
      release: 'demo@2.0.0',
      images: [sourceTwo],
      customers: ['plain', 'tls'],
      keyId,
    });
    expect(delivery.status).toBe('partial');
    const plain = delivery.customers.find((c) => c.name === 'plain')!;
    expect(plain.images[0]).toMatchObject({ status: 'conflict', signed: false });
    expect(plain.images[0]!.error).toMatch(/immutable/);
    expect((await client.headManifest(`${prefix}/plain/app`, '2.0.0'))?.digest).toBe(taken.digest);
    expect(delivery.customers.find((c) => c.name === 'tls')!.status).toBe('delivered');
  }, 120_000);

  it('stops cleanly when cancelled and finishes on resume', async () => {
    const taskId = `cancel-${process.pid}`;
    const stop = engine.events.subscribe((event, payload) => {
      const d = payload as Delivery;
      if (
        event === 'delivery' &&
        d.customers.some((c) => c.images.some((i) => i.status === 'copying'))
      ) {
        tasksOf(engine).cancel(taskId);
      }
    });
    let cancelled: unknown;
    try {
      await startDelivery(
        engine,
        { release: 'demo@3.0.0', images: [other], customers: ['plain', 'tls'], keyId },
        { taskId },
      );
    } catch (error) {
      cancelled = error;
    } finally {
      stop();
    }
    expect(String(cancelled)).toMatch(/cancelled/);
    const [latest] = listDeliveries(engine);
    expect(latest).toMatchObject({ release: 'demo@3.0.0', status: 'cancelled' });
    const resumed = await resumeDelivery(engine, latest!.id);
    expect(resumed.customers, JSON.stringify(resumed, null, 1)).toBeDefined();
    expect(resumed.status, JSON.stringify(resumed.customers, null, 1)).toBe('delivered');
    expect(resumed.customers.map((c) => c.status)).toEqual(['delivered', 'delivered']);
  }, 120_000);
});
