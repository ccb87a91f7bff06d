import { parseArgs } from 'node:util';
import type { Engine } from '../core/engine';
import { ConsignError, exitCodeOf, toErrorInfo } from '../core/errors';
import { APP_VERSION } from '../core/version';
import type { Command, CommandContext } from './command';
import { createOutput, type Output } from './output';

/**
 * Every command by name, in help order. A command's module (and the engine parts and libraries
 * it needs) is loaded only when that command runs, so start-up does not grow with the command set.
 */
const commands = new Map<string, () => Promise<Command>>([
  ['login', async () => (await import('./commands/login')).loginCommand],
  ['images', async () => (await import('./commands/images')).imagesCommand],
  ['inspect', async () => (await import('./commands/inspect')).inspectCommand],
  ['copy', async () => (await import('./commands/copy')).copyCommand],
  ['keys', async () => (await import('./commands/keys')).keysCommand],
  ['customers', async () => (await import('./commands/customers')).customersCommand],
  ['sign', async () => (await import('./commands/sign')).signCommand],
  ['verify', async () => (await import('./commands/verify')).verifyCommand],
  ['attest', async () => (await import('./commands/attest')).attestCommand],
  [
    'verify-attestation',
    async () => (await import('./commands/verify-attestation')).verifyAttestationCommand,
  ],
  ['vulndb', async () => (await import('./commands/vulndb')).vulndbCommand],
  ['audit', async () => (await import('./commands/audit')).auditCommand],
  ['trace', async () => (await import('./commands/trace')).traceCommand],
  ['scan', async () => (await import('./commands/scan')).scanCommand],
  ['deliver', async () => (await import('./commands/deliver')).deliverCommand],
  ['deliveries', async () => (await import('./commands/deliveries')).deliveriesCommand],
  ['bundle', async () => (await import('./commands/bundle')).bundleCommand],
  ['doctor', async () => (await import('./commands/doctor')).doctorCommand],
]);

const globalOptions = {
  home: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
} as const;

const globalHelp = [
  "--home DIR    workspace folder (default: CONSIGN_HOME, else the desktop app's data folder)",
  '--json        print exactly one JSON document on stdout',
  '-h, --help    show help',
  '-V, --version show the version',
];

async function mainHelp(): Promise<string> {
  const all = await Promise.all([...commands.values()].map((load) => load()));
  const width = Math.max(...all.map((c) => c.name.length));
  return [
    `Consign ${APP_VERSION}: scan, sign and deliver container images, with an audit trail.`,
    '',
    'Usage: consign [--home DIR] [--json] <command> [options]',
    '',
    'Commands:',
    ...all.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Options:',
    ...globalHelp.map((line) => `  ${line}`),
    '',
    'Environment: CONSIGN_HOME, CONSIGN_KEYCHAIN_SERVICE, DOCKER_HOST, CONSIGN_DEBUG=1 (details on errors).',
    'Exit codes: 0 done, 1 a check said no, 2 bad usage or input, 3 the environment failed.',
    "Run `consign <command> --help` for a command's options.",
  ].join('\n');
}

function commandHelp(command: Command): string {
  return [
    `${command.summary}.`,
    '',
    `Usage: consign ${command.usage}`,
    '',
    ...(command.help.length ? ['Options:', ...command.help.map((l) => `  ${l}`), ''] : []),
    'Global options:',
    ...globalHelp.map((line) => `  ${line}`),
  ].join('\n');
}

function usageError(message: string, command?: Command): ConsignError {
  return new ConsignError('BAD_REQUEST', message, {
    remedy: command ? `See \`consign ${command.name} --help\`.` : 'See `consign --help`.',
  });
}

function report(out: Output, error: unknown): number {
  const info = toErrorInfo(error);
  if (out.json) {
    process.stdout.write(`${JSON.stringify({ error: info }, null, 2)}\n`);
  } else {
    process.stderr.write(`consign: ${info.message}\n`);
    if (info.remedy) process.stderr.write(`  ${info.remedy}\n`);
  }
  if (process.env.CONSIGN_DEBUG === '1' && error instanceof Error) {
    process.stderr.write(`${error.stack ?? error.message}\n`);
    if (error.cause instanceof Error) process.stderr.write(`caused by: ${error.cause.stack}\n`);
  }
  return exitCodeOf(error instanceof ConsignError ? error.kind : 'internal');
}

/** Runs one `consign` invocation and returns its exit code. */
export async function run(argv: string[]): Promise<number> {
  const jsonRequested = argv.includes('--json');
  let out = createOutput(jsonRequested);
  let engine: Engine | undefined;
  try {
    const commandIndex = argv.findIndex((arg) => commands.has(arg));
    const command = commandIndex === -1 ? undefined : await commands.get(argv[commandIndex]!)!();
    const globalArgs = command ? argv.slice(0, commandIndex) : argv;
    const commandArgs = command ? argv.slice(commandIndex + 1) : [];

    let globals;
    try {
      globals = parseArgs({ args: globalArgs, options: globalOptions, allowPositionals: true });
    } catch (error) {
      throw usageError((error as Error).message);
    }
    if (globals.values.version) {
      out.result({ version: APP_VERSION }, () => `consign ${APP_VERSION}`);
      return 0;
    }
    if (!command) {
      const unknown = globals.positionals[0];
      if (unknown) throw usageError(`"${unknown}" is not a consign command.`);
      if (globals.values.help) {
        process.stdout.write(`${await mainHelp()}\n`);
        return 0;
      }
      process.stderr.write(`${await mainHelp()}\n`);
      return 2;
    }

    let parsed;
    try {
      parsed = parseArgs({
        args: commandArgs,
        options: { ...globalOptions, ...command.options },
        allowPositionals: true,
        strict: true,
      });
    } catch (error) {
      throw usageError((error as Error).message, command);
    }
    if (globals.values.help || parsed.values.help) {
      process.stdout.write(`${commandHelp(command)}\n`);
      return 0;
    }
    const { min, max } = command.positionals ?? { min: 0, max: 0 };
    if (parsed.positionals.length < min || parsed.positionals.length > max) {
      throw usageError(`Usage: consign ${command.usage}`, command);
    }
    out = createOutput(Boolean(globals.values.json || parsed.values.json));
    const home = (parsed.values.home as string | undefined) ?? globals.values.home;
    const { createEngine } = await import('../core/engine');
    const context: CommandContext = {
      out,
      engine() {
        engine ??= createEngine({ host: 'cli', ...(home ? { home } : {}) });
        return engine;
      },
    };
    return await command.run(context, parsed);
  } catch (error) {
    return report(out, error);
  } finally {
    engine?.close();
  }
}
