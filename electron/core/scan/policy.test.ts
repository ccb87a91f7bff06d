import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConsignError } from '../errors';
import { sampleScan } from './formats/sample-scan.testdata';
import {
  evaluatePolicy,
  isExpired,
  loadPolicy,
  parsePolicy,
  validatePolicy,
  type Policy,
} from './policy';

const now = new Date('2026-11-28T12:00:00Z');
const policy = (data: unknown) => validatePolicy(data, 'policy.json');

/** The error a call throws, asserting it is a ConsignError of the given code. */
async function failure(run: () => unknown, code = 'BAD_INPUT'): Promise<ConsignError> {
  try {
    await run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConsignError);
    expect((error as ConsignError).code).toBe(code);
    expect((error as ConsignError).remedy).toBeTruthy();
    return error as ConsignError;
  }
  throw new Error('expected a failure');
}

describe('policy files', () => {
  const work = mkdtempSync(join(tmpdir(), 'consign-policy-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('fills in the defaults: secrets and malware block, vulnerabilities only with `block`', () => {
    expect(policy({})).toEqual({
      baseline: { enforce: [] },
      secrets: 'block',
      malware: 'block',
      allow: [],
    });
    expect(policy({ block: { severity: 'high' } }).block).toEqual({
      severity: 'HIGH',
      onlyWithFix: false,
    });
  });

  it('reads JSON and YAML files', async () => {
    const json = join(work, 'gate.json');
    writeFileSync(
      json,
      JSON.stringify({
        block: { severity: 'CRITICAL', onlyWithFix: true },
        baseline: { enforce: ['CONSIGN-BASE-002'] },
        secrets: 'warn',
        allow: [
          {
            id: 'CVE-2099-0001',
            justification: 'Not reachable',
            expires: '2026-12-31',
            package: 'libc6',
          },
        ],
      }),
    );
    const fromJson = await loadPolicy(json);
    expect(fromJson).toEqual({
      block: { severity: 'CRITICAL', onlyWithFix: true },
      baseline: { enforce: ['CONSIGN-BASE-002'] },
      secrets: 'warn',
      malware: 'block',
      allow: [
        {
          id: 'CVE-2099-0001',
          justification: 'Not reachable',
          expires: '2026-12-31',
          package: 'libc6',
        },
      ],
    });
    const yaml = join(work, 'gate.yaml');
    writeFileSync(
      yaml,
      [
        'block:',
        '  severity: critical',
        '  onlyWithFix: true',
        'baseline:',
        '  enforce: [CONSIGN-BASE-002]',
        'secrets: warn',
        'allow:',
        '  - id: CVE-2099-0001',
        '    justification: Not reachable',
        "    expires: '2026-12-31'",
        '    package: libc6',
      ].join('\n'),
    );
    expect(await loadPolicy(yaml)).toEqual(fromJson);
  });

  it('names the field and the problem when a policy is malformed', async () => {
    const cases: [unknown, RegExp][] = [
      [[], /policy\.json is not valid: the policy must be an object/],
      [
        { block: { severity: 'severe' } },
        /block\.severity must be one of critical, high, medium, low/,
      ],
      [{ block: { serverity: 'HIGH' } }, /block has unknown field "serverity"/],
      [{ block: 'HIGH' }, /block must be an object like/],
      [
        { block: { severity: 'HIGH', onlyWithFix: 'yes' } },
        /block\.onlyWithFix must be true or false/,
      ],
      [
        { baseline: { enforce: ['BASE-2'] } },
        /baseline\.enforce\[0\] must be a check id like CONSIGN-BASE-002/,
      ],
      [{ secrets: 'ignore' }, /secrets must be "block" or "warn"/],
      [{ malware: true }, /malware must be "block" or "warn"/],
      [{ alow: [] }, /it has unknown field "alow"/],
      [{ allow: {} }, /allow must be a list of allowances/],
      [
        { allow: [{ id: 'CVE-1', justification: 'x', expires: '31/12/2026' }] },
        /allow\[0\]\.expires must be a date written YYYY-MM-DD/,
      ],
      [
        { allow: [{ id: 'CVE-1', justification: 'x', expires: '2026-02-30' }] },
        /allow\[0\]\.expires is not a calendar date/,
      ],
      [
        { allow: [{ id: 'CVE-1', expires: '2026-12-31' }] },
        /allow\[0\]\.justification must be why the exception is acceptable/,
      ],
      [
        { allow: [{ id: 'CVE-1', justification: '  ', expires: '2026-12-31' }] },
        /allow\[0\]\.justification must be why the exception is acceptable, not empty/,
      ],
      [
        { allow: [{ id: 'CVE-1', justification: 'x', expires: '2026-12-31', until: 'x' }] },
        /allow\[0\] has unknown field "until"/,
      ],
    ];
    for (const [data, message] of cases) {
      const error = await failure(() => policy(data));
      expect(error.message, JSON.stringify(data)).toMatch(message);
    }
    const broken = await failure(() => parsePolicy('{"block": ', 'gate.json'));
    expect(broken.message).toMatch(/^The policy gate\.json is not valid JSON: /);
    const badYaml = await failure(() => parsePolicy('block:\n  severity: [HIGH\n', 'gate.yml'));
    expect(badYaml.message).toMatch(
      /^The policy gate\.yml is not valid YAML \(line \d+, column \d+\)\.$/,
    );
    expect((await failure(() => loadPolicy(join(work, 'missing.json')))).message).toMatch(
      /cannot be read/,
    );
    expect((await failure(() => loadPolicy(work))).message).toMatch(/cannot be read/);
  });
});

describe('evaluatePolicy', () => {
  const base: Policy = { baseline: { enforce: [] }, secrets: 'block', malware: 'block', allow: [] };
  const clean = () => {
    const scan = sampleScan();
    scan.secrets = [];
    scan.malware = [];
    return scan;
  };

  it('passes a clean image and blocks secrets and malware by default', () => {
    expect(evaluatePolicy(clean(), base, now)).toEqual({
      verdict: 'pass',
      reasons: [],
      warnings: [],
      allowed: [],
      expiredAllowances: [],
    });
    const verdict = evaluatePolicy(sampleScan(), base, now);
    expect(verdict.verdict).toBe('block');
    expect(verdict.reasons.map((r) => [r.kind, r.id, r.path])).toEqual([
      ['secret', 'secret/aws-access-key-id', '/app/settings.env'],
      ['secret', 'secret/private-key', '/root/.ssh/id_ed25519'],
      ['malware', 'malware/eicar-test-file', '/tmp/eicar.com'],
    ]);
    expect(verdict.reasons[0]!.why).toBe('AWS access key id in /app/settings.env, line 2');
  });

  it('only warns about secrets and malware when told to', () => {
    const verdict = evaluatePolicy(
      sampleScan(),
      { ...base, secrets: 'warn', malware: 'warn' },
      now,
    );
    expect(verdict.verdict).toBe('pass');
    expect(verdict.warnings.map((w) => w.id)).toEqual([
      'secret/aws-access-key-id',
      'secret/private-key',
      'malware/eicar-test-file',
    ]);
  });

  it('blocks vulnerabilities at or above the severity, with a fix when onlyWithFix', () => {
    const ids = (p: Policy) =>
      evaluatePolicy(clean(), p, now).reasons.map((r) => `${r.id} ${r.package}`);
    expect(ids({ ...base, block: { severity: 'CRITICAL', onlyWithFix: false } })).toEqual([
      'GHSA-xvch-5gv4-984h minimist',
    ]);
    expect(ids({ ...base, block: { severity: 'HIGH', onlyWithFix: false } })).toEqual([
      'CVE-2099-0001 libc6',
      'CVE-2099-0001 libc-bin',
      'GHSA-xvch-5gv4-984h minimist',
    ]);
    // The LOW one has no fix; the UNKNOWN one is never ranked.
    expect(ids({ ...base, block: { severity: 'LOW', onlyWithFix: false } })).toHaveLength(4);
    expect(ids({ ...base, block: { severity: 'LOW', onlyWithFix: true } })).toHaveLength(3);
    const why = evaluatePolicy(
      clean(),
      { ...base, block: { severity: 'HIGH', onlyWithFix: true } },
      now,
    ).reasons[0]!.why;
    expect(why).toBe(
      'HIGH vulnerability in libc6 2.36-9+deb12u4 (fixed in 2.36-9+deb12u9); the policy blocks HIGH and above when a fix exists',
    );
  });

  it('blocks the baseline checks it enforces, and only those', () => {
    const verdict = evaluatePolicy(
      clean(),
      { ...base, baseline: { enforce: ['CONSIGN-BASE-002', 'CONSIGN-BASE-007'] } },
      now,
    );
    expect(verdict.reasons).toEqual([
      {
        kind: 'baseline',
        id: 'CONSIGN-BASE-002',
        why: 'Secrets in the image environment (ENV) (ENV DB_PASSWORD); the policy enforces CONSIGN-BASE-002',
      },
    ]);
  });

  it('lets allowed findings through, by id or alias, package and path, until they expire', () => {
    const strict: Policy = {
      ...base,
      block: { severity: 'HIGH', onlyWithFix: false },
      baseline: { enforce: ['CONSIGN-BASE-002'] },
    };
    const allow = (entries: Policy['allow']) =>
      evaluatePolicy(sampleScan(), { ...strict, allow: entries }, now);
    const all = allow([
      { id: 'DSA-9999-1', justification: 'Not reachable', expires: '2026-11-28' },
      {
        id: 'GHSA-xvch-5gv4-984h',
        justification: 'Dev only',
        expires: '2027-01-01',
        package: 'minimist',
      },
      { id: 'CONSIGN-BASE-002', justification: 'Dummy value', expires: '2027-01-01' },
      { id: 'secret/aws-access-key-id', justification: 'Revoked key', expires: '2027-01-01' },
      {
        id: 'secret/private-key',
        justification: 'Test key',
        expires: '2027-01-01',
        path: '/root/.ssh/id_ed25519',
      },
      { id: 'malware/eicar-test-file', justification: 'AV test', expires: '2027-01-01' },
    ]);
    expect(all.verdict).toBe('pass');
    expect(all.reasons).toEqual([]);
    expect(all.expiredAllowances).toEqual([]);
    expect(all.allowed).toHaveLength(7);
    expect(all.allowed[0]).toEqual({
      kind: 'vulnerability',
      id: 'CVE-2099-0001',
      package: 'libc6',
      justification: 'Not reachable',
      expires: '2026-11-28',
    });

    // Narrowed to another package or path, an allowance does not apply.
    const narrow = allow([
      { id: 'CVE-2099-0001', justification: 'x', expires: '2027-01-01', package: 'libc-bin' },
      { id: 'secret/private-key', justification: 'x', expires: '2027-01-01', path: '/elsewhere' },
    ]);
    expect(narrow.reasons.map((r) => `${r.id} ${r.package ?? r.path}`)).toEqual([
      'CVE-2099-0001 libc6',
      'GHSA-xvch-5gv4-984h minimist',
      'CONSIGN-BASE-002 undefined',
      'secret/aws-access-key-id /app/settings.env',
      'secret/private-key /root/.ssh/id_ed25519',
      'malware/eicar-test-file /tmp/eicar.com',
    ]);

    // The day after it expires, an allowance no longer applies, and says so.
    const lapsed = evaluatePolicy(
      sampleScan(),
      {
        ...base,
        allow: [
          { id: 'secret/private-key', justification: 'x', expires: '2026-11-27' },
          { id: 'secret/aws-access-key-id', justification: 'x', expires: '2026-11-28' },
          { id: 'malware/eicar-test-file', justification: 'x', expires: '2026-11-28' },
        ],
      },
      now,
    );
    expect(lapsed.verdict).toBe('block');
    expect(lapsed.reasons).toEqual([
      {
        kind: 'secret',
        id: 'secret/private-key',
        path: '/root/.ssh/id_ed25519',
        why: 'Private key in /root/.ssh/id_ed25519, line 1; its allowance expired after 2026-11-27',
      },
    ]);
    expect(lapsed.expiredAllowances).toEqual([
      { id: 'secret/private-key', justification: 'x', expires: '2026-11-27' },
    ]);
  });

  it('counts an allowance in force through the whole of its last day (UTC)', () => {
    const a = { id: 'x', justification: 'y', expires: '2026-11-28' };
    expect(isExpired(a, new Date('2026-11-28T23:59:59.999Z'))).toBe(false);
    expect(isExpired(a, new Date('2026-11-29T00:00:00.000Z'))).toBe(true);
  });
});
