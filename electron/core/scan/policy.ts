/**
 * The scan policy of the delivery gate: which findings stop an image from being delivered, and
 * the time-limited, justified exceptions to that. A policy is a JSON (or YAML) file:
 *
 *   block:     { severity: HIGH, onlyWithFix: false }   vulnerabilities at or above; without it,
 *                                                        vulnerabilities never block
 *   baseline:  { enforce: [CONSIGN-BASE-002, ...] }     baseline checks that block
 *   secrets:   block | warn                             default block
 *   malware:   block | warn                             default block
 *   allow:     [{ id, justification, expires: YYYY-MM-DD, package?, path? }]
 *
 * An allowance names a vulnerability (its id or any alias, optionally only in one `package`), a
 * baseline check, `secret/<rule>` or `malware/<rule>` (optionally only at one `path`). It holds
 * through its `expires` day (UTC); after that it no longer applies and is reported.
 */
import { readSmallTextFile } from '../files';
import { extname } from 'node:path';
import { z } from 'zod';
import { ConsignError } from '../errors';
import { malwareRuleId, secretRuleId } from './formats/finding-ids';
import type { ScanResult } from './scan';

export const POLICY_SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'] as const;
export type PolicySeverity = (typeof POLICY_SEVERITIES)[number];
export type PolicyAction = 'block' | 'warn';

export interface Allowance {
  id: string;
  justification: string;
  /** The last day (UTC) it applies, `YYYY-MM-DD`. */
  expires: string;
  /** Only this package (vulnerabilities). */
  package?: string;
  /** Only this file in the image (secrets and malware). */
  path?: string;
}

export interface Policy {
  block?: { severity: PolicySeverity; onlyWithFix: boolean };
  baseline: { enforce: string[] };
  secrets: PolicyAction;
  malware: PolicyAction;
  allow: Allowance[];
}

export type FindingKind = 'vulnerability' | 'baseline' | 'secret' | 'malware';

export interface PolicyReason {
  kind: FindingKind;
  id: string;
  package?: string;
  path?: string;
  why: string;
}

export interface AllowedFinding extends Omit<PolicyReason, 'why'> {
  justification: string;
  expires: string;
}

export interface PolicyEvaluation {
  verdict: 'pass' | 'block';
  /** What blocks the image (empty when it passes). */
  reasons: PolicyReason[];
  /** Findings the policy reports without blocking (`warn`). */
  warnings: PolicyReason[];
  /** Findings that would block, let through by an allowance in force. */
  allowed: AllowedFinding[];
  /** Allowances whose day has passed: they let nothing through. */
  expiredAllowances: Allowance[];
}

/** Policies are a few KiB; this bound keeps a wrong file from being read whole. */
const MAX_POLICY_BYTES = 1024 * 1024;
const DAY_MS = 24 * 60 * 60 * 1000;
const FIELDS = 'block, baseline, secrets, malware, allow';
const REMEDY = `Fix the policy file. Its fields: ${FIELDS} (see \`consign scan --help\`).`;

const action = z.enum(['block', 'warn'], { error: 'must be "block" or "warn"' });
const text = (what: string) =>
  z
    .string({ error: `must be ${what}` })
    .trim()
    .min(1, { error: `must be ${what}, not empty` });
const severity = z
  .string({ error: 'must be one of critical, high, medium, low' })
  .transform((value) => value.toUpperCase())
  .pipe(z.enum(POLICY_SEVERITIES, { error: 'must be one of critical, high, medium, low' }));
const day = z
  .string({ error: 'must be a date written YYYY-MM-DD' })
  .regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'must be a date written YYYY-MM-DD' })
  .refine(
    (value) => {
      const date = new Date(`${value}T00:00:00Z`);
      // Dates roll over (02-30 is 03-02): a real date reads back the same.
      return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(value);
    },
    {
      error: 'is not a calendar date',
    },
  );

const PolicySchema = z.strictObject(
  {
    block: z
      .strictObject(
        {
          severity,
          onlyWithFix: z.boolean({ error: 'must be true or false' }).default(false),
        },
        { error: 'must be an object like { "severity": "HIGH" }' },
      )
      .optional(),
    baseline: z
      .strictObject(
        {
          enforce: z.array(
            z
              .string({ error: 'must be a baseline check id' })
              .regex(/^CONSIGN-BASE-\d{3}$/, { error: 'must be a check id like CONSIGN-BASE-002' }),
            { error: 'must be a list of baseline check ids' },
          ),
        },
        { error: 'must be an object like { "enforce": ["CONSIGN-BASE-002"] }' },
      )
      .default({ enforce: [] }),
    secrets: action.default('block'),
    malware: action.default('block'),
    allow: z
      .array(
        z.strictObject(
          {
            id: text('the id of a vulnerability, baseline check, secret/<rule> or malware/<rule>'),
            justification: text('why the exception is acceptable'),
            expires: day,
            package: text('a package name').optional(),
            path: text('a path in the image').optional(),
          },
          { error: 'must be an object with id, justification and expires' },
        ),
        { error: 'must be a list of allowances' },
      )
      .default([]),
  },
  { error: 'must be an object' },
);

function fieldOf(path: PropertyKey[]): string {
  return path.reduce<string>(
    (at, key) =>
      typeof key === 'number' ? `${at}[${key}]` : at ? `${at}.${String(key)}` : String(key),
    '',
  );
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const field = fieldOf(issue.path);
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((k) => `"${k}"`).join(', ');
    return `${field ? `${field} has` : 'it has'} unknown field${issue.keys.length > 1 ? 's' : ''} ${keys}`;
  }
  return `${field || 'the policy'} ${issue.message}`;
}

/** Validates a parsed policy document; `name` says which file in the error. */
export function validatePolicy(data: unknown, name: string): Policy {
  const parsed = PolicySchema.safeParse(data);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 5).map(describeIssue);
    throw new ConsignError('BAD_INPUT', `The policy ${name} is not valid: ${issues.join('; ')}.`, {
      remedy: REMEDY,
    });
  }
  const { block, ...rest } = parsed.data;
  return { ...rest, ...(block ? { block } : {}) } as Policy;
}

/** Parses a policy's text: JSON, or YAML for `.yaml`/`.yml` files. */
export async function parsePolicy(text: string, name: string): Promise<Policy> {
  const yaml = /\.ya?ml$/i.test(extname(name));
  let data: unknown;
  if (yaml) {
    let parse: (source: string) => unknown;
    try {
      ({ parse } = await import('yaml'));
    } catch (cause) {
      throw new ConsignError(
        'BAD_INPUT',
        `The policy ${name} is YAML, which this build cannot read.`,
        {
          remedy: 'Write the policy as JSON (a .json file).',
          cause,
        },
      );
    }
    try {
      data = parse(text);
    } catch (cause) {
      const where = (cause as { linePos?: { line: number; col: number }[] }).linePos?.[0];
      throw new ConsignError(
        'BAD_INPUT',
        `The policy ${name} is not valid YAML${where ? ` (line ${where.line}, column ${where.col})` : ''}.`,
        { remedy: REMEDY, cause },
      );
    }
  } else {
    try {
      data = JSON.parse(text) as unknown;
    } catch (cause) {
      throw new ConsignError(
        'BAD_INPUT',
        `The policy ${name} is not valid JSON: ${(cause as Error).message}.`,
        { remedy: `${REMEDY} Name it .yaml or .yml to write it in YAML.`, cause },
      );
    }
  }
  return validatePolicy(data, name);
}

/** Reads and validates a policy file. */
export async function loadPolicy(file: string): Promise<Policy> {
  const { path, text } = await readSmallTextFile(
    file,
    'The policy file',
    MAX_POLICY_BYTES,
    'Give the policy file, not another document.',
  );
  return parsePolicy(text, path);
}

/** Whether an allowance's last day has passed at `now`. */
export function isExpired(allowance: Allowance, now: Date): boolean {
  return now.getTime() >= Date.parse(`${allowance.expires}T00:00:00Z`) + DAY_MS;
}

interface Candidate {
  reason: PolicyReason;
  /** Whether an allowance covers it. */
  covers(allowance: Allowance): boolean;
}

export function evaluatePolicy(result: ScanResult, policy: Policy, now: Date): PolicyEvaluation {
  const blocking: Candidate[] = [];
  const warnings: PolicyReason[] = [];

  if (policy.block) {
    const { severity: threshold, onlyWithFix } = policy.block;
    const limit = POLICY_SEVERITIES.indexOf(threshold);
    for (const v of result.vulnerabilities) {
      const rank = (POLICY_SEVERITIES as readonly string[]).indexOf(v.severity);
      if (rank === -1 || rank > limit || (onlyWithFix && !v.fixedVersion)) continue;
      blocking.push({
        reason: {
          kind: 'vulnerability',
          id: v.id,
          package: v.package,
          why: `${v.severity} vulnerability in ${v.package} ${v.installedVersion} (${v.fixedVersion ? `fixed in ${v.fixedVersion}` : 'no fix yet'}); the policy blocks ${threshold} and above${onlyWithFix ? ' when a fix exists' : ''}`,
        },
        covers: (a) =>
          (a.id === v.id || v.aliases.includes(a.id)) && (!a.package || a.package === v.package),
      });
    }
  }

  const enforced = new Set(policy.baseline.enforce);
  for (const b of result.baseline) {
    if (!enforced.has(b.id)) continue;
    blocking.push({
      reason: {
        kind: 'baseline',
        id: b.id,
        why: `${b.title}${b.details.length ? ` (${b.details.join(', ')})` : ''}; the policy enforces ${b.id}`,
      },
      covers: (a) => a.id === b.id,
    });
  }

  for (const s of result.secrets) {
    const id = secretRuleId(s.rule);
    const reason: PolicyReason = {
      kind: 'secret',
      id,
      path: s.path,
      why: `${s.title} in ${s.path}, line ${s.line}`,
    };
    if (policy.secrets === 'warn') warnings.push(reason);
    else blocking.push({ reason, covers: (a) => a.id === id && (!a.path || a.path === s.path) });
  }

  for (const m of result.malware) {
    const id = malwareRuleId(m.rule);
    const reason: PolicyReason = {
      kind: 'malware',
      id,
      path: m.path,
      why: `${m.title}: ${m.path}`,
    };
    if (policy.malware === 'warn') warnings.push(reason);
    else blocking.push({ reason, covers: (a) => a.id === id && (!a.path || a.path === m.path) });
  }

  const inForce = policy.allow.filter((a) => !isExpired(a, now));
  const expired = policy.allow.filter((a) => isExpired(a, now));
  const reasons: PolicyReason[] = [];
  const allowed: AllowedFinding[] = [];
  for (const { reason, covers } of blocking) {
    const allowance = inForce.find(covers);
    if (allowance) {
      const { why: _why, ...finding } = reason;
      allowed.push({
        ...finding,
        justification: allowance.justification,
        expires: allowance.expires,
      });
      continue;
    }
    const lapsed = expired.find(covers);
    reasons.push(
      lapsed
        ? { ...reason, why: `${reason.why}; its allowance expired after ${lapsed.expires}` }
        : reason,
    );
  }
  return {
    verdict: reasons.length ? 'block' : 'pass',
    reasons,
    warnings,
    allowed,
    expiredAllowances: expired,
  };
}
