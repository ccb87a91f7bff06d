import { ConsignError } from '../../core';
import { loginRegistry } from '../../core/registries';
import type { Command } from '../command';
import { readSecretFromStdin } from '../stdin';

export const loginCommand: Command = {
  name: 'login',
  summary: "Store a registry's credentials (in the keychain) and settings",
  usage: 'login HOST [--username U --password-stdin] [--ca-file F] [--insecure-http]',
  help: [
    '--username U       the registry account',
    '--password-stdin   read the password or token from stdin (never from arguments)',
    "--ca-file F        PEM file of a private CA the registry's certificate chains to",
    '--insecure-http    plain HTTP for a non-loopback host (loopback may always be plain HTTP)',
    'The credentials are checked against the registry before anything is stored.',
  ],
  options: {
    username: { type: 'string' },
    'password-stdin': { type: 'boolean' },
    'ca-file': { type: 'string' },
    'insecure-http': { type: 'boolean' },
  },
  positionals: { min: 1, max: 1 },
  async run({ engine, out }, { values, positionals }) {
    const username = values.username as string | undefined;
    if (values['password-stdin'] && !username) {
      throw new ConsignError('BAD_REQUEST', '--password-stdin needs --username.');
    }
    if (username && !values['password-stdin']) {
      throw new ConsignError('BAD_REQUEST', 'Give the password on stdin with --password-stdin.', {
        remedy:
          'Secrets are never taken from arguments: echo "$TOKEN" | consign login HOST --username U --password-stdin',
      });
    }
    const result = await loginRegistry(engine(), {
      host: positionals[0]!,
      ...(username ? { username, password: await readSecretFromStdin('Password') } : {}),
      ...(values['ca-file'] ? { caFile: values['ca-file'] as string } : {}),
      ...(values['insecure-http'] ? { insecureHttp: true } : {}),
    });
    out.result(
      result,
      () => `${result.authenticated ? 'Logged in to' : 'Saved settings for'} ${result.host}.`,
    );
    return 0;
  },
};
