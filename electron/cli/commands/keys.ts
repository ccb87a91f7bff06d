import type { KeyInfo } from '../../../shared/contract';
import { ConsignError } from '../../core';
import { writeNewFile } from '../../core/files';
import type { Command, ParsedArgs } from '../command';
import { table } from '../output';
import { readSecretFromStdin } from '../stdin';

interface Subcommand {
  usage: string;
  summary: string;
  /** Options this subcommand takes (the others are refused). */
  options: string[];
  /** How many positionals follow the subcommand's name. */
  positionals: number;
}

const subcommands: Record<string, Subcommand> = {
  generate: {
    usage: 'keys generate --name N',
    summary: 'new ECDSA P-256 key in the keychain',
    options: ['name'],
    positionals: 0,
  },
  list: { usage: 'keys list', summary: 'keys with their state', options: [], positionals: 0 },
  'export-public': {
    usage: 'keys export-public ID [--out F]',
    summary: 'PEM public key (on stdout without --out)',
    options: ['out'],
    positionals: 1,
  },
  import: {
    usage: 'keys import --name N --file F [--passphrase-stdin]',
    summary: 'import a cosign-encrypted or PKCS#8 PEM key file',
    options: ['name', 'file', 'passphrase-stdin'],
    positionals: 0,
  },
  export: {
    usage: 'keys export ID --out F --passphrase-stdin',
    summary: 'write a cosign-compatible encrypted key file (mode 0600)',
    options: ['out', 'passphrase-stdin'],
    positionals: 1,
  },
  revoke: {
    usage: 'keys revoke ID --reason TEXT',
    summary: 'revoke for good: a revoked key never signs again',
    options: ['reason'],
    positionals: 1,
  },
};

const helpWidth = Math.max(
  ...Object.values(subcommands).map((sub) => sub.usage.length - 'keys '.length),
);

const keyOptions = ['name', 'file', 'out', 'passphrase-stdin', 'reason'];

function usage(message: string, sub?: Subcommand): ConsignError {
  return new ConsignError('BAD_REQUEST', message, {
    remedy: sub ? `Usage: consign ${sub.usage}` : 'See `consign keys --help`.',
  });
}

function required(values: ParsedArgs['values'], option: string, sub: Subcommand): string {
  const value = values[option];
  if (typeof value !== 'string' || value.trim() === '') {
    throw usage(`--${option} is required.`, sub);
  }
  return value;
}

async function passphrase(values: ParsedArgs['values'], sub: Subcommand): Promise<string> {
  if (!values['passphrase-stdin']) {
    throw new ConsignError('BAD_REQUEST', 'Give the passphrase on stdin with --passphrase-stdin.', {
      remedy: `Secrets are never taken from arguments: consign ${sub.usage}`,
    });
  }
  const secret = await readSecretFromStdin('Passphrase');
  if (secret === '') throw usage('The passphrase read from stdin is empty.', sub);
  return secret;
}

function describe(key: KeyInfo): string {
  return [
    `${key.state === 'revoked' ? 'Revoked' : 'Key'} ${key.id} "${key.name}" (${key.algorithm})`,
    `fingerprint ${key.fingerprint}`,
    key.publicKey.trimEnd(),
  ].join('\n');
}

export const keysCommand: Command = {
  name: 'keys',
  summary: 'Manage signing keys (private keys stay in the keychain)',
  usage: 'keys <generate|list|export-public|import|export|revoke> [options]',
  help: [
    ...Object.values(subcommands).map(
      (sub) => `${sub.usage.replace(/^keys /, '').padEnd(helpWidth)}  ${sub.summary}`,
    ),
    'Passphrases come only from stdin. Files are never overwritten.',
  ],
  options: {
    name: { type: 'string' },
    file: { type: 'string' },
    out: { type: 'string' },
    'passphrase-stdin': { type: 'boolean' },
    reason: { type: 'string' },
  },
  positionals: { min: 1, max: 2 },
  async run({ engine, out }, { values, positionals }) {
    const [name, ...rest] = positionals;
    const sub = subcommands[name!];
    if (!sub) throw usage(`"${name}" is not a keys subcommand.`);
    if (rest.length !== sub.positionals) {
      throw usage(sub.positionals ? 'Give the key id.' : 'Unexpected argument.', sub);
    }
    const stray = keyOptions.find(
      (option) => values[option] !== undefined && !sub.options.includes(option),
    );
    if (stray) throw usage(`--${stray} does not apply to keys ${name}.`, sub);
    const id = rest[0]!;

    switch (name) {
      case 'generate': {
        const key = await engine()
          .requireStore()
          .keys.generate(required(values, 'name', sub));
        out.result(key, () => describe(key));
        return 0;
      }
      case 'list': {
        const keys = engine().requireStore().keys.list();
        out.result(keys, () =>
          table(
            ['ID', 'NAME', 'ALGORITHM', 'STATE', 'CREATED', 'FINGERPRINT'],
            keys.map((key) => [
              key.id,
              key.name,
              key.algorithm,
              key.state,
              key.createdAt.slice(0, 10),
              key.fingerprint,
            ]),
          ),
        );
        return 0;
      }
      case 'export-public': {
        const keys = engine().requireStore().keys;
        if (typeof values.out === 'string') {
          const { path: file } = await writeNewFile(values.out, () => keys.exportPublic(id));
          out.result({ out: file }, () => `Wrote the public key to ${file}.`);
          return 0;
        }
        const pem = keys.exportPublic(id);
        if (out.json) {
          out.result({ pem }, () => pem);
        } else {
          process.stdout.write(pem);
        }
        return 0;
      }
      case 'import': {
        const keyName = required(values, 'name', sub);
        const file = required(values, 'file', sub);
        const secret = values['passphrase-stdin'] ? await passphrase(values, sub) : undefined;
        const key = await engine().requireStore().keys.import(keyName, file, secret);
        out.result(key, () => describe(key));
        return 0;
      }
      case 'export': {
        const file = required(values, 'out', sub);
        const secret = await passphrase(values, sub);
        const result = await engine().requireStore().keys.export(id, file, secret);
        out.result(result, () => `Wrote the encrypted private key to ${result.out} (mode 0600).`);
        return 0;
      }
      case 'revoke': {
        const reason = required(values, 'reason', sub);
        const key = await engine().requireStore().keys.revoke(id, reason);
        out.result({ id: key.id, state: key.state }, () => `Revoked ${key.id} "${key.name}".`);
        return 0;
      }
    }
    return 2;
  },
};
