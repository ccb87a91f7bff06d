import type { Customer, CustomerInput, CustomerTest } from '../../../shared/contract';
import { ConsignError } from '../../core';
import type { Command, CommandContext, OptionSpec, ParsedArgs } from '../command';
import { table } from '../output';
import { readSecretFromStdin } from '../stdin';

type Values = ParsedArgs['values'];

/**
 * One subcommand: its help, the options it takes (the others are refused) and what it does. A new
 * subcommand is one more entry in the table below.
 */
interface Subcommand {
  usage: string;
  summary: string;
  options: OptionSpec;
  /** How many positionals follow the subcommand's name. */
  positionals: { min: number; max: number };
  run(context: CommandContext, values: Values, positionals: string[]): Promise<number>;
}

const AUTH_MODES = ['none', 'basic', 'token'] as const;

/** The account settings `add` and `edit` share. */
const accountOptions: OptionSpec = {
  registry: { type: 'string' },
  namespace: { type: 'string' },
  auth: { type: 'string' },
  username: { type: 'string' },
  'password-stdin': { type: 'boolean' },
  'ca-file': { type: 'string' },
  'insecure-http': { type: 'boolean' },
  contact: { type: 'string', multiple: true },
  notes: { type: 'string' },
  entitle: { type: 'string', multiple: true },
};

function usage(message: string, sub?: Subcommand): ConsignError {
  return new ConsignError('BAD_REQUEST', message, {
    remedy: sub ? `Usage: consign ${sub.usage}` : 'See `consign customers --help`.',
  });
}

function text(values: Values, option: string): string | undefined {
  const value = values[option];
  return typeof value === 'string' ? value : undefined;
}

function list(values: Values, option: string): string[] | undefined {
  const value = values[option];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : undefined;
}

function authMode(values: Values, sub: Subcommand): Customer['auth'] | undefined {
  const auth = text(values, 'auth');
  if (auth === undefined) return undefined;
  if (!(AUTH_MODES as readonly string[]).includes(auth)) {
    throw usage(`--auth must be one of ${AUTH_MODES.join(', ')}, not "${auth.slice(0, 50)}".`, sub);
  }
  return auth as Customer['auth'];
}

async function password(values: Values, sub: Subcommand): Promise<string | undefined> {
  if (!values['password-stdin']) return undefined;
  const secret = await readSecretFromStdin('Password');
  if (secret === '') throw usage('The password read from stdin is empty.', sub);
  return secret;
}

function describe(customer: Customer): string {
  const auth =
    customer.auth === 'none'
      ? 'none'
      : `${customer.auth} as ${customer.username ?? '?'} (${customer.hasPassword ? 'password in the keychain' : 'no password stored'})`;
  const rows: [string, string | undefined][] = [
    ['registry', customer.registry],
    [
      'namespace',
      `${customer.namespace} (images go to ${customer.registry}/${customer.namespace}/<image>:<tag>)`,
    ],
    ['auth', auth],
    ['ca file', customer.caFile],
    ['plain http', customer.insecureHttp ? 'yes' : undefined],
    ['contacts', customer.contacts.join('; ') || undefined],
    ['notes', customer.notes],
    ['entitled to', customer.entitlements.join(', ') || 'nothing yet'],
  ];
  return [
    `Customer "${customer.name}" (${customer.id})`,
    ...rows
      .filter((row): row is [string, string] => row[1] !== undefined)
      .map(([label, value]) => `  ${label.padEnd(11)}  ${value}`),
  ].join('\n');
}

function describeTest(result: CustomerTest): string {
  const line = (ok: boolean, label: string) => `[${ok ? 'ok  ' : 'FAIL'}] ${label}`;
  const lines = [
    line(result.reachable, 'Reachable'),
    line(result.authenticated, 'Authenticated'),
    line(result.canPush, 'Allowed to push'),
  ];
  if (result.error) lines.push(`       ${result.error}`);
  if (result.remedy) lines.push(`       fix: ${result.remedy}`);
  return lines.join('\n');
}

function entitlementsLine(customer: Customer): string {
  return customer.entitlements.length
    ? `${customer.name} is entitled to: ${customer.entitlements.join(', ')}.`
    : `${customer.name} is entitled to nothing.`;
}

const subcommands: Record<string, Subcommand> = {
  add: {
    usage:
      'customers add NAME --registry HOST[:PORT] --namespace NS [--auth none|basic|token] [--username U --password-stdin] [--ca-file F] [--insecure-http] [--contact TEXT]... [--notes TEXT] [--entitle PRODUCT]...',
    summary: 'onboard a customer account',
    options: accountOptions,
    positionals: { min: 1, max: 1 },
    async run({ engine, out }, values, [name]) {
      const sub = subcommands.add!;
      const registry = text(values, 'registry');
      const namespace = text(values, 'namespace');
      if (!registry) throw usage('--registry is required.', sub);
      if (!namespace) throw usage('--namespace is required.', sub);
      const username = text(values, 'username');
      const auth = authMode(values, sub) ?? (username ? 'basic' : 'none');
      if (auth !== 'none' && username && !values['password-stdin']) {
        throw usage('Give the password on stdin with --password-stdin.', sub);
      }
      const secret = await password(values, sub);
      const caFile = text(values, 'ca-file');
      const notes = text(values, 'notes');
      const input: CustomerInput = {
        name: name!,
        registry,
        namespace,
        auth,
        ...(username !== undefined ? { username } : {}),
        ...(secret !== undefined ? { password: secret } : {}),
        ...(caFile ? { caFile } : {}),
        insecureHttp: values['insecure-http'] === true,
        contacts: list(values, 'contact') ?? [],
        ...(notes ? { notes } : {}),
        entitlements: list(values, 'entitle') ?? [],
      };
      const customer = await engine().requireStore().customers.save(input);
      out.result(customer, () => `Added ${describe(customer)}`);
      return 0;
    },
  },
  edit: {
    usage:
      'customers edit NAME [--rename NEW] [--registry HOST[:PORT]] [--namespace NS] [--auth none|basic|token] [--username U] [--password-stdin] [--ca-file F] [--insecure-http|--no-insecure-http] [--contact TEXT]... [--notes TEXT] [--entitle PRODUCT]...',
    summary: 'change an account; flags not given keep their value ("" clears a text)',
    options: {
      ...accountOptions,
      rename: { type: 'string' },
      'no-insecure-http': { type: 'boolean' },
    },
    positionals: { min: 1, max: 1 },
    async run({ engine, out }, values, [name]) {
      const sub = subcommands.edit!;
      if (values['insecure-http'] && values['no-insecure-http']) {
        throw usage('Give either --insecure-http or --no-insecure-http.', sub);
      }
      const customers = engine().requireStore().customers;
      const current = customers.get(name!);
      const username = text(values, 'username');
      // Naming an account on a customer without authentication means basic, as `add` does.
      const auth =
        authMode(values, sub) ?? (current.auth === 'none' && username ? 'basic' : current.auth);
      const secret = await password(values, sub);
      const keptUsername = username ?? current.username;
      const caFile = text(values, 'ca-file') ?? current.caFile;
      const notes = text(values, 'notes') ?? current.notes;
      const contacts = list(values, 'contact');
      const entitlements = list(values, 'entitle');
      const input: CustomerInput & { id: string } = {
        id: current.id,
        name: text(values, 'rename') ?? current.name,
        registry: text(values, 'registry') ?? current.registry,
        namespace: text(values, 'namespace') ?? current.namespace,
        auth,
        // Without authentication there is no account: the stored one is dropped.
        ...(auth !== 'none' && keptUsername ? { username: keptUsername } : {}),
        ...(secret !== undefined ? { password: secret } : {}),
        ...(caFile ? { caFile } : {}),
        insecureHttp: values['insecure-http']
          ? true
          : values['no-insecure-http']
            ? false
            : current.insecureHttp,
        contacts: contacts ? contacts.filter((c) => c.trim() !== '') : current.contacts,
        ...(notes ? { notes } : {}),
        ...(entitlements ? { entitlements: entitlements.filter((e) => e.trim() !== '') } : {}),
      };
      const customer = await customers.save(input);
      out.result(customer, () => `Saved ${describe(customer)}`);
      return 0;
    },
  },
  list: {
    usage: 'customers list',
    summary: 'customer accounts',
    options: {},
    positionals: { min: 0, max: 0 },
    async run({ engine, out }) {
      const customers = engine().requireStore().customers.list();
      out.result(customers, () =>
        customers.length === 0
          ? 'No customers yet: add one with `consign customers add`.'
          : table(
              ['NAME', 'REGISTRY', 'NAMESPACE', 'AUTH', 'USERNAME', 'ENTITLED TO'],
              customers.map((c) => [
                c.name,
                c.registry,
                c.namespace,
                c.auth,
                c.username ?? '',
                c.entitlements.join(', '),
              ]),
            ),
      );
      return 0;
    },
  },
  show: {
    usage: 'customers show NAME',
    summary: "one account's settings (never its password)",
    options: {},
    positionals: { min: 1, max: 1 },
    async run({ engine, out }, _values, [name]) {
      const customer = engine().requireStore().customers.get(name!);
      out.result(customer, () => describe(customer));
      return 0;
    },
  },
  remove: {
    usage: 'customers remove NAME',
    summary: 'remove an account, its entitlements and its stored password',
    options: {},
    positionals: { min: 1, max: 1 },
    async run({ engine, out }, _values, [name]) {
      const customers = engine().requireStore().customers;
      const { name: shown } = customers.get(name!);
      await customers.remove(shown);
      out.result({ name: shown, removed: true }, () => `Removed customer "${shown}".`);
      return 0;
    },
  },
  test: {
    usage: 'customers test NAME',
    summary: 'reach the registry, authenticate, check push permission (nothing is written)',
    options: {},
    positionals: { min: 1, max: 1 },
    async run({ engine, out }, _values, [name]) {
      const result = await engine().requireStore().customers.test(name!);
      out.result(result, () => describeTest(result));
      if (!result.reachable) return 3;
      return result.authenticated && result.canPush ? 0 : 1;
    },
  },
  entitle: {
    usage: 'customers entitle NAME PRODUCT...',
    summary: 'let the customer receive these products (release names)',
    options: {},
    positionals: { min: 2, max: 1000 },
    async run({ engine, out }, _values, [name, ...products]) {
      const customer = engine().requireStore().customers.entitle(name!, products);
      out.result(customer, () => entitlementsLine(customer));
      return 0;
    },
  },
  unentitle: {
    usage: 'customers unentitle NAME PRODUCT...',
    summary: 'stop delivering these products to the customer',
    options: {},
    positionals: { min: 2, max: 1000 },
    async run({ engine, out }, _values, [name, ...products]) {
      const customer = engine().requireStore().customers.unentitle(name!, products);
      out.result(customer, () => entitlementsLine(customer));
      return 0;
    },
  },
  kit: {
    usage: 'customers kit NAME --out DIR',
    summary:
      "write the customer's verification kit (keys, cosign script, cluster and host policies) into a new or empty folder",
    options: { out: { type: 'string' } },
    positionals: { min: 1, max: 1 },
    async run({ engine, out }, values, [name]) {
      const dir = text(values, 'out');
      if (!dir) throw usage('--out is required.', subcommands.kit);
      // Loaded here: only the kit needs the YAML writer and the policy generators.
      const { writeVerificationKit } = await import('../../core/customers/kit');
      const kit = await writeVerificationKit(engine(), name!, dir);
      out.result(kit, () =>
        [
          `Wrote the verification kit for "${name}" to ${kit.dir} (${kit.files.length} files).`,
          'Send the whole folder to the customer: its README.md explains each file.',
        ].join('\n'),
      );
      return 0;
    },
  },
};

const allOptions: OptionSpec = Object.assign(
  {},
  ...Object.values(subcommands).map((sub) => sub.options),
) as OptionSpec;

function helpLines(): string[] {
  return [
    ...Object.values(subcommands).map(
      (sub) => `${sub.usage.replace(/^customers /, '')}\n      ${sub.summary}`,
    ),
    'Options of add and edit:',
    '  --registry HOST[:PORT]   where the customer receives images',
    '  --namespace NS           repository path prefix: images go to HOST/NS/<image>:<tag>',
    '  --auth MODE              none, basic or token (default: basic with --username, else none)',
    '  --username U             the customer registry account',
    '  --password-stdin         read its password or token from stdin (never from arguments)',
    "  --ca-file F              PEM file of a private CA the registry's certificate chains to",
    '  --insecure-http          plain HTTP for a non-loopback registry (edit: --no-insecure-http undoes it)',
    '  --rename NEW             (edit) a new name for the customer',
    '  --contact TEXT           a contact (repeatable)',
    '  --notes TEXT             free text',
    '  --entitle PRODUCT        a product the customer may receive (repeatable)',
    'test exits 0 when every check passes, 1 when one says no, 3 when the registry is unreachable.',
  ];
}

export const customersCommand: Command = {
  name: 'customers',
  summary: 'Manage customer accounts (passwords stay in the keychain)',
  usage: `customers <${Object.keys(subcommands).join('|')}> [options]`,
  help: helpLines(),
  options: allOptions,
  positionals: { min: 1, max: 1001 },
  async run(context, { values, positionals }) {
    const [name, ...rest] = positionals;
    const sub = Object.hasOwn(subcommands, name!) ? subcommands[name!] : undefined;
    if (!sub) throw usage(`"${name}" is not a customers subcommand.`);
    if (rest.length < sub.positionals.min || rest.length > sub.positionals.max) {
      throw usage(
        rest.length < sub.positionals.min ? 'An argument is missing.' : 'Unexpected argument.',
        sub,
      );
    }
    const stray = Object.keys(allOptions).find(
      (option) => values[option] !== undefined && !(option in sub.options),
    );
    if (stray) throw usage(`--${stray} does not apply to customers ${name}.`, sub);
    return sub.run(context, values, rest);
  },
};
