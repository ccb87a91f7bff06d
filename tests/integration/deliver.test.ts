// `consign deliver` end to end: a release of two images from a real registry, delivered to three
// customers on three real registries (no auth, TLS with basic auth, token auth), signed with a key
// from the real keychain, then checked the way each customer would: the kit's verify.sh and cosign
// 2.5 with their own login. Also the ways a delivery says no: a customer not entitled, a policy
// gate, and a tag that already names another image.
import Docker from 'dockerode';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeyInfo } from '../../shared/contract';
import { DELIVERY_RECORD_PREDICATE_TYPE } from '../../electron/core/delivery/types';
import { createEngine } from '../../electron/core/engine';
import type { RegistryClient } from '../../electron/core/registry';
import { removeRegistry } from '../../electron/core/registries';
import { customerAddArgs, loginArgs, releaseArgs } from '../support/cli-args';
import { copyFromDaemon, jsonOf, workspaceCli } from '../support/consign-cli';
import {
  accountClient,
  customerAccounts,
  runCustomerTool,
  writeDockerLogins,
  type CustomerAccount,
} from '../support/customer-side';
import { buildImage } from '../support/docker-build';
import type { AuditEvent, DeliverJson } from '../support/delivery-json';
import { forgetKeys } from '../support/key-cleanup';
import { uniqueRepository } from '../support/registry-fixtures';
import { testEnv } from '../support/test-env';

const env = testEnv();

interface Statement {
  predicateType: string;
  subject: { digest: { sha256: string } }[];
  predicate: Record<string, unknown>;
}

const SBOM = 'https://cyclonedx.org/bom';
const VULN = 'https://cosign.sigstore.dev/attestation/vuln/v1';

/** The Statements cosign verify-attestation printed (one DSSE envelope a line). */
const statementsOf = (stdout: string): Statement[] =>
  stdout
    .split('\n')
    .filter((line) => line.trim().startsWith('{'))
    .map((line) => JSON.parse(line) as { payload: string })
    .map((envelope) => JSON.parse(Buffer.from(envelope.payload, 'base64').toString()) as Statement);

describe.skipIf(!env.cosign)('consign deliver', () => {
  const docker = new Docker({ socketPath: env.dockerSocket });
  const accounts = customerAccounts();
  let home: string;
  let work: string;
  /** A workspace of the customers' side: registry logins only, no customers and no keys. */
  let checkerHome: string;
  let key: KeyInfo;
  let source: string;
  let app: { ref: string; digest: string };
  let tools: { ref: string; digest: string };
  const consign = workspaceCli(() => home, {}, 300_000);
  const checker = workspaceCli(() => checkerHome, {}, 300_000);
  const clients: RegistryClient[] = [];
  /** Each customer's namespace and account, by name. */
  const customers = new Map<string, { namespace: string; account: CustomerAccount }>();

  const addCustomer = async (name: string, account: CustomerAccount, entitle: string) => {
    const namespace = uniqueRepository(`deliver-${name.toLowerCase()}`);
    jsonOf(
      await consign(customerAddArgs(name, account.args, namespace, entitle), account.password),
    );
    customers.set(name, { namespace, account });
  };

  const clientOf = (name: string) => {
    const client = accountClient(customers.get(name)!.account);
    clients.push(client);
    return client;
  };

  /** Copies a local image into the source registry and returns its reference and digest. */
  const publish = (local: string, name: string) =>
    copyFromDaemon(consign, local, `docker://${env.registryPlain}/${source}/${name}:1.0.0`);

  const deliver = (args: string[]) => consign(['deliver', ...args, '--json']);

  /** The statements of one type that cosign verify-attestation, run with the customer's kit, checks. */
  const attestationsAsCustomer = async (
    name: string,
    kit: string,
    pinned: string,
    type: string,
  ) => {
    const { caFile } = customers.get(name)!.account;
    const http = readFileSync(join(kit, 'verify.sh'), 'utf8').includes(
      "registry_flags='--allow-http-registry --allow-insecure-registry'",
    )
      ? ['--allow-http-registry', '--allow-insecure-registry']
      : [];
    const checked = await runCustomerTool(
      env.cosign!,
      [
        'verify-attestation',
        '--new-bundle-format',
        '--key',
        join(kit, 'keys/release.pub'),
        '--trusted-root',
        join(kit, 'trusted_root.json'),
        '--insecure-ignore-tlog=true',
        '--type',
        type,
        ...http,
        pinned,
      ],
      { cwd: work, ...(caFile ? { caFile } : {}) },
    );
    expect(checked.code, `${name} ${pinned} ${type}\n${checked.stderr}`).toBe(0);
    return statementsOf(checked.stdout).filter((s) => s.predicateType === type);
  };

  const auditOf = async (args: string[]) =>
    jsonOf<AuditEvent[]>(await consign(['audit', 'list', ...args, '--json']));

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'consign-deliver-'));
    work = mkdtempSync(join(tmpdir(), 'consign-deliver-files-'));
    checkerHome = mkdtempSync(join(tmpdir(), 'consign-deliver-checker-'));
    for (const account of [accounts.tls, accounts.token]) {
      jsonOf(
        await checker(loginArgs({ ...account, username: account.username! }), account.password),
      );
    }
    source = uniqueRepository('deliver-src');
    key = jsonOf<KeyInfo>(await consign(['keys', 'generate', '--name', 'Release', '--json']));
    const toolsImage = `consign-deliver-test/tools:t${Date.now()}`;
    await buildImage(docker, toolsImage, `FROM ${env.baseImage}\nCOPY tool.txt /opt/tool.txt\n`, {
      'tool.txt': `a release tool, built ${new Date().toISOString()} ${Math.random()}\n`,
    });
    app = await publish(env.baseImage, 'app');
    tools = await publish(toolsImage, 'tools');
    await docker.getImage(toolsImage).remove({ force: true });

    await addCustomer('Acme', accounts.plain, 'demo');
    await addCustomer('Globex', accounts.tls, 'demo');
    await addCustomer('Initech', accounts.token, 'demo');
  }, 300_000);

  afterAll(async () => {
    for (const client of clients) client.close();
    // Removing each customer clears its keychain entry.
    for (const name of customers.keys()) await consign(['customers', 'remove', name]);
    forgetKeys([key]);
    if (checkerHome) {
      // Forgetting the logins clears their keychain entries.
      const engine = createEngine({
        host: 'test',
        home: checkerHome,
        keychainService: env.keychainService,
      });
      try {
        for (const account of [accounts.tls, accounts.token]) {
          await removeRegistry(engine, account.registry);
        }
      } finally {
        engine.close();
      }
    }
    rmSync(home, { recursive: true, force: true });
    rmSync(checkerHome, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });

  it('delivers two images to three customers with three kinds of registry login', async () => {
    const result = await deliver([
      ...releaseArgs({
        release: 'demo@1.0.0',
        images: [app.ref, tools.ref],
        customers: ['Acme', 'Globex', 'Initech'],
        key: key.id,
      }),
    ]);
    const report = jsonOf<DeliverJson>(result, 0);
    expect(report.delivery).toMatchObject({ release: 'demo@1.0.0', status: 'delivered' });
    expect(report.customers.map((c) => [c.name, c.status])).toEqual([
      ['Acme', 'delivered'],
      ['Globex', 'delivered'],
      ['Initech', 'delivered'],
    ]);
    for (const customer of report.customers) {
      const { namespace, account } = customers.get(customer.name)!;
      expect(customer.images).toEqual([
        expect.objectContaining({
          source: app.ref,
          ref: `docker://${account.registry}/${namespace}/app:1.0.0`,
          digest: app.digest,
          signed: true,
          verified: true,
          status: 'delivered',
        }),
        expect.objectContaining({
          source: tools.ref,
          ref: `docker://${account.registry}/${namespace}/tools:1.0.0`,
          digest: tools.digest,
          signed: true,
          verified: true,
          status: 'delivered',
        }),
      ]);
      // What the customer's registry holds, read with the customer's own account.
      const client = clientOf(customer.name);
      expect((await client.headManifest(`${namespace}/app`, '1.0.0'))?.digest).toBe(app.digest);
      expect((await client.headManifest(`${namespace}/tools`, '1.0.0'))?.digest).toBe(tools.digest);
    }

    // The human view of the same delivery names it and every customer.
    const shown = await consign(['deliveries', 'show', report.delivery.id]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain(report.delivery.id);
    for (const name of ['Acme', 'Globex', 'Initech']) expect(shown.stdout).toContain(name);
    expect(shown.stdout).not.toContain('--resume');
    const listed = jsonOf<{ id: string; status: string }[]>(
      await consign(['deliveries', 'list', '--json']),
    );
    expect(listed).toContainEqual(
      expect.objectContaining({ id: report.delivery.id, status: 'delivered' }),
    );

    // The signed records for auditors: one per customer and image, and the key that checks them.
    const records = join(work, 'records');
    const saved = jsonOf<{ dir: string; files: string[] }>(
      await consign(['deliveries', 'records', report.delivery.id, '--out', records, '--json']),
    );
    expect(saved.files.filter((f) => f.endsWith('.sigstore.json'))).toHaveLength(6);
    expect(readFileSync(join(records, 'signer.pub'), 'utf8')).toBe(key.publicKey);
    const again = await consign(['deliveries', 'records', report.delivery.id, '--out', records]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/not empty/);
  }, 600_000);

  it("passes each customer's kit: verify.sh and cosign verify-attestation with their own login", async () => {
    const publicKey = join(work, 'release.pub');
    writeFileSync(publicKey, key.publicKey);
    writeDockerLogins(
      work,
      [...customers.values()].map((c) => c.account),
    );
    for (const [name, { namespace, account }] of customers) {
      const kit = join(work, `kit-${name}`);
      jsonOf(await consign(['customers', 'kit', name, '--out', kit, '--json']));
      const caFile = account.caFile;
      for (const [image, digest] of [
        ['app', app.digest],
        ['tools', tools.digest],
      ] as const) {
        const pinned = `${account.registry}/${namespace}/${image}@${digest}`;
        const script = await runCustomerTool(join(kit, 'verify.sh'), [pinned], {
          cwd: work,
          ...(caFile ? { caFile } : {}),
        });
        expect(script.code, `${name} ${image}\n${script.stdout}\n${script.stderr}`).toBe(0);
        expect(script.stdout).toContain(`verified  legacy  ${pinned}`);
        expect(script.stdout).toContain(`verified  bundle  ${pinned}`);

        // The same key through `consign verify`, from a workspace of the customer's own.
        const verified = await checker([
          'verify',
          `docker://${pinned}`,
          '--public-key',
          publicKey,
          '--json',
        ]);
        expect(jsonOf(verified)).toMatchObject({ verified: true, digest });

        for (const type of [SBOM, VULN, DELIVERY_RECORD_PREDICATE_TYPE]) {
          const statements = await attestationsAsCustomer(name, kit, pinned, type);
          expect(statements.length).toBeGreaterThan(0);
          expect(statements[0]!.subject[0]!.digest.sha256).toBe(digest.slice('sha256:'.length));
          if (type === DELIVERY_RECORD_PREDICATE_TYPE) {
            expect(statements.map((s) => s.predicate)).toContainEqual(
              expect.objectContaining({
                release: { name: 'demo', version: '1.0.0' },
                customer: expect.objectContaining({ name, registry: account.registry, namespace }),
                signer: { keyFingerprint: key.fingerprint },
              }),
            );
          }
        }
      }
    }
  }, 600_000);

  it('records the delivery in the audit log, per customer and release', async () => {
    for (const [name, { namespace, account }] of customers) {
      const events = await auditOf(['--customer', name]);
      const delivered = events.filter((e) => e.details.release === 'demo@1.0.0');
      for (const event of delivered) expect(event.details.customer).toBe(name);
      const refs = ['app', 'tools'].map(
        (image) => `docker://${account.registry}/${namespace}/${image}:1.0.0`,
      );
      const of = (action: string) => delivered.filter((e) => e.action === action);
      // Each image copied, signed in both formats, attested three times and delivered, once.
      expect(of('delivery.image-copied').map((e) => e.details.ref)).toEqual(refs);
      expect(of('delivery.image-delivered').map((e) => e.details.ref)).toEqual(refs);
      expect(of('image.signed').map((e) => e.details.format)).toEqual([
        'legacy',
        'bundle',
        'legacy',
        'bundle',
      ]);
      expect(
        of('image.attested')
          .map((e) => e.details.predicateType)
          .sort(),
      ).toEqual(
        [
          SBOM,
          SBOM,
          VULN,
          VULN,
          DELIVERY_RECORD_PREDICATE_TYPE,
          DELIVERY_RECORD_PREDICATE_TYPE,
        ].sort(),
      );
      expect(of('delivery.customer-delivered')).toHaveLength(1);
    }
    const release = await auditOf(['--release', 'demo@1.0.0']);
    expect(new Set(release.map((e) => e.details.customer).filter(Boolean))).toEqual(
      new Set(customers.keys()),
    );
    // The chain still verifies with every delivery event in it.
    expect(jsonOf<{ ok: boolean }>(await consign(['audit', 'verify', '--json']))).toMatchObject({
      ok: true,
    });
  });

  it('refuses a customer not entitled to the product, and still delivers to the others', async () => {
    await addCustomer('Umbrella', accounts.plain, 'another-product');
    const result = await deliver([
      ...releaseArgs({
        release: 'demo@1.0.1',
        images: [app.ref],
        customers: ['Acme', 'Umbrella'],
        key: key.id,
      }),
    ]);
    const report = jsonOf<DeliverJson>(result, 1);
    const [acme, umbrella] = report.customers;
    expect(acme).toMatchObject({ name: 'Acme', status: 'delivered' });
    expect(umbrella).toMatchObject({ name: 'Umbrella', status: 'refused' });
    expect(umbrella!.error).toMatch(/entitle/i);
    const { namespace } = customers.get('Umbrella')!;
    expect(await clientOf('Umbrella').listTags(`${namespace}/app`)).toEqual([]);
    // Acme already had this digest under the tag: delivering it again moves nothing.
    expect(
      (await clientOf('Acme').headManifest(`${customers.get('Acme')!.namespace}/app`, '1.0.0'))
        ?.digest,
    ).toBe(app.digest);
  }, 600_000);

  it('pushes nothing to anyone when the policy gate blocks an image', async () => {
    await addCustomer('Gated', accounts.plain, 'demo');
    // The test images run as root (no USER): a policy enforcing that check blocks them.
    const policy = join(work, 'no-root.json');
    writeFileSync(policy, JSON.stringify({ baseline: { enforce: ['CONSIGN-BASE-001'] } }));
    const result = await deliver([
      ...releaseArgs({
        release: 'demo@2.0.0',
        images: [app.ref],
        customers: ['Gated'],
        key: key.id,
      }),
      '--policy',
      policy,
    ]);
    const report = jsonOf<DeliverJson>(result, 1);
    expect(report.delivery).toMatchObject({ status: 'blocked', gate: 'block' });
    expect(report.images[0]!.reasons.map((r) => r.id)).toContain('CONSIGN-BASE-001');
    const { namespace } = customers.get('Gated')!;
    expect(await clientOf('Gated').listTags(`${namespace}/app`)).toEqual([]);

    // The person at a terminal reads why.
    const shown = await consign(['deliveries', 'show', report.delivery.id]);
    expect(shown.stdout).toContain('CONSIGN-BASE-001');
  }, 600_000);

  it('never moves a tag that names another image: exit 1, nothing pushed for it, others fine', async () => {
    await addCustomer('Hooli', accounts.tls, 'demo');
    const { namespace } = customers.get('Hooli')!;
    const hooli = clientOf('Hooli');
    // Hooli's registry already has another image (the tools image) as app:1.0.0.
    const { digest: occupied } = jsonOf<{ digest: string }>(
      await checker([
        'copy',
        tools.ref,
        `docker://${accounts.tls.registry}/${namespace}/app:1.0.0`,
        '--json',
      ]),
    );
    expect(occupied).not.toBe(app.digest);

    const result = await deliver([
      ...releaseArgs({
        release: 'demo@1.0.0',
        images: [app.ref],
        customers: ['Hooli', 'Initech'],
        key: key.id,
      }),
    ]);
    const report = jsonOf<DeliverJson>(result, 1);
    const hooliReport = report.customers.find((c) => c.name === 'Hooli')!;
    expect(hooliReport.status).not.toBe('delivered');
    expect(hooliReport.images[0]).toMatchObject({ status: 'conflict', signed: false });
    expect(hooliReport.images[0]!.error).toMatch(/1\.0\.0/);
    expect(report.customers.find((c) => c.name === 'Initech')).toMatchObject({
      status: 'delivered',
    });
    // The tag still names the other image, and nothing of the release went in beside it: no
    // signature or referrer tag for its digest, no manifest by that digest.
    expect((await hooli.headManifest(`${namespace}/app`, '1.0.0'))?.digest).toBe(occupied);
    expect(await hooli.listTags(`${namespace}/app`)).toEqual(['1.0.0']);
    expect(await hooli.headManifest(`${namespace}/app`, app.digest)).toBeNull();
  }, 600_000);

  it('exits 3, naming the registry, when a source cannot be reached', async () => {
    const server = createServer();
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((done) => server.close(() => done()));
    const result = await deliver([
      ...releaseArgs({
        release: 'demo@9.0.0',
        images: [`docker://127.0.0.1:${port}/nowhere/app:1`],
        customers: ['Acme'],
        key: key.id,
      }),
    ]);
    expect(result.code, result.stdout).toBe(3);
    const { error } = JSON.parse(result.stdout) as { error: { code: string; message: string } };
    expect(error.code).toBe('REGISTRY_UNAVAILABLE');
    expect(error.message).toContain(`127.0.0.1:${port}`);
  }, 300_000);

  it('refuses bad usage with exit 2 before anything runs', async () => {
    const cases: [string[], RegExp][] = [
      [['--image', app.ref, '--customer', 'Acme', '--key', key.id], /--release/],
      [
        ['--release', 'demo', '--image', app.ref, '--customer', 'Acme', '--key', key.id],
        /NAME@VERSION/,
      ],
      [['--resume', 'x', '--key', key.id], /--key does not apply/],
    ];
    for (const [args, message] of cases) {
      const result = await deliver(args);
      expect(result.code, result.stdout).toBe(2);
      const { error } = JSON.parse(result.stdout) as { error: { message: string } };
      expect(error.message).toMatch(message);
    }
    const unknown = await deliver(['--resume', 'no-such-delivery']);
    expect(unknown.code).toBe(2);
  });

  it('delivers straight from the Docker engine, its SBOM and report naming the pushed digest', async () => {
    const local = `docker-daemon:${env.baseImage}`;
    const report = jsonOf<DeliverJson>(
      await deliver(
        releaseArgs({ release: 'demo@1.1.0', images: [local], customers: ['Acme'], key: key.id }),
      ),
      0,
    );
    const delivered = report.customers[0]!.images[0]!;
    expect(delivered).toMatchObject({
      source: local,
      status: 'delivered',
      signed: true,
      verified: true,
    });
    // Pushed with gzip layers: not the manifest the engine holds, which was what got scanned.
    const scanned = jsonOf<{ image: { digest: string } }>(await consign(['scan', local, '--json']));
    const digest = delivered.digest!;
    expect(digest).not.toBe(scanned.image.digest);

    const kit = join(work, 'kit-Acme-engine');
    jsonOf(await consign(['customers', 'kit', 'Acme', '--out', kit, '--json']));
    const pinned = `${delivered.ref.replace(/^docker:\/\//, '').replace(/:[^:/]+$/, '')}@${digest}`;
    const hex = digest.slice('sha256:'.length);
    const [sbom] = await attestationsAsCustomer('Acme', kit, pinned, SBOM);
    const component = (
      sbom!.predicate.metadata as { component: { hashes: { content: string }[]; purl: string } }
    ).component;
    expect(sbom!.subject[0]!.digest.sha256).toBe(hex);
    expect(component.hashes[0]!.content).toBe(hex);
    expect(component.purl).toContain(encodeURIComponent(digest));
    const [vuln] = await attestationsAsCustomer('Acme', kit, pinned, VULN);
    expect(vuln!.subject[0]!.digest.sha256).toBe(hex);
    expect(
      (vuln!.predicate.scanner as { result: { image: { digest: string; manifest: string } } })
        .result.image,
    ).toMatchObject({ digest, manifest: digest });
  }, 300_000);
});
