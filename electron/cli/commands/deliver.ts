import { resolve } from 'node:path';
import { DeliveryRequest, type Delivery } from '../../../shared/contract';
import { resumeDelivery, startDelivery, type DeliveryRunOptions } from '../../core/delivery';
import { ConsignError } from '../../core/errors';
import { optionList, optionText, type Command, type ParsedArgs } from '../command';
import { reportInterrupted, runEngineTask } from '../engine-task';
import { table } from '../output';

const USAGE =
  'deliver --release NAME@VERSION --image REF [--image REF...] --customer NAME [--customer NAME...] --key ID [--policy FILE] | deliver --resume ID [--customer NAME...]';

/**
 * A delivery as `deliver --json` prints it (the CLI contract's shape, plus the gate, errors, each
 * image's step and its delivery record). `bundle import` prints the same.
 */
export function deliveryJson(delivery: Delivery) {
  return {
    delivery: {
      id: delivery.id,
      release: delivery.release,
      status: delivery.status,
      origin: delivery.origin,
      ...(delivery.gate ? { gate: delivery.gate } : {}),
      ...(delivery.policy ? { policy: delivery.policy } : {}),
      keyFingerprint: delivery.keyFingerprint,
      ...(delivery.error ? { error: delivery.error } : {}),
      createdAt: delivery.createdAt,
      ...(delivery.finishedAt ? { finishedAt: delivery.finishedAt } : {}),
    },
    // Each release image with the gate's verdict on it and why.
    images: delivery.images.map((image) => ({
      source: image.source,
      ...(image.digest ? { digest: image.digest } : {}),
      ...(image.verdict ? { verdict: image.verdict } : {}),
      reasons: image.reasons,
      warnings: image.warnings,
    })),
    customers: delivery.customers.map((customer) => ({
      name: customer.name,
      status: customer.status,
      ...(customer.error ? { error: customer.error } : {}),
      images: customer.images.map((target) => ({
        source: target.source,
        ref: target.ref,
        digest: target.digest ?? null,
        signed: target.signed,
        verified: target.verified,
        status: target.status,
        ...(target.error ? { error: target.error } : {}),
        ...(target.record ? { record: target.record } : {}),
      })),
    })),
  };
}

const sameName = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

/** The customers an invocation is answerable for: the ones it named, else all of them. */
function chosenCustomers(delivery: Delivery, names: string[]): Delivery['customers'] {
  if (!names.length) return delivery.customers;
  return delivery.customers.filter((c) => names.some((name) => sameName(name, c.name)));
}

/**
 * 0 only when every chosen customer has every image, signed and verified; 1 when anything said no
 * (the gate, an entitlement, a tag that would move, a verification) or did not finish.
 */
export function deliveryExitCode(delivery: Delivery, customers: string[] = []): number {
  if (delivery.status === 'blocked' || delivery.gate === 'block') return 1;
  const chosen = chosenCustomers(delivery, customers);
  return chosen.length > 0 && chosen.every((c) => c.status === 'delivered') ? 0 : 1;
}

const short = (digest: string | undefined) =>
  digest ? digest.replace(/^sha256:([0-9a-f]{12})[0-9a-f]*$/, 'sha256:$1') : '-';
const yesNo = (value: boolean) => (value ? 'yes' : 'no');

/** The human view of a delivery: a header, one row per customer and image, then what went wrong. */
export function deliveryText(delivery: Delivery): string {
  const blocked = delivery.images.filter((image) => image.reasons.length);
  // A customer's error already lists its images' errors (one a line); otherwise show theirs.
  const errors = delivery.customers.flatMap((customer) =>
    customer.error
      ? customer.error.split('\n').map((line) => `${customer.name}: ${line}`)
      : customer.images.flatMap((t) => (t.error ? [`${customer.name}: ${t.ref}: ${t.error}`] : [])),
  );
  const complete = delivery.status === 'delivered' || delivery.status === 'blocked';
  return [
    `delivery: ${delivery.id}`,
    `release:  ${delivery.release}`,
    `status:   ${delivery.status}`,
    `gate:     ${delivery.gate ?? 'not judged yet'}${delivery.policy ? ` (policy ${delivery.policy})` : ''}`,
    `key:      ${delivery.keyFingerprint}`,
    ...(delivery.error ? [`error:    ${delivery.error}`] : []),
    '',
    table(
      ['CUSTOMER', 'STATUS', 'IMAGE', 'DIGEST', 'SIGNED', 'VERIFIED', 'STEP'],
      delivery.customers.flatMap((customer) =>
        customer.images.length
          ? customer.images.map((t, i) => [
              i === 0 ? customer.name : '',
              i === 0 ? customer.status : '',
              t.ref,
              short(t.digest),
              yesNo(t.signed),
              yesNo(t.verified),
              t.status,
            ])
          : [[customer.name, customer.status, '-', '-', '-', '-', '-']],
      ),
    ),
    ...(blocked.length
      ? [
          '',
          table(
            ['IMAGE', 'BLOCKED BY', 'WHERE', 'WHY'],
            blocked.flatMap((image) =>
              image.reasons.map((r) => [image.source, r.id, r.package ?? r.path ?? '', r.why]),
            ),
          ),
        ]
      : []),
    ...(errors.length ? ['', ...errors] : []),
    ...(complete
      ? []
      : [
          '',
          `Not finished. Resume with \`consign deliver --resume ${delivery.id}\` (add --customer NAME to retry only that customer).`,
        ]),
  ].join('\n');
}

function usage(message: string): ConsignError {
  return new ConsignError('BAD_REQUEST', message, { remedy: `Usage: consign ${USAGE}` });
}

const OPTION_OF: Record<string, string> = {
  release: '--release',
  images: '--image',
  customers: '--customer',
  keyId: '--key',
  policy: '--policy',
};

/** The request for a new delivery, checked as the engine's contract checks it, in flag terms. */
function requestFrom(values: ParsedArgs['values']): DeliveryRequest {
  const missing = [
    ['release', optionText(values, 'release')],
    ['image', optionList(values, 'image')[0]],
    ['customer', optionList(values, 'customer')[0]],
    ['key', optionText(values, 'key')],
  ].filter(([, value]) => value === undefined);
  if (missing.length) {
    throw usage(`${missing.map(([name]) => `--${name}`).join(', ')} missing.`);
  }
  const policy = optionText(values, 'policy');
  const parsed = DeliveryRequest.safeParse({
    release: optionText(values, 'release'),
    images: optionList(values, 'image'),
    customers: optionList(values, 'customer'),
    keyId: optionText(values, 'key'),
    ...(policy !== undefined ? { policy: resolve(policy) } : {}),
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const option = OPTION_OF[String(issue.path[0])] ?? 'an option';
    throw usage(`${option}: ${issue.message}.`);
  }
  return parsed.data;
}

export const deliverCommand: Command = {
  name: 'deliver',
  summary: 'Scan, gate, sign and push a release to customers, verify it there and record it',
  usage: USAGE,
  help: [
    '--release NAME@VERSION  the release; NAME is the product customers are entitled to',
    '--image REF             a release image (repeatable): docker://…, docker-daemon:NAME:TAG,',
    '                        oci:DIR[:TAG] or docker-archive:FILE',
    '--customer NAME         a customer to deliver to (repeatable); one not entitled to the',
    '                        product is refused and gets nothing',
    '--key ID                the signing key (`consign keys list`)',
    '--policy FILE           the gate: a scan policy (see `consign scan --help`); when it',
    '                        blocks an image, nothing is pushed to anyone',
    '--resume ID             finish an interrupted or failed delivery: what already arrived is',
    '                        not sent again and nothing is recorded twice; with --customer,',
    '                        retry only those customers',
    'Each image goes to <registry>/<namespace>/<last part of the source repository>:<tag> in the',
    "customer's account, blobs first, then the manifest, signatures and attestations (SBOM,",
    'vulnerabilities, the delivery record), the tag last, and is verified there. A tag that',
    'already names another image is never moved: nothing is pushed for that image.',
    'Exit 0 when every chosen customer has everything, 1 when the gate blocked, a customer was',
    'refused, a tag would move, a verification failed or a customer did not finish (the output',
    'names the delivery to resume), 3 when nothing could start (keychain, registry, workspace).',
    'On a terminal, a progress bar on stderr shows the bytes sent (never with --json).',
    'Ctrl-C stops cleanly (exit 130); `consign deliver --resume ID` finishes the delivery.',
  ],
  options: {
    release: { type: 'string' },
    image: { type: 'string', multiple: true },
    customer: { type: 'string', multiple: true },
    key: { type: 'string' },
    policy: { type: 'string' },
    resume: { type: 'string' },
  },
  positionals: { min: 0, max: 0 },
  async run({ engine, out }, { values }) {
    const resumeId = optionText(values, 'resume');
    const customers = optionList(values, 'customer');
    let run: (options: DeliveryRunOptions) => Promise<Delivery>;
    if (resumeId !== undefined) {
      const extra = ['release', 'image', 'key', 'policy'].find(
        (name) => values[name] !== undefined,
      );
      if (extra) {
        throw usage(`--${extra} does not apply with --resume: the delivery keeps its own.`);
      }
      if (!resumeId.trim()) throw usage('--resume needs the id of a delivery.');
      run = (options) =>
        resumeDelivery(engine(), resumeId.trim(), {
          ...options,
          ...(customers.length ? { customers } : {}),
        });
    } else {
      const request = requestFrom(values);
      run = (options) => startDelivery(engine(), request, options);
    }

    // The last saved state, so a stopped run can still say which delivery to resume.
    let latest: Delivery | undefined;
    const outcome = await runEngineTask(engine(), out, 'deliver', run, (event, payload) => {
      if (event === 'delivery') latest = payload as Delivery;
    });
    if (outcome.interrupted) {
      return reportInterrupted(out, 'delivery', {
        ...(latest ? { json: deliveryJson(latest), text: deliveryText(latest) } : {}),
      });
    }
    const delivery = outcome.value;
    out.result(deliveryJson(delivery), () => deliveryText(delivery));
    return deliveryExitCode(delivery, customers);
  },
};
