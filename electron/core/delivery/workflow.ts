/**
 * The delivery state machine. A delivery moves through
 *   assess (resolve digests, scan from the cache, judge by the policy) → gate →
 *   copy (each image read once and fanned out to every customer, no tag yet) →
 *   per customer, in parallel: sign → attest (SBOM, vulnerability report, delivery record) →
 *   tag (last, never moving an existing tag) → verify in the customer's registry → delivered.
 * Each step is saved (with its audit event, in one transaction) before the next begins, so a run
 * killed anywhere is resumed from the step it reached: blobs already there are not sent again
 * and no event is written twice. One customer failing leaves the others alone.
 */
import { randomBytes } from 'node:crypto';
import type { JsonValue } from '../audit';
import { transaction, type Database } from '../db';
import type { Engine, WorkspaceServices } from '../engine';
import { ConsignError, toErrorInfo } from '../errors';
import { copyProgressEvents, openImage } from '../images';
import { formatImageReference, parseImageReference, type Digest } from '../oci';
import { BlobLocations, type RegistryClient } from '../registry';
import {
  evaluatePolicy,
  loadPolicy,
  scanImage,
  scanPredicates,
  validatePolicy,
  type Policy,
  type ScanProgress,
  type ScanResult,
} from '../scan';
import { attestImageAt, imageAt, signImageAt, verifyImageAt } from '../signing';
import { runAsTask, TaskCancelledError } from '../tasks';
import { CompressedLayers, copyImage, type CopyDestination } from '../transfer';
import { APP_VERSION } from '../version';
import { scanProgressEvents } from '../vulnerabilities';
import { deliveredName, parseRelease } from './release';
import {
  deliveryView,
  processAlive,
  readState,
  type DeliveryState,
  type ImageRow,
  type TargetRow,
} from './store';
import {
  DELIVERY_RECORD_PREDICATE_TYPE,
  type Delivery,
  type DeliveryImage,
  type DeliveryPlan,
  type DeliveryRecord,
  type DeliveryRequest,
  type DeliveryRunOptions,
  type PreparedRelease,
  type ReleaseAssessment,
} from './types';

type Customer = ReturnType<WorkspaceServices['customers']['get']>;
type Inventory = PreparedRelease['inventory'][number];

const PRODUCER = `consign/${APP_VERSION}`;
const DEFAULT_POLICY_NAME = 'the default policy (no secrets, no malware)';
/** Target steps a run still has to take. */
const UNFINISHED: readonly TargetRow['status'][] = [
  'pending',
  'copying',
  'signing',
  'tagging',
  'verifying',
  'failed',
  'cancelled',
];

const now = () => new Date().toISOString();
/** A copy reports a destination's failure as text already fit to show. */
const messageOf = (error: unknown) =>
  typeof error === 'string' ? error : toErrorInfo(error).message;

function activeKey(services: WorkspaceServices, keyId: string) {
  const key = services.keys.get(keyId);
  if (key.state === 'revoked') {
    throw new ConsignError(
      'CHECK_FAILED',
      `The key ${key.id} ("${key.name}") is revoked and cannot sign a delivery.`,
      { remedy: 'Choose an active key (see the Keys page or `consign keys list`).' },
    );
  }
  return key;
}

async function policyOf(file: string | undefined): Promise<{ policy: Policy; name: string }> {
  if (file) return { policy: await loadPolicy(file), name: file };
  return { policy: validatePolicy({}, 'default'), name: DEFAULT_POLICY_NAME };
}

/** Names each image lands under; two images of one release may not land on the same name:tag. */
function releaseImages(images: readonly string[], version: string) {
  const seen = new Map<string, string>();
  return images.map((source) => {
    const { name, tag } = deliveredName(source, version);
    const other = seen.get(`${name}:${tag}`);
    if (other) {
      throw new ConsignError(
        'BAD_INPUT',
        `${other} and ${source} would both be delivered as ${name}:${tag}.`,
        { remedy: 'Give each image of a release its own repository name or tag.' },
      );
    }
    seen.set(`${name}:${tag}`, source);
    return { source, name, tag };
  });
}

/** Registry and OCI sources keep their digest when copied; Docker engine exports are compressed. */
function digestPreserved(source: string): boolean {
  const transport = parseImageReference(source).transport;
  return transport === 'docker' || transport === 'oci';
}

/** A registry source pinned to the digest it was judged at, so a moved tag changes nothing. */
function pinned(source: string, digest: string | null): string {
  const ref = parseImageReference(source);
  if (ref.transport !== 'docker' || !digest) return source;
  return formatImageReference({ ...ref, tag: undefined, digest: digest as Digest });
}

function inventoryOf(result: ScanResult): Inventory {
  return {
    purls: [...new Set(result.packages.map((p) => p.purl).filter(Boolean))],
    vulnerabilities: result.vulnerabilities.flatMap((v) =>
      [v.id, ...v.aliases].map((id) => ({ id, purl: v.purl })),
    ),
  };
}

function judged(
  result: ScanResult,
  policy: Policy,
): Omit<DeliveryImage, 'source' | 'name' | 'tag'> {
  const evaluation = evaluatePolicy(result, policy, new Date());
  return {
    digest: result.image.digest,
    scan: {
      packages: result.summary.packages,
      vulnerabilities: { ...result.summary.vulnerabilities },
      secrets: result.secrets.length,
      malware: result.malware.length,
      scannedAt: result.scannedAt ?? now(),
    },
    verdict: evaluation.verdict,
    reasons: evaluation.reasons.map(reasonView),
    warnings: evaluation.warnings.map(reasonView),
  };
}

function reasonView(reason: DeliveryImage['reasons'][number]): DeliveryImage['reasons'][number] {
  return {
    kind: reason.kind,
    id: reason.id,
    ...(reason.package ? { package: reason.package } : {}),
    ...(reason.path ? { path: reason.path } : {}),
    why: reason.why,
  };
}

/** Scans a release image, its layers' progress reported as the run's `progress` events. */
async function scanSource(
  engine: Engine,
  source: string,
  options: DeliveryRunOptions,
): Promise<ScanResult> {
  const events = options.taskId ? scanProgressEvents(engine, options.taskId) : undefined;
  try {
    return await scanImage(engine, source, {
      ...(options.signal ? { signal: options.signal } : {}),
      ...(events ? { onProgress: (progress: ScanProgress) => events.update(progress) } : {}),
    });
  } catch (error) {
    const cancelled = error instanceof TaskCancelledError || options.signal?.aborted;
    events?.stopped(cancelled ? 'cancelled' : 'failed');
    throw error;
  }
}

/** Resolves, scans and judges a release's images (no customers, nothing pushed). */
export async function assessRelease(
  engine: Engine,
  request: Pick<DeliveryRequest, 'release' | 'images' | 'policy'>,
  options: DeliveryRunOptions = {},
): Promise<ReleaseAssessment> {
  const { product, version } = parseRelease(request.release);
  const { policy, name: policyName } = await policyOf(request.policy);
  const images: ReleaseAssessment['images'] = [];
  const inventory: Inventory[] = [];
  for (const image of releaseImages(request.images, version)) {
    const result = await scanSource(engine, image.source, options);
    images.push({ ...image, ...judged(result, policy), digest: result.image.digest });
    inventory.push(inventoryOf(result));
  }
  return {
    release: `${product}@${version}`,
    product,
    version,
    gate: images.some((i) => i.verdict === 'block') ? 'block' : 'pass',
    ...(request.policy ? { policyName } : {}),
    images,
    inventory,
  };
}

/** Resolves, scans and judges a release for chosen customers; pushes nothing. */
export async function planDelivery(
  engine: Engine,
  request: DeliveryRequest,
  options: DeliveryRunOptions = {},
): Promise<DeliveryPlan> {
  const services = engine.requireStore();
  const customers = uniqueNames(request.customers).map((name) => services.customers.get(name));
  activeKey(services, request.keyId);
  return runAsTask(engine, options, 'delivery check', async (signal) => {
    const assessment = await assessRelease(engine, request, { ...options, signal });
    return {
      release: assessment.release,
      gate: assessment.gate,
      images: assessment.images,
      customers: customers.map((customer) => ({
        name: customer.name,
        entitled: services.customers.isEntitled(customer, assessment.product),
        refs: assessment.images.map((image) => targetRef(services, customer, image)),
      })),
    };
  });
}

function uniqueNames(names: readonly string[]): string[] {
  return [...new Set(names.map((n) => n.trim()))];
}

function targetRef(
  services: WorkspaceServices,
  customer: Customer,
  image: { name: string; tag: string },
): string {
  return `docker://${customer.registry}/${services.customers.repositoryFor(customer, image.name)}:${image.tag}`;
}

function newId(): string {
  return randomBytes(6).toString('hex');
}

interface NewDelivery {
  product: string;
  version: string;
  origin: Delivery['origin'];
  key: { id?: string; fingerprint: string; publicKey: string };
  policy: { policy: Policy; name?: string };
  images: (Pick<DeliveryImage, 'source' | 'name' | 'tag'> & Partial<DeliveryImage>)[];
  inventory?: Inventory[];
  gate?: 'pass' | 'block';
  bundleDir?: string;
  customers: Customer[];
}

/** Writes a new delivery's rows and its first audit events, all in one transaction. */
function createDelivery(services: WorkspaceServices, spec: NewDelivery): string {
  const { db, audit } = services;
  const id = newId();
  const at = now();
  const release = `${spec.product}@${spec.version}`;
  transaction(db, () => {
    db.prepare(
      `INSERT INTO deliveries (id, product, version, origin, status, key_id, key_fingerprint,
         public_key, policy_name, policy, gate, bundle_dir, owner_pid, created_at, updated_at)
       VALUES (?, ?, ?, ?, 'running', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      id,
      spec.product,
      spec.version,
      spec.origin,
      spec.key.id ?? null,
      spec.key.fingerprint,
      spec.key.publicKey,
      spec.policy.name ?? null,
      JSON.stringify(spec.policy.policy),
      spec.gate ?? null,
      spec.bundleDir ?? null,
      process.pid,
      at,
      at,
    );
    spec.images.forEach((image, position) => {
      db.prepare(
        `INSERT INTO delivery_images (delivery_id, position, source, name, tag, digest, scan,
           verdict, reasons, warnings) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        id,
        position,
        image.source,
        image.name,
        image.tag,
        image.digest ?? null,
        image.scan ? JSON.stringify(image.scan) : null,
        image.verdict ?? null,
        JSON.stringify(image.reasons ?? []),
        JSON.stringify(image.warnings ?? []),
      );
      const inventory = spec.inventory?.[position];
      if (inventory) saveInventory(db, id, position, inventory);
    });
    spec.customers.forEach((customer, position) => {
      const entitled = services.customers.isEntitled(customer, spec.product);
      db.prepare(
        `INSERT INTO delivery_customers (delivery_id, customer_id, customer_name, position, status, error)
         VALUES (?, ?, ?, ?, ?, ?)`,
      ).run(
        id,
        customer.id,
        customer.name,
        position,
        entitled ? 'pending' : 'refused',
        entitled ? null : `${customer.name} is not entitled to ${spec.product}.`,
      );
      if (!entitled) {
        audit.append({
          action: 'delivery.refused',
          subject: id,
          details: { delivery: id, release, customer: customer.name, reason: 'not entitled' },
        });
        return;
      }
      spec.images.forEach((image, imagePosition) => {
        db.prepare(
          `INSERT INTO delivery_targets (delivery_id, customer_id, position, ref, status, updated_at)
           VALUES (?, ?, ?, ?, 'pending', ?)`,
        ).run(id, customer.id, imagePosition, targetRef(services, customer, image), at);
      });
    });
    audit.append({
      action: 'delivery.started',
      subject: id,
      details: {
        delivery: id,
        release,
        origin: spec.origin,
        images: spec.images.map((i) => i.source),
        customers: spec.customers.map((c) => c.name),
        fingerprint: spec.key.fingerprint,
        ...(spec.key.id ? { keyId: spec.key.id } : {}),
        policy: spec.policy.name ?? DEFAULT_POLICY_NAME,
      },
    });
  });
  return id;
}

function saveInventory(db: Database, id: string, position: number, inventory: Inventory) {
  const purl = db.prepare(
    'INSERT OR IGNORE INTO delivery_packages (delivery_id, position, purl) VALUES (?, ?, ?)',
  );
  for (const p of inventory.purls) purl.run(id, position, p);
  const vuln = db.prepare(
    'INSERT OR IGNORE INTO delivery_vulnerabilities (delivery_id, position, vuln_id, purl) VALUES (?, ?, ?, ?)',
  );
  for (const v of inventory.vulnerabilities) vuln.run(id, position, v.id, v.purl);
}

/** Scans, judges and delivers a release to the chosen customers; see the module comment. */
export async function startDelivery(
  engine: Engine,
  request: DeliveryRequest,
  options: DeliveryRunOptions = {},
): Promise<Delivery> {
  const services = engine.requireStore();
  const { product, version } = parseRelease(request.release);
  const key = activeKey(services, request.keyId);
  const customers = uniqueNames(request.customers).map((name) => services.customers.get(name));
  const policy = await policyOf(request.policy);
  const id = createDelivery(services, {
    product,
    version,
    origin: 'deliver',
    key: { id: key.id, fingerprint: key.fingerprint, publicKey: key.publicKey },
    policy: { policy: policy.policy, ...(request.policy ? { name: policy.name } : {}) },
    images: releaseImages(request.images, version),
    customers,
  });
  return runDelivery(engine, id, options);
}

/**
 * Delivers a release prepared elsewhere (an imported bundle): what the sources hold is copied
 * (signatures and attestations included), tagged, verified with the bundle's key and recorded.
 */
export async function deliverPrepared(
  engine: Engine,
  release: PreparedRelease,
  customerNames: string[],
  options: DeliveryRunOptions = {},
): Promise<Delivery> {
  const services = engine.requireStore();
  const { product, version } = parseRelease(release.release);
  const customers = uniqueNames(customerNames).map((name) => services.customers.get(name));
  const blocked = release.images.find((image) => image.verdict === 'block');
  if (blocked) {
    throw new ConsignError('CHECK_FAILED', `${blocked.source} was blocked by its policy gate.`);
  }
  const known = services.keys.list().find((k) => k.fingerprint === release.keyFingerprint);
  const id = createDelivery(services, {
    product,
    version,
    origin: 'bundle',
    key: {
      ...(known ? { id: known.id } : {}),
      fingerprint: release.keyFingerprint,
      publicKey: release.publicKeyPem,
    },
    policy: { policy: validatePolicy({}, 'bundle') },
    images: release.images,
    inventory: release.inventory,
    gate: 'pass',
    bundleDir: release.bundleDir,
    customers,
  });
  return runDelivery(engine, id, options);
}

/** Finishes an interrupted, cancelled or failed delivery; with `customers`, only those. */
export async function resumeDelivery(
  engine: Engine,
  id: string,
  options: DeliveryRunOptions & { customers?: string[] } = {},
): Promise<Delivery> {
  const services = engine.requireStore();
  const { db, audit } = services;
  const state = readState(db, id);
  const { row } = state;
  if (row.status === 'running' && processAlive(row.owner_pid) && row.owner_pid !== process.pid) {
    throw new ConsignError(
      'BAD_REQUEST',
      `Delivery ${id} is running in another process (${row.owner_pid}).`,
      { remedy: 'Wait for it to end, or stop that process, then resume.' },
    );
  }
  if (row.status === 'running' && row.owner_pid === process.pid) {
    throw new ConsignError('BAD_REQUEST', `Delivery ${id} is already running.`);
  }
  const chosen = chosenCustomers(state, options.customers);
  // A customer removed since cannot be delivered to: what it received stays recorded.
  const existing = new Set(services.customers.list().map((c) => c.id));
  for (const customer of state.customers) {
    if (!existing.has(customer.customer_id)) chosen.delete(customer.customer_id);
  }
  const open = state.targets.filter(
    (t) => chosen.has(t.customer_id) && UNFINISHED.includes(t.status),
  );
  // A finished delivery with nothing left for these customers is left as it is (no new events).
  const settled = ['delivered', 'blocked', 'partial', 'failed'].includes(row.status);
  if (open.length === 0 && settled) return deliveryView(state);
  const at = now();
  transaction(db, () => {
    db.prepare(
      `UPDATE deliveries SET status = 'running', owner_pid = ?, error = NULL, finished_at = NULL,
         updated_at = ? WHERE id = ?`,
    ).run(process.pid, at, id);
    // Failed and cancelled steps are taken again from where they were; the rest go on as saved.
    // Targets not delivered yet follow the customer's account as it is now (it may have moved).
    for (const target of open) {
      const customer = services.customers.getById(target.customer_id);
      const ref = targetRef(services, customer, state.images[target.position]!);
      if (ref !== target.ref) setTarget(db, id, target, { ref });
      if (target.status === 'failed' || target.status === 'cancelled') {
        setTarget(db, id, target, { status: target.digest ? 'signing' : 'pending', error: null });
      }
    }
    audit.append({
      action: 'delivery.resumed',
      subject: id,
      details: {
        delivery: id,
        release: `${row.product}@${row.version}`,
        customers: state.customers
          .filter((c) => chosen.has(c.customer_id) && c.status !== 'refused')
          .map((c) => c.customer_name),
      },
    });
  });
  return runDelivery(engine, id, { ...options, only: chosen });
}

function chosenCustomers(state: DeliveryState, names: string[] | undefined): Set<string> {
  if (!names?.length) return new Set(state.customers.map((c) => c.customer_id));
  const chosen = new Set<string>();
  for (const name of names) {
    const found = state.customers.find(
      (c) => c.customer_name.toLowerCase() === name.trim().toLowerCase(),
    );
    if (!found) {
      throw new ConsignError(
        'NOT_FOUND',
        `Delivery ${state.row.id} has no customer named "${name.slice(0, 120)}".`,
        { remedy: `Its customers: ${state.customers.map((c) => c.customer_name).join(', ')}.` },
      );
    }
    chosen.add(found.customer_id);
  }
  return chosen;
}

function setTarget(
  db: Database,
  id: string,
  target: Pick<TargetRow, 'customer_id' | 'position'>,
  change: Partial<Omit<TargetRow, 'customer_id' | 'position' | 'updated_at'>>,
) {
  const columns = Object.keys(change);
  db.prepare(
    `UPDATE delivery_targets SET ${columns.map((c) => `${c} = ?`).join(', ')}, updated_at = ?
     WHERE delivery_id = ? AND customer_id = ? AND position = ?`,
  ).run(
    ...columns.map((c) => change[c as keyof typeof change] ?? null),
    now(),
    id,
    target.customer_id,
    target.position,
  );
  db.prepare('UPDATE deliveries SET updated_at = ? WHERE id = ?').run(now(), id);
}

/** Everything one run shares: the delivery's identity, clients per customer, scans per image. */
class Run {
  readonly db: Database;
  readonly release: string;
  readonly clients = new Map<string, RegistryClient>();
  readonly scans = new Map<number, Promise<ScanResult>>();
  readonly customers = new Map<string, Customer>();

  constructor(
    readonly engine: Engine,
    readonly services: WorkspaceServices,
    readonly id: string,
    readonly options: DeliveryRunOptions & { signal: AbortSignal; only?: Set<string> },
  ) {
    this.db = services.db;
    const row = readState(this.db, id).row;
    this.release = `${row.product}@${row.version}`;
  }

  state(): DeliveryState {
    return readState(this.db, this.id);
  }

  /** Tells every interface the delivery's new state. */
  changed(): void {
    const { taskId } = this.options;
    this.engine.events.emit('delivery', {
      ...deliveryView(this.state()),
      ...(taskId ? { taskId } : {}),
    });
  }

  customer(id: string): Customer {
    let customer = this.customers.get(id);
    if (!customer) {
      customer = this.services.customers.getById(id);
      this.customers.set(id, customer);
    }
    return customer;
  }

  client(customerId: string): RegistryClient {
    let client = this.clients.get(customerId);
    if (!client) {
      client = this.services.customers.clientFor(this.customer(customerId));
      this.clients.set(customerId, client);
    }
    return client;
  }

  repository(customerId: string, image: ImageRow): string {
    return this.services.customers.repositoryFor(this.customer(customerId), image.name);
  }

  scan(image: ImageRow): Promise<ScanResult> {
    let scan = this.scans.get(image.position);
    if (!scan) {
      scan = scanSource(this.engine, pinned(image.source, image.digest), this.options);
      this.scans.set(image.position, scan);
    }
    return scan;
  }

  audit(action: string, customerId: string | undefined, details: Record<string, JsonValue>) {
    this.services.audit.append({
      action,
      subject: this.id,
      details: {
        delivery: this.id,
        release: this.release,
        ...(customerId ? { customer: this.customer(customerId).name } : {}),
        ...details,
      },
    });
  }

  wanted(target: TargetRow): boolean {
    return (
      (!this.options.only || this.options.only.has(target.customer_id)) &&
      UNFINISHED.includes(target.status)
    );
  }

  close(): void {
    for (const client of this.clients.values()) client.close();
  }
}

async function runDelivery(
  engine: Engine,
  id: string,
  options: DeliveryRunOptions & { only?: Set<string> },
): Promise<Delivery> {
  const work = async (signal: AbortSignal) => {
    const services = engine.requireStore();
    const run = new Run(engine, services, id, { ...options, signal });
    try {
      run.changed();
      if (await assess(run)) {
        await copyAll(run);
        await Promise.all(
          run
            .state()
            .customers.filter((c) => c.status !== 'refused')
            .filter((c) => !options.only || options.only.has(c.customer_id))
            .map((c) => finishCustomer(run, c.customer_id)),
        );
      }
      // A cancel the copy reported as failed destinations still ends the run as cancelled.
      signal.throwIfAborted();
      finish(run);
    } catch (error) {
      stop(run, error);
      throw error;
    } finally {
      run.close();
      run.changed();
    }
    return deliveryView(run.state());
  };
  return runAsTask(engine, options, 'delivery', work);
}

/** Scans and judges what is not judged yet; false when the gate blocks. */
async function assess(run: Run): Promise<boolean> {
  const state = run.state();
  if (state.row.gate === 'block') return false;
  const policy = validatePolicy(JSON.parse(state.row.policy), state.row.policy_name ?? 'default');
  for (const image of state.images.filter((i) => i.verdict === null)) {
    const result = await run.scan(image);
    const view = judged(result, policy);
    transaction(run.db, () => {
      run.db
        .prepare(
          `UPDATE delivery_images SET digest = ?, scan = ?, verdict = ?, reasons = ?, warnings = ?
           WHERE delivery_id = ? AND position = ?`,
        )
        .run(
          digestPreserved(image.source) ? result.image.digest : null,
          JSON.stringify(view.scan),
          view.verdict ?? null,
          JSON.stringify(view.reasons),
          JSON.stringify(view.warnings),
          run.id,
          image.position,
        );
      saveInventory(run.db, run.id, image.position, inventoryOf(result));
    });
    run.changed();
  }
  const images = run.state().images;
  if (state.row.gate === null) {
    const gate = images.some((i) => i.verdict === 'block') ? 'block' : 'pass';
    transaction(run.db, () => {
      run.db
        .prepare('UPDATE deliveries SET gate = ?, updated_at = ? WHERE id = ?')
        .run(gate, now(), run.id);
      run.audit('delivery.gate', undefined, {
        verdict: gate,
        policy: state.row.policy_name ?? DEFAULT_POLICY_NAME,
        images: images.map((i) => ({
          source: i.source,
          verdict: i.verdict ?? 'pass',
          reasons: (JSON.parse(i.reasons) as unknown[]).length,
        })),
      });
    });
    run.changed();
    return gate === 'pass';
  }
  return true;
}

/** Copies each image once to every customer still waiting for it: blobs and manifest, no tag. */
async function copyAll(run: Run): Promise<void> {
  for (const image of run.state().images) {
    const targets = run
      .state()
      .targets.filter((t) => t.position === image.position && run.wanted(t))
      .filter((t) => t.status === 'pending' || t.status === 'copying');
    if (targets.length === 0) continue;
    // The immutable-tag guard, before anything is sent when the digest is known already.
    const ready: TargetRow[] = [];
    for (const target of targets) {
      if (image.digest && (await tagConflict(run, target, image, image.digest))) continue;
      ready.push(target);
    }
    if (ready.length === 0) continue;
    transaction(run.db, () => {
      for (const t of ready) setTarget(run.db, run.id, t, { status: 'copying' });
    });
    run.changed();
    await copyImageTo(run, image, ready);
  }
}

async function tagConflict(
  run: Run,
  target: TargetRow,
  image: ImageRow,
  digest: string,
): Promise<boolean> {
  let existing;
  try {
    existing = await run
      .client(target.customer_id)
      .headManifest(run.repository(target.customer_id, image), image.tag);
  } catch (error) {
    fail(run, target, error);
    return true;
  }
  if (!existing || existing.digest === digest) return false;
  const error = `${target.ref} already names ${existing.digest}; versions are immutable, so ${digest} was not delivered there.`;
  transaction(run.db, () => {
    setTarget(run.db, run.id, target, { status: 'conflict', error });
    run.audit('delivery.conflict', target.customer_id, {
      ref: target.ref,
      digest,
      existing: existing.digest,
    });
  });
  run.changed();
  return true;
}

function fail(run: Run, target: TargetRow, error: unknown) {
  const cancelled = error instanceof TaskCancelledError || run.options.signal.aborted;
  // A cancel stops the copy with the runtime's abort error; say what happened instead.
  const message = cancelled ? 'The delivery was cancelled; resume it to finish.' : messageOf(error);
  transaction(run.db, () => {
    setTarget(run.db, run.id, target, {
      status: cancelled ? 'cancelled' : 'failed',
      error: message,
    });
    if (!cancelled)
      run.audit('delivery.image-failed', target.customer_id, { ref: target.ref, error: message });
  });
  run.changed();
}

async function copyImageTo(run: Run, image: ImageRow, targets: TargetRow[]): Promise<void> {
  const refToCustomer = new Map<string, string>();
  const destinations: CopyDestination[] = targets.map((target) => {
    const repository = run.repository(target.customer_id, image);
    const client = run.client(target.customer_id);
    const ref = `docker://${client.host}/${repository}`;
    refToCustomer.set(ref, run.customer(target.customer_id).name);
    return { ref, registry: client, repository };
  });
  let source;
  try {
    source = await openImage(run.engine, pinned(image.source, image.digest));
  } catch (error) {
    for (const target of targets) fail(run, target, error);
    return;
  }
  try {
    const result = await copyImage(source, destinations, {
      blobLocations: new BlobLocations(run.db),
      compressedLayers: new CompressedLayers(run.db),
      signal: run.options.signal,
      ...(run.options.taskId
        ? {
            onProgress: copyProgressEvents(
              run.engine,
              run.options.taskId,
              (ref) => refToCustomer.get(ref) ?? ref,
            ),
          }
        : {}),
    });
    if (image.digest && image.digest !== result.digest) {
      throw new ConsignError(
        'CHECK_FAILED',
        `${image.source} now reads as ${result.digest}, not the ${image.digest} it was judged as.`,
        { remedy: 'Start a new delivery to judge the image as it is now.' },
      );
    }
    if (!image.digest) {
      run.db
        .prepare('UPDATE delivery_images SET digest = ? WHERE delivery_id = ? AND position = ?')
        .run(result.digest, run.id, image.position);
    }
    for (const [index, target] of targets.entries()) {
      const outcome = result.destinations[index];
      if (!outcome || outcome.status === 'failed' || outcome.status === 'conflict') {
        fail(run, target, outcome?.error?.message ?? 'the copy did not finish');
        continue;
      }
      // A Docker engine image's digest is known only now: guard its tag before signing.
      if (!image.digest && (await tagConflict(run, target, image, result.digest))) continue;
      transaction(run.db, () => {
        setTarget(run.db, run.id, target, { status: 'signing', digest: result.digest });
        run.audit('delivery.image-copied', target.customer_id, {
          ref: target.ref,
          digest: result.digest,
          blobsUploaded: outcome.blobsUploaded,
          bytesUploaded: outcome.bytesUploaded,
        });
      });
    }
  } catch (error) {
    for (const target of targets) fail(run, target, error);
    if (run.options.signal.aborted) throw error;
  } finally {
    await source.image.close();
    run.changed();
  }
}

/** Signs, attests, tags and verifies each of one customer's images, in release order. */
async function finishCustomer(run: Run, customerId: string): Promise<void> {
  const state = run.state();
  for (const target of state.targets.filter((t) => t.customer_id === customerId)) {
    if (!['signing', 'tagging', 'verifying'].includes(target.status)) continue;
    const image = state.images[target.position]!;
    try {
      run.options.signal.throwIfAborted();
      await finishTarget(run, target, image);
    } catch (error) {
      fail(run, target, error);
      if (run.options.signal.aborted) throw error;
    }
  }
  updateCustomer(run, customerId);
}

async function finishTarget(run: Run, target: TargetRow, image: ImageRow): Promise<void> {
  const { db, id } = run;
  const row = readState(db, id).row;
  const client = run.client(target.customer_id);
  const repository = run.repository(target.customer_id, image);
  const digest = target.digest as Digest;
  const head = await client.headManifest(repository, digest);
  if (!head) {
    throw new ConsignError('CHECK_FAILED', `${target.ref} lost its manifest ${digest}.`, {
      remedy: 'Resume the delivery to copy it again.',
    });
  }
  const located = imageAt(client, repository, {
    mediaType: head.mediaType,
    digest,
    size: head.size,
  });
  const customer = run.customer(target.customer_id);
  const audit = { delivery: id, release: run.release, customer: customer.name };
  let status = target.status;

  if (status === 'signing') {
    let record: string | null = null;
    let recordBundle: string | null = null;
    if (row.origin === 'deliver' && row.key_id) {
      await signImageAt(run.engine, located, row.key_id, { audit });
      for (const [predicateType, predicate] of await scanPredicates(
        await run.scan(image),
        digest,
      )) {
        await attestImageAt(run.engine, located, row.key_id, { predicateType, predicate, audit });
      }
      const statement = target.record_statement ?? JSON.stringify(deliveryRecord(run, customer));
      if (!target.record_statement) setTarget(db, id, target, { record_statement: statement });
      const written = await attestImageAt(run.engine, located, row.key_id, {
        predicateType: DELIVERY_RECORD_PREDICATE_TYPE,
        predicate: JSON.parse(statement) as unknown,
        audit,
      });
      record = written.ref;
      recordBundle = written.bundle;
    }
    transaction(db, () =>
      setTarget(db, id, target, {
        status: 'tagging',
        signed: 1,
        record,
        record_bundle: recordBundle,
      }),
    );
    status = 'tagging';
    run.changed();
  }

  if (status === 'tagging') {
    // Tag last: the customer never sees this version without its signatures.
    const existing = await client.headManifest(repository, image.tag);
    if (existing && existing.digest !== digest) {
      await tagConflict(run, target, image, digest);
      return;
    }
    if (!existing) {
      const manifest = await client.getManifest(repository, digest);
      await client.putManifest(repository, image.tag, {
        bytes: manifest.bytes,
        mediaType: manifest.mediaType,
      });
    }
    transaction(db, () => setTarget(db, id, target, { status: 'verifying' }));
    status = 'verifying';
    run.changed();
  }

  if (status === 'verifying') {
    const verification = await verifyImageAt(
      run.engine,
      located,
      row.key_id ? { keyId: row.key_id } : { publicKeyPem: row.public_key },
      audit,
    );
    if (!verification.verified) {
      throw new ConsignError(
        'CHECK_FAILED',
        `The signature on ${target.ref} did not verify in ${customer.name}'s registry: ${verification.reason ?? 'no valid signature'}.`,
      );
    }
    transaction(db, () => {
      setTarget(db, id, target, { status: 'delivered', verified: 1, error: null });
      run.audit('delivery.image-delivered', target.customer_id, {
        ref: target.ref,
        digest,
        fingerprint: row.key_fingerprint,
        ...(row.key_id ? { keyId: row.key_id } : {}),
      });
    });
    run.changed();
  }
}

/** The delivery record for one customer: fixed once written, so a resume attests the same. */
function deliveryRecord(run: Run, customer: Customer): DeliveryRecord {
  const state = run.state();
  const { row } = state;
  return {
    delivery: run.id,
    release: { name: row.product, version: row.version },
    customer: { name: customer.name, registry: customer.registry, namespace: customer.namespace },
    images: state.images.map((image) => {
      const target = state.targets.find(
        (t) => t.customer_id === customer.id && t.position === image.position,
      );
      const view = {
        name: image.name,
        tag: image.tag,
        digest: target?.digest ?? image.digest ?? '',
        ...(target ? { ref: target.ref } : {}),
        ...(image.scan
          ? { scan: JSON.parse(image.scan) as NonNullable<DeliveryImage['scan']> }
          : {}),
        ...(image.verdict ? { verdict: image.verdict } : {}),
      };
      return view;
    }),
    policy: {
      ...(row.policy_name ? { name: row.policy_name } : {}),
      verdict: row.gate ?? 'pass',
    },
    signer: { keyFingerprint: row.key_fingerprint },
    time: row.created_at,
    producer: PRODUCER,
  };
}

function customerStatus(targets: TargetRow[]): 'delivered' | 'partial' | 'failed' | 'cancelled' {
  const delivered = targets.filter((t) => t.status === 'delivered').length;
  if (delivered === targets.length) return 'delivered';
  if (delivered > 0) return 'partial';
  return targets.some((t) => t.status === 'cancelled') ? 'cancelled' : 'failed';
}

function updateCustomer(run: Run, customerId: string): void {
  const state = run.state();
  const targets = state.targets.filter((t) => t.customer_id === customerId);
  const status = customerStatus(targets);
  const errors = targets.filter((t) => t.error).map((t) => `${t.ref}: ${t.error}`);
  const previous = state.customers.find((c) => c.customer_id === customerId)?.status;
  transaction(run.db, () => {
    run.db
      .prepare(
        'UPDATE delivery_customers SET status = ?, error = ? WHERE delivery_id = ? AND customer_id = ?',
      )
      .run(status, errors.length ? errors.join('\n') : null, run.id, customerId);
    if (status === 'delivered' && previous !== 'delivered') {
      run.audit('delivery.customer-delivered', customerId, {
        images: targets.map((t) => ({ ref: t.ref, digest: t.digest ?? '' })),
      });
    }
  });
}

function finish(run: Run): void {
  const state = run.state();
  const { row } = state;
  let status: Delivery['status'];
  if (row.gate === 'block') {
    status = 'blocked';
  } else {
    // Each customer's status was settled as its images finished (see finishCustomer).
    const { customers } = state;
    const delivered = customers.filter((c) => c.status === 'delivered').length;
    status = delivered === customers.length ? 'delivered' : delivered > 0 ? 'partial' : 'failed';
    if (customers.some((c) => c.status === 'partial')) status = 'partial';
  }
  const blocked = state.images.filter((i) => i.verdict === 'block');
  const error =
    status === 'blocked'
      ? `The policy gate blocked ${blocked.map((i) => i.source).join(', ')}: ${blocked
          .flatMap((i) => (JSON.parse(i.reasons) as { why: string }[]).map((r) => r.why))
          .slice(0, 5)
          .join('; ')}.`
      : null;
  const at = now();
  transaction(run.db, () => {
    run.db
      .prepare(
        `UPDATE deliveries SET status = ?, error = ?, owner_pid = NULL, finished_at = ?, updated_at = ?
         WHERE id = ?`,
      )
      .run(status, error, at, at, run.id);
    run.audit('delivery.finished', undefined, {
      status,
      customers: Object.fromEntries(run.state().customers.map((c) => [c.customer_name, c.status])),
    });
  });
}

/** A run that stopped early: cancelled, or failed as a whole (the error is rethrown). */
function stop(run: Run, error: unknown): void {
  const cancelled = error instanceof TaskCancelledError || run.options.signal.aborted;
  const status = cancelled ? 'cancelled' : 'failed';
  const message = messageOf(error);
  const at = now();
  transaction(run.db, () => {
    run.db
      .prepare(
        `UPDATE deliveries SET status = ?, error = ?, owner_pid = NULL, updated_at = ? WHERE id = ?`,
      )
      .run(status, message, at, run.id);
    run.audit(cancelled ? 'delivery.cancelled' : 'delivery.failed', undefined, {
      error: message,
    });
  });
}
