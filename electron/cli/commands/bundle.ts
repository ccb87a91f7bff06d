import { resolve } from 'node:path';
import { ReleaseText } from '../../../shared/contract';
import { exportBundle, importBundle } from '../../core/bundle';
import type { Engine } from '../../core/engine';
import { ConsignError } from '../../core/errors';
import { optionList, optionText, type Command, type ParsedArgs } from '../command';
import { reportInterrupted, runEngineTask } from '../engine-task';
import type { Output } from '../output';
import { deliveryExitCode, deliveryJson, deliveryText } from './deliver';

const USAGE =
  'bundle export --release NAME@VERSION --image REF [--image REF...] --key ID [--policy FILE] --out FILE | bundle import FILE --customer NAME [--customer NAME...] [--public-key FILE]';

function usage(message: string): ConsignError {
  return new ConsignError('BAD_REQUEST', message, { remedy: `Usage: consign ${USAGE}` });
}

/** An option's value with blanks trimmed; an empty one counts as missing. */
const text = (values: ParsedArgs['values'], name: string) =>
  optionText(values, name)?.trim() || undefined;

/** Flags that belong to the other action are a mistake worth saying, not ignoring. */
function refuseOthers(values: ParsedArgs['values'], action: string, allowed: string[]) {
  const extra = ['release', 'image', 'key', 'policy', 'out', 'customer', 'public-key'].find(
    (name) => !allowed.includes(name) && values[name] !== undefined,
  );
  if (extra) throw usage(`--${extra} does not apply to \`bundle ${action}\`.`);
}

async function runExport(
  engine: Engine,
  out: Output,
  values: ParsedArgs['values'],
  positionals: string[],
): Promise<number> {
  if (positionals.length > 1)
    throw usage('`bundle export` takes no file argument: use --out FILE.');
  refuseOthers(values, 'export', ['release', 'image', 'key', 'policy', 'out']);
  const release = text(values, 'release');
  const images = optionList(values, 'image');
  const keyId = text(values, 'key');
  const output = text(values, 'out');
  const missing = [
    ['--release', release],
    ['--image', images[0]],
    ['--key', keyId],
    ['--out', output],
  ].filter(([, value]) => value === undefined);
  if (missing.length) throw usage(`${missing.map(([name]) => name).join(', ')} missing.`);
  const checked = ReleaseText.safeParse(release);
  if (!checked.success)
    throw usage(`--release ${checked.error.issues[0]?.message ?? 'is invalid'}.`);
  const policy = text(values, 'policy');
  const outcome = await runEngineTask(engine, out, 'bundle-export', (options) =>
    exportBundle(
      engine,
      {
        release: checked.data,
        images,
        keyId: keyId!,
        path: resolve(output!),
        ...(policy ? { policy: resolve(policy) } : {}),
      },
      options,
    ),
  );
  if (outcome.interrupted) {
    return reportInterrupted(out, 'bundle export', { hint: 'Nothing was written.' });
  }
  const { value } = outcome;
  out.result({ out: value.out, digest: value.digest, images: value.images }, () =>
    [
      `bundle:  ${value.out}`,
      `digest:  ${value.digest}`,
      `images:  ${value.images}`,
      '',
      'Deliver it on any machine with `consign bundle import FILE --customer NAME`.',
    ].join('\n'),
  );
  return 0;
}

async function runImport(
  engine: Engine,
  out: Output,
  values: ParsedArgs['values'],
  positionals: string[],
): Promise<number> {
  refuseOthers(values, 'import', ['customer', 'public-key']);
  const file = positionals[1];
  if (!file) throw usage('`bundle import` needs the bundle file.');
  if (positionals.length > 2) throw usage('`bundle import` takes one bundle file.');
  const customers = optionList(values, 'customer');
  if (customers.length === 0) throw usage('--customer missing.');
  const publicKey = text(values, 'public-key');
  const outcome = await runEngineTask(engine, out, 'bundle-import', (options) =>
    importBundle(
      engine,
      {
        path: resolve(file),
        customers,
        ...(publicKey ? { publicKeyFile: resolve(publicKey) } : {}),
      },
      options,
    ),
  );
  if (outcome.interrupted) {
    return reportInterrupted(out, 'bundle import', {
      hint: 'Resume the delivery with `consign deliver --resume ID` (see `consign deliver --help`).',
    });
  }
  const delivery = outcome.value;
  out.result(deliveryJson(delivery), () => deliveryText(delivery));
  return deliveryExitCode(delivery, customers);
}

export const bundleCommand: Command = {
  name: 'bundle',
  summary: 'Write a signed offline delivery bundle, or deliver one on any machine',
  usage: USAGE,
  help: [
    'export   scan and judge the release, copy its images into an OCI image layout, sign each',
    '         (cosign signature and Sigstore bundle) and attest its SBOM, vulnerability report',
    '         and the release record there, and write it all as one tar to a new file, with a',
    '         description of the release signed by --key. Needs no network beyond reading the',
    '         images; holds no secret (only the public key). A blocked gate writes nothing.',
    '  --release NAME@VERSION  the release; NAME is the product customers are entitled to',
    '  --image REF             a release image (repeatable): docker://…, docker-daemon:NAME:TAG,',
    '                          oci:DIR[:TAG] or docker-archive:FILE',
    '  --key ID                the signing key (`consign keys list`)',
    '  --policy FILE           the gate (a scan policy, see `consign scan --help`)',
    '  --out FILE              the bundle to write; an existing file is never replaced',
    'import FILE  unpack the bundle into the workspace, check its signature and every digest in',
    '         it, then deliver it like `consign deliver` (nothing is signed again: the bundle',
    '         already holds the signatures). Nothing is pushed when any check fails.',
    '  --customer NAME         a customer to deliver to (repeatable)',
    "  --public-key FILE       the signer's PEM public key, when the bundle's key is not one of",
    "                          this workspace's keys (check its fingerprint with the signer)",
    'Exit 0 done; 1 the gate blocked, the signature is not by a trusted key or a delivery step',
    'said no; 2 bad usage or a damaged or altered bundle; 3 the environment failed.',
    'An import that stops can be finished with `consign deliver --resume ID`.',
  ],
  options: {
    release: { type: 'string' },
    image: { type: 'string', multiple: true },
    key: { type: 'string' },
    policy: { type: 'string' },
    out: { type: 'string' },
    customer: { type: 'string', multiple: true },
    'public-key': { type: 'string' },
  },
  positionals: { min: 1, max: 2 },
  async run({ engine, out }, { values, positionals }) {
    const action = positionals[0];
    if (action === 'export') return runExport(engine(), out, values, positionals);
    if (action === 'import') return runImport(engine(), out, values, positionals);
    throw usage(`"${action}" is not a bundle action: use export or import.`);
  },
};
