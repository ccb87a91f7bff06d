/**
 * Customer accounts: where each customer receives images and with which account. Settings live in
 * the workspace database; a password lives only in the keychain (account `customer:<id>`), and
 * the database only says whether one is stored. Every change is an audit event whose details name
 * the customer (`details.customer`, what the audit filter matches) and never hold a secret.
 */
import { randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Customer, CustomerInput, CustomerTest } from '../../../shared/contract';
import type { AuditLog } from '../audit';
import type { JsonValue } from '../audit';
import { transaction, type Database } from '../db';
import { ConsignError } from '../errors';
import type { Keychain } from '../keychain';
import {
  normalizeHost,
  RegistryClient,
  type Credentials,
  type RegistryClientOptions,
  type RegistryEndpointOptions,
} from '../registry';
import { probeConnection } from './connection';
import {
  checkUsername,
  normalizeCustomerName,
  normalizeNamespace,
  normalizeProducts,
  repositoryFor,
} from './rules';

/** A save: no `id` adds a customer, an `id` edits that one (a rename included). */
export type CustomerSave = CustomerInput & { id?: string };

/** Client options a caller may tune; the endpoint itself always comes from the customer. */
export type CustomerClientOptions = Omit<RegistryClientOptions, keyof RegistryEndpointOptions>;

interface Row {
  id: string;
  name: string;
  registry: string;
  namespace: string;
  auth: Customer['auth'];
  username: string | null;
  has_password: number;
  ca_file: string | null;
  insecure_http: number;
  contacts: string;
  notes: string | null;
  created_at: string;
  updated_at: string;
}

/** The fields compared to name what an edit changed (the password is compared separately). */
const EDITABLE: (keyof Customer)[] = [
  'name',
  'registry',
  'namespace',
  'auth',
  'username',
  'caFile',
  'insecureHttp',
  'contacts',
  'notes',
  'entitlements',
];

export function customerAccount(id: string): string {
  return `customer:${id}`;
}

function toCustomer(row: Row, entitlements: string[]): Customer {
  return {
    id: row.id,
    name: row.name,
    registry: row.registry,
    namespace: row.namespace,
    auth: row.auth,
    ...(row.username ? { username: row.username } : {}),
    hasPassword: row.has_password === 1,
    ...(row.ca_file ? { caFile: row.ca_file } : {}),
    insecureHttp: row.insecure_http === 1,
    contacts: JSON.parse(row.contacts) as string[],
    ...(row.notes ? { notes: row.notes } : {}),
    entitlements,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function notFound(name: string): ConsignError {
  return new ConsignError('NOT_FOUND', `There is no customer named "${name.slice(0, 120)}".`, {
    remedy: 'Pick a customer from the Customers page or `consign customers list`.',
  });
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/** The checked, normalised fields of a save, ready for the database. */
interface Fields {
  name: string;
  registry: string;
  namespace: string;
  auth: Customer['auth'];
  username: string | null;
  caFile: string | null;
  insecureHttp: boolean;
  contacts: string[];
  notes: string | null;
}

function checkCaFile(path: string): string {
  const file = resolve(path);
  let isFile: boolean;
  try {
    isFile = statSync(file).isFile();
  } catch {
    isFile = false;
  }
  if (!isFile) {
    throw new ConsignError('BAD_INPUT', `The CA file ${file} does not exist or is not a file.`, {
      remedy: "Give the path of a PEM file with the certificate of the customer's registry CA.",
    });
  }
  return file;
}

function checkFields(input: CustomerInput): Fields {
  const auth = input.auth;
  if (auth === 'none' && (input.username !== undefined || input.password !== undefined)) {
    throw new ConsignError(
      'BAD_INPUT',
      'A customer without authentication takes no username or password.',
      {
        remedy: 'Choose basic or token authentication to use an account, or leave both out.',
      },
    );
  }
  if (auth !== 'none' && input.username === undefined) {
    throw new ConsignError('BAD_INPUT', `${auth} authentication needs a username.`, {
      remedy: "Give the customer's registry account name (and its password).",
    });
  }
  const notes = input.notes?.trim();
  return {
    name: normalizeCustomerName(input.name),
    registry: normalizeHost(input.registry),
    namespace: normalizeNamespace(input.namespace),
    auth,
    username: input.username === undefined ? null : checkUsername(input.username),
    caFile: input.caFile?.trim() ? checkCaFile(input.caFile.trim()) : null,
    insecureHttp: input.insecureHttp ?? false,
    contacts: (input.contacts ?? []).map((contact) => contact.trim()).filter(Boolean),
    notes: notes ? notes : null,
  };
}

/** The workspace's customer accounts. */
export class CustomerStore {
  readonly #db: Database;
  readonly #audit: AuditLog;
  readonly #keychain: Keychain;
  readonly #now: () => Date;

  constructor(
    db: Database,
    audit: AuditLog,
    keychain: Keychain,
    now: () => Date = () => new Date(),
  ) {
    this.#db = db;
    this.#audit = audit;
    this.#keychain = keychain;
    this.#now = now;
  }

  list(): Customer[] {
    const rows = this.#db
      .prepare('SELECT * FROM customers ORDER BY name COLLATE NOCASE, id')
      .all() as unknown as Row[];
    const entitlements = new Map<string, string[]>();
    const pairs = this.#db
      .prepare('SELECT customer_id, product FROM customer_entitlements ORDER BY product')
      .all() as unknown as { customer_id: string; product: string }[];
    for (const { customer_id: id, product } of pairs) {
      entitlements.set(id, [...(entitlements.get(id) ?? []), product]);
    }
    return rows.map((row) => toCustomer(row, entitlements.get(row.id) ?? []));
  }

  /** A customer by name (any case); NOT_FOUND if there is none. */
  get(name: string): Customer {
    const row = this.#db
      .prepare('SELECT * FROM customers WHERE name = ? COLLATE NOCASE')
      .get(name.trim()) as Row | undefined;
    if (!row) throw notFound(name);
    return toCustomer(row, this.#entitlements(row.id));
  }

  /** A customer by id; NOT_FOUND if there is none. */
  getById(id: string): Customer {
    const row = this.#db.prepare('SELECT * FROM customers WHERE id = ?').get(id) as Row | undefined;
    if (!row) {
      throw new ConsignError('NOT_FOUND', `There is no customer with id ${id.slice(0, 100)}.`, {
        remedy: 'It may have been removed; reload the list of customers.',
      });
    }
    return toCustomer(row, this.#entitlements(row.id));
  }

  /**
   * Adds a customer (no `id`) or edits one. Every field is taken as given, except that an omitted
   * `password` keeps the stored one and omitted `entitlements` keep the current ones.
   */
  async save(input: CustomerSave): Promise<Customer> {
    return input.id === undefined ? this.#add(input) : this.#edit(input.id, input);
  }

  /** Removes a customer, its entitlements and its stored password; false if there was none. */
  async remove(name: string): Promise<boolean> {
    let customer: Customer;
    try {
      customer = this.get(name);
    } catch (error) {
      if (error instanceof ConsignError && error.code === 'NOT_FOUND') return false;
      throw error;
    }
    // The secret goes first: if the keychain refuses, nothing is removed and the user can retry.
    await this.#keychain.delete(customerAccount(customer.id));
    try {
      // The removal and its audit event are one write.
      transaction(this.#db, () => {
        this.#db.prepare('DELETE FROM customers WHERE id = ?').run(customer.id);
        this.#audit.append({
          action: 'customer.removed',
          subject: customer.name,
          details: { customer: customer.name, id: customer.id },
        });
      });
    } catch (error) {
      // The password is gone; say so rather than claim one that cannot be used.
      this.#db.prepare('UPDATE customers SET has_password = 0 WHERE id = ?').run(customer.id);
      throw error;
    }
    return true;
  }

  /** Replaces what the customer is entitled to. */
  setEntitlements(name: string, products: readonly string[]): Customer {
    const customer = this.get(name);
    return this.#changeEntitlements(customer, normalizeProducts(products));
  }

  /** Adds products to what the customer is entitled to (those already there stay). */
  entitle(name: string, products: readonly string[]): Customer {
    const customer = this.get(name);
    const wanted = normalizeProducts([...customer.entitlements, ...products]);
    return this.#changeEntitlements(customer, wanted);
  }

  /** Takes products away from what the customer is entitled to. */
  unentitle(name: string, products: readonly string[]): Customer {
    const customer = this.get(name);
    const gone = new Set(normalizeProducts(products));
    const unknown = [...gone].filter((product) => !customer.entitlements.includes(product));
    if (unknown.length > 0) {
      throw new ConsignError(
        'BAD_INPUT',
        `${customer.name} is not entitled to ${unknown.map((p) => `"${p.slice(0, 200)}"`).join(', ')}.`,
        { remedy: `Its entitlements: ${customer.entitlements.join(', ') || 'none'}.` },
      );
    }
    return this.#changeEntitlements(
      customer,
      customer.entitlements.filter((product) => !gone.has(product)),
    );
  }

  /** Whether the customer may receive a product (a release name). */
  isEntitled(customer: Customer | string, product: string): boolean {
    const { id } = typeof customer === 'string' ? this.get(customer) : customer;
    return (
      this.#db
        .prepare('SELECT 1 FROM customer_entitlements WHERE customer_id = ? AND product = ?')
        .get(id, product.trim()) !== undefined
    );
  }

  /** The customer's account, read from the keychain when the registry first asks for it. */
  async credentials(customer: Customer): Promise<Credentials | undefined> {
    if (customer.auth === 'none' || !customer.username) return undefined;
    const password = await this.#keychain.get(customerAccount(customer.id));
    if (password === null) {
      throw new ConsignError(
        'NOT_FOUND',
        `The keychain holds no password for customer ${customer.name}.`,
        {
          remedy: `Enter it again: edit the customer in the app, or \`consign customers edit "${customer.name}" --password-stdin\`.`,
        },
      );
    }
    return { username: customer.username, password };
  }

  /**
   * A registry client for the customer's own account and settings (never the per-host registry
   * login: two customers may share a registry with different accounts). The caller closes it.
   */
  clientFor(customer: Customer, options: CustomerClientOptions = {}): RegistryClient {
    return new RegistryClient({
      host: customer.registry,
      ...(customer.insecureHttp ? { insecureHttp: true } : {}),
      ...(customer.caFile ? { caFile: customer.caFile } : {}),
      credentials: () => this.credentials(customer),
      ...options,
    });
  }

  /** Where the customer receives an image of `sourceRepository` (see rules.repositoryFor). */
  repositoryFor(customer: Customer, sourceRepository: string): string {
    return repositoryFor(customer, sourceRepository);
  }

  /**
   * Test connection: reachable, authenticated, allowed to push. Throws only for an unknown
   * customer; whatever the registry answers becomes the result, in plain words. Audited.
   */
  async test(name: string, options: CustomerClientOptions = {}): Promise<CustomerTest> {
    const customer = this.get(name);
    const client = this.clientFor(customer, {
      // A person is waiting: one quick retry, not the transfer's patient schedule.
      retry: { attempts: 2, baseDelayMs: 200, maxDelayMs: 1_000, totalMs: 15_000 },
      timeoutMs: 15_000,
      ...options,
    });
    let result: CustomerTest;
    try {
      result = await probeConnection(client, customer);
    } finally {
      client.close();
    }
    this.#audit.append({
      action: 'customer.tested',
      subject: customer.name,
      details: {
        customer: customer.name,
        id: customer.id,
        reachable: result.reachable,
        authenticated: result.authenticated,
        canPush: result.canPush,
      },
    });
    return result;
  }

  // ---- internals ------------------------------------------------------------------------------

  #entitlements(id: string): string[] {
    const rows = this.#db
      .prepare('SELECT product FROM customer_entitlements WHERE customer_id = ? ORDER BY product')
      .all(id) as unknown as { product: string }[];
    return rows.map((row) => row.product);
  }

  #checkNameFree(name: string, exceptId?: string): void {
    const other = this.#db
      .prepare('SELECT id, name FROM customers WHERE name = ? COLLATE NOCASE')
      .get(name) as { id: string; name: string } | undefined;
    if (other && other.id !== exceptId) {
      throw new ConsignError('BAD_INPUT', `A customer named "${other.name}" already exists.`, {
        remedy: 'Choose another name, or edit the existing customer.',
      });
    }
  }

  #insert(row: Row, entitlements: readonly string[]): void {
    this.#db
      .prepare(
        `INSERT INTO customers (id, name, registry, namespace, auth, username, has_password,
           ca_file, insecure_http, contacts, notes, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        row.id,
        row.name,
        row.registry,
        row.namespace,
        row.auth,
        row.username,
        row.has_password,
        row.ca_file,
        row.insecure_http,
        row.contacts,
        row.notes,
        row.created_at,
        row.updated_at,
      );
    this.#writeEntitlements(row.id, entitlements);
  }

  #writeEntitlements(id: string, products: readonly string[]): void {
    this.#db.prepare('DELETE FROM customer_entitlements WHERE customer_id = ?').run(id);
    const insert = this.#db.prepare(
      'INSERT INTO customer_entitlements (customer_id, product) VALUES (?, ?)',
    );
    for (const product of products) insert.run(id, product);
  }

  #update(row: Row): void {
    this.#db
      .prepare(
        `UPDATE customers SET name = ?, registry = ?, namespace = ?, auth = ?, username = ?,
           has_password = ?, ca_file = ?, insecure_http = ?, contacts = ?, notes = ?, updated_at = ?
         WHERE id = ?`,
      )
      .run(
        row.name,
        row.registry,
        row.namespace,
        row.auth,
        row.username,
        row.has_password,
        row.ca_file,
        row.insecure_http,
        row.contacts,
        row.notes,
        row.updated_at,
        row.id,
      );
  }

  async #add(input: CustomerInput): Promise<Customer> {
    const fields = checkFields(input);
    const entitlements = normalizeProducts(input.entitlements ?? []);
    if (fields.auth !== 'none' && input.password === undefined) {
      throw new ConsignError('BAD_INPUT', `${fields.auth} authentication needs a password.`, {
        remedy: `Give the password of ${fields.username ?? 'the account'} (on stdin with --password-stdin).`,
      });
    }
    this.#checkNameFree(fields.name);
    const id = randomUUID();
    const now = this.#now().toISOString();
    const row = this.#toRow(id, fields, fields.auth !== 'none', now, now);
    const account = customerAccount(id);
    if (fields.auth !== 'none') await this.#keychain.set(account, input.password!);
    try {
      transaction(this.#db, () => {
        this.#insert(row, entitlements);
        this.#audit.append({
          action: 'customer.added',
          subject: fields.name,
          details: {
            customer: fields.name,
            id,
            registry: fields.registry,
            namespace: fields.namespace,
            auth: fields.auth,
            username: fields.username,
            insecureHttp: fields.insecureHttp,
            caFile: fields.caFile,
            entitlements,
          },
        });
      });
    } catch (error) {
      await this.#keychain.delete(account).catch(() => false);
      throw error;
    }
    return this.getById(id);
  }

  async #edit(id: string, input: CustomerInput): Promise<Customer> {
    const before = this.getById(id);
    const fields = checkFields(input);
    const entitlements =
      input.entitlements === undefined
        ? before.entitlements
        : normalizeProducts(input.entitlements);
    this.#checkNameFree(fields.name, id);
    const account = customerAccount(id);
    const needsPassword = fields.auth !== 'none';
    if (needsPassword && input.password === undefined && !before.hasPassword) {
      throw new ConsignError('BAD_INPUT', `${fields.auth} authentication needs a password.`, {
        remedy: `Give the password of ${fields.username ?? 'the account'} (on stdin with --password-stdin).`,
      });
    }

    // The keychain changes first, remembering what was there so a failure can put it back.
    const oldPassword = await this.#keychain.get(account);
    let passwordChanged = false;
    if (!needsPassword) {
      if (oldPassword !== null) {
        await this.#keychain.delete(account);
        passwordChanged = true;
      }
    } else if (input.password !== undefined && input.password !== oldPassword) {
      await this.#keychain.set(account, input.password);
      passwordChanged = true;
    }
    const restorePassword = async () => {
      if (!passwordChanged) return;
      if (oldPassword === null) await this.#keychain.delete(account).catch(() => false);
      else await this.#keychain.set(account, oldPassword).catch(() => undefined);
    };

    const row = this.#toRow(id, fields, needsPassword, before.createdAt, this.#now().toISOString());
    const after = toCustomer(row, entitlements);
    const changed: string[] = EDITABLE.filter((key) => !sameValue(before[key], after[key]));
    if (passwordChanged) changed.push('password');
    if (changed.length === 0) return before;
    try {
      transaction(this.#db, () => {
        this.#update(row);
        if (changed.includes('entitlements')) this.#writeEntitlements(id, entitlements);
        const details: { [key: string]: JsonValue } = {
          customer: fields.name,
          id,
          changed,
        };
        // The old name keeps the customer's earlier events findable after a rename.
        if (changed.includes('name')) details.previousName = before.name;
        this.#audit.append({ action: 'customer.updated', subject: fields.name, details });
      });
    } catch (error) {
      await restorePassword();
      throw error;
    }
    return this.getById(id);
  }

  #changeEntitlements(customer: Customer, products: string[]): Customer {
    const added = products.filter((product) => !customer.entitlements.includes(product));
    const removed = customer.entitlements.filter((product) => !products.includes(product));
    if (added.length === 0 && removed.length === 0) return customer;
    transaction(this.#db, () => {
      this.#writeEntitlements(customer.id, products);
      this.#db
        .prepare('UPDATE customers SET updated_at = ? WHERE id = ?')
        .run(this.#now().toISOString(), customer.id);
      this.#audit.append({
        action: 'customer.entitlements',
        subject: customer.name,
        details: { customer: customer.name, id: customer.id, added, removed },
      });
    });
    return this.getById(customer.id);
  }

  #toRow(id: string, fields: Fields, hasPassword: boolean, createdAt: string, updatedAt: string) {
    return {
      id,
      name: fields.name,
      registry: fields.registry,
      namespace: fields.namespace,
      auth: fields.auth,
      username: fields.username,
      has_password: hasPassword ? 1 : 0,
      ca_file: fields.caFile,
      insecure_http: fields.insecureHttp ? 1 : 0,
      contacts: JSON.stringify(fields.contacts),
      notes: fields.notes,
      created_at: createdAt,
      updated_at: updatedAt,
    } satisfies Row;
  }
}
