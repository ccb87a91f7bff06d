/**
 * Deliveries as rows: the delivery, its images, its customers and one target per customer and
 * image. Every step of a run is one small write here, so a run killed at any point leaves the
 * state it had reached, and a resume reads it back.
 */
import type { Database } from '../db';
import type { Engine } from '../engine';
import { ConsignError } from '../errors';
import type {
  Delivery,
  DeliveryCustomer,
  DeliveryImage,
  DeliverySummary,
  DeliveryTarget,
} from './types';

interface DeliveryRow {
  id: string;
  product: string;
  version: string;
  origin: Delivery['origin'];
  status: Delivery['status'];
  key_id: string | null;
  key_fingerprint: string;
  public_key: string;
  policy_name: string | null;
  policy: string;
  gate: 'pass' | 'block' | null;
  bundle_dir: string | null;
  error: string | null;
  owner_pid: number | null;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
}

interface ImageRow {
  position: number;
  source: string;
  name: string;
  tag: string;
  digest: string | null;
  scan: string | null;
  verdict: 'pass' | 'block' | null;
  reasons: string;
  warnings: string;
}

interface CustomerRow {
  customer_id: string;
  customer_name: string;
  position: number;
  status: DeliveryCustomer['status'];
  error: string | null;
}

interface TargetRow {
  customer_id: string;
  position: number;
  ref: string;
  digest: string | null;
  status: DeliveryTarget['status'];
  signed: number;
  verified: number;
  record: string | null;
  record_statement: string | null;
  record_bundle: string | null;
  error: string | null;
  updated_at: string;
}

/** A delivery's rows as the workflow reads them (the contract's view adds nothing secret). */
export interface DeliveryState {
  row: DeliveryRow;
  images: ImageRow[];
  customers: CustomerRow[];
  targets: TargetRow[];
}

export type { DeliveryRow, ImageRow, CustomerRow, TargetRow };

/** Whether a process of that id still runs (EPERM: it runs under another user). */
export function processAlive(pid: number | null): boolean {
  if (!pid) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** `running` in the database but its process is gone: it was interrupted. */
function effectiveStatus(row: DeliveryRow): Delivery['status'] {
  return row.status === 'running' && !processAlive(row.owner_pid) ? 'interrupted' : row.status;
}

const optional = <K extends string, V>(key: K, value: V | null | undefined) =>
  (value === null || value === undefined ? {} : { [key]: value }) as Partial<Record<K, V>>;

export function readState(db: Database, id: string): DeliveryState {
  const row = db.prepare('SELECT * FROM deliveries WHERE id = ?').get(id) as
    DeliveryRow | undefined;
  if (!row) {
    throw new ConsignError('NOT_FOUND', `There is no delivery ${id.slice(0, 100)}.`, {
      remedy: 'List deliveries with `consign deliveries list` or on the Deliveries page.',
    });
  }
  return {
    row,
    images: db
      .prepare('SELECT * FROM delivery_images WHERE delivery_id = ? ORDER BY position')
      .all(id) as unknown as ImageRow[],
    customers: db
      .prepare('SELECT * FROM delivery_customers WHERE delivery_id = ? ORDER BY position')
      .all(id) as unknown as CustomerRow[],
    targets: db
      .prepare('SELECT * FROM delivery_targets WHERE delivery_id = ? ORDER BY position')
      .all(id) as unknown as TargetRow[],
  };
}

export function imageView(image: ImageRow): DeliveryImage {
  return {
    source: image.source,
    name: image.name,
    tag: image.tag,
    ...optional('digest', image.digest),
    ...(image.scan ? { scan: JSON.parse(image.scan) as NonNullable<DeliveryImage['scan']> } : {}),
    ...optional('verdict', image.verdict),
    reasons: JSON.parse(image.reasons) as DeliveryImage['reasons'],
    warnings: JSON.parse(image.warnings) as DeliveryImage['warnings'],
  };
}

export function deliveryView(state: DeliveryState): Delivery {
  const { row } = state;
  return {
    id: row.id,
    release: `${row.product}@${row.version}`,
    product: row.product,
    version: row.version,
    origin: row.origin,
    status: effectiveStatus(row),
    ...optional('keyId', row.key_id),
    keyFingerprint: row.key_fingerprint,
    ...optional('policy', row.policy_name),
    ...optional('gate', row.gate),
    images: state.images.map(imageView),
    customers: state.customers.map((customer) => ({
      id: customer.customer_id,
      name: customer.customer_name,
      status: customer.status,
      ...optional('error', customer.error),
      images: state.targets
        .filter((t) => t.customer_id === customer.customer_id)
        .map((t) => ({
          source: state.images[t.position]?.source ?? '',
          ref: t.ref,
          ...optional('digest', t.digest),
          status: t.status,
          signed: t.signed === 1,
          verified: t.verified === 1,
          ...optional('record', t.record),
          ...optional('error', t.error),
          updatedAt: t.updated_at,
        })),
    })),
    ...optional('error', row.error),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    ...optional('finishedAt', row.finished_at),
  };
}

export function getDelivery(engine: Engine, id: string): Delivery {
  return deliveryView(readState(engine.requireStore().db, id));
}

/** The newest deliveries first. */
export function listDeliveries(engine: Engine, limit = 200): DeliverySummary[] {
  const { db } = engine.requireStore();
  const rows = db
    .prepare('SELECT * FROM deliveries ORDER BY created_at DESC, id LIMIT ?')
    .all(limit) as unknown as DeliveryRow[];
  const customers = db.prepare(
    'SELECT customer_name, status FROM delivery_customers WHERE delivery_id = ? ORDER BY position',
  );
  const images = db.prepare('SELECT COUNT(*) AS n FROM delivery_images WHERE delivery_id = ?');
  return rows.map((row) => ({
    id: row.id,
    release: `${row.product}@${row.version}`,
    origin: row.origin,
    status: effectiveStatus(row),
    ...optional('gate', row.gate),
    keyFingerprint: row.key_fingerprint,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    images: (images.get(row.id) as { n: number }).n,
    customers: (
      customers.all(row.id) as unknown as Pick<CustomerRow, 'customer_name' | 'status'>[]
    ).map((c) => ({ name: c.customer_name, status: c.status })),
  }));
}
