import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, generateKeyPairSync } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { removePartialFolder } from '../files';
import { verificationKit, type KitCustomer, type KitFile, type KitKey } from './kit';
import { gatekeeperPresets, regoOf } from './kit/gatekeeper';
import { kitContext, nameKeys, slugOf } from './kit/model';

function newKey(name: string): KitKey {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return {
    id: `id-${name}`,
    name,
    fingerprint: createHash('sha256').update(der).digest('hex'),
    publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

const keys = [newKey('Release 2026'), newKey('Backup key')];
const customer: KitCustomer = {
  name: 'Acme Corp',
  registry: 'registry.acme.example:5000',
  namespace: 'acme/prod',
};
const scope = 'registry.acme.example:5000/acme/prod';

// Parsed documents are checked field by field; untyped access keeps those checks readable.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Parsed = any;

const byPath = (files: KitFile[], path: string): KitFile => {
  const file = files.find((f) => f.path === path);
  if (!file) throw new Error(`no ${path} in ${files.map((f) => f.path).join(', ')}`);
  return file;
};

/** The single YAML document of a file, after checking it parses without errors or warnings. */
function yamlOf(file: KitFile): Parsed {
  const docs = parseAllDocuments(file.contents);
  expect(Array.isArray(docs) && docs.length, file.path).toBe(1);
  const [doc] = docs as Exclude<typeof docs, { empty: true }>;
  expect(doc!.errors, file.path).toEqual([]);
  expect(doc!.warnings, file.path).toEqual([]);
  // Plain documents: no anchors or aliases, which some Kubernetes tooling does not accept.
  expect(file.contents, file.path).not.toMatch(/(^|[\s:-])[&*][A-Za-z]\w*\s*$/m);
  return doc!.toJS() as Parsed;
}

describe('verification kit generator', () => {
  const files = verificationKit(customer, keys);

  it('lists each file once, README first, every path relative and inside the kit', () => {
    const paths = files.map((f) => f.path);
    expect(paths[0]).toBe('README.md');
    expect(new Set(paths).size).toBe(paths.length);
    for (const path of paths) expect(path).toMatch(/^[A-Za-z0-9][A-Za-z0-9_./-]*$/);
    expect(paths.some((p) => p.includes('..'))).toBe(false);
    expect(paths).toEqual(
      expect.arrayContaining([
        'verify.sh',
        'trusted_root.json',
        'keys/release-2026.pub',
        'keys/backup-key.pub',
        'kyverno/verify-images.yaml',
        'policy-controller/cluster-image-policy.yaml',
        'containers/policy.json',
        'containers/registries.d/consign-acme-corp.yaml',
      ]),
    );
  });

  it('parses every YAML and JSON file', () => {
    for (const file of files) {
      if (file.path.endsWith('.yaml')) yamlOf(file);
      if (file.path.endsWith('.json'))
        expect(() => JSON.parse(file.contents), file.path).not.toThrow();
    }
    expect(files.filter((f) => f.path.endsWith('.yaml')).length).toBe(18);
  });

  it('writes each public key as its PEM, byte for byte', () => {
    expect(byPath(files, 'keys/release-2026.pub').contents).toBe(keys[0]!.publicKey);
    expect(byPath(files, 'keys/backup-key.pub').contents).toBe(keys[1]!.publicKey);
  });

  it('gives a Kyverno policy that verifies cosign signatures by any active key, offline', () => {
    const policy = yamlOf(byPath(files, 'kyverno/verify-images.yaml'));
    expect(policy.apiVersion).toBe('kyverno.io/v1');
    expect(policy.kind).toBe('ClusterPolicy');
    expect(policy.metadata.name).toBe('consign-verify-acme-corp');
    expect(policy.spec.validationFailureAction).toBe('Enforce');
    expect(policy.spec.background).toBe(false);
    const [rule] = policy.spec.rules;
    expect(rule.match).toEqual({ any: [{ resources: { kinds: ['Pod'] } }] });
    const [verify] = rule.verifyImages;
    expect(verify).toMatchObject({
      imageReferences: [`${scope}/*`],
      type: 'Cosign',
      required: true,
      mutateDigest: true,
      verifyDigest: true,
    });
    expect(verify.attestors).toHaveLength(1);
    expect(verify.attestors[0].count).toBe(1);
    const entries = verify.attestors[0].entries;
    expect(entries.map((e: Parsed) => `${e.keys.publicKeys}\n`)).toEqual(
      keys.map((k) => k.publicKey),
    );
    for (const entry of entries) {
      expect(entry.keys.rekor.ignoreTlog).toBe(true);
      expect(entry.keys.ctlog.ignoreSCT).toBe(true);
    }
  });

  it('gives a policy-controller ClusterImagePolicy with one key authority per key and no tlog', () => {
    const policy = yamlOf(byPath(files, 'policy-controller/cluster-image-policy.yaml'));
    expect(policy.apiVersion).toBe('policy.sigstore.dev/v1beta1');
    expect(policy.kind).toBe('ClusterImagePolicy');
    expect(policy.spec.images).toEqual([{ glob: `${scope}/**` }]);
    expect(policy.spec.mode).toBe('enforce');
    expect(policy.spec.authorities).toHaveLength(2);
    for (const [i, authority] of policy.spec.authorities.entries()) {
      expect(Object.keys(authority).sort()).toEqual(['key', 'name']);
      expect(`${authority.key.data}\n`).toBe(keys[i]!.publicKey);
      expect(authority.key.hashAlgorithm).toBe('sha256');
    }
  });

  it('gives a containers policy.json in the shape containers-policy.json(5) defines', () => {
    const policy = JSON.parse(byPath(files, 'containers/policy.json').contents);
    expect(Object.keys(policy).sort()).toEqual(['default', 'transports']);
    expect(policy.default).toEqual([{ type: 'insecureAcceptAnything' }]);
    expect(Object.keys(policy.transports)).toEqual(['docker']);
    expect(Object.keys(policy.transports.docker)).toEqual([scope]);
    const [requirement, ...more] = policy.transports.docker[scope];
    expect(more).toEqual([]);
    expect(requirement.type).toBe('sigstoreSigned');
    // Exactly one way of naming the keys.
    const keyFields = ['keyPath', 'keyPaths', 'keyData', 'keyDatas'].filter(
      (f) => f in requirement,
    );
    expect(keyFields).toEqual(['keyDatas']);
    expect(requirement.keyDatas.map((d: string) => Buffer.from(d, 'base64').toString())).toEqual(
      keys.map((k) => k.publicKey),
    );
    expect(requirement.signedIdentity).toEqual({ type: 'matchRepository' });

    const single = JSON.parse(
      byPath(verificationKit(customer, [keys[0]!]), 'containers/policy.json').contents,
    );
    const only = single.transports.docker[scope][0];
    expect(Buffer.from(only.keyData, 'base64').toString()).toBe(keys[0]!.publicKey);
    expect(only.keyDatas).toBeUndefined();

    const registries = yamlOf(byPath(files, 'containers/registries.d/consign-acme-corp.yaml'));
    expect(registries).toEqual({ docker: { [scope]: { 'use-sigstore-attachments': true } } });
  });

  it('gives Kyverno deployment presets in Audit mode that skip the system namespaces', () => {
    const presets = files.filter(
      (f) => f.path.startsWith('kyverno/') && f.path !== 'kyverno/verify-images.yaml',
    );
    expect(presets.map((f) => f.path).sort()).toEqual([
      'kyverno/disallow-host-namespaces.yaml',
      'kyverno/disallow-host-path.yaml',
      'kyverno/disallow-privileged.yaml',
      'kyverno/require-run-as-non-root.yaml',
      'kyverno/restrict-image-source.yaml',
    ]);
    for (const file of presets) {
      const policy = yamlOf(file);
      expect(policy.apiVersion).toBe('kyverno.io/v1');
      expect(policy.kind).toBe('ClusterPolicy');
      expect(policy.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
      expect(policy.spec.validationFailureAction).toBe('Audit');
      const [rule] = policy.spec.rules;
      expect(rule.exclude.any[0].resources.namespaces).toContain('kube-system');
      expect(rule.validate.message).toBeTruthy();
      expect(Boolean(rule.validate.pattern) !== Boolean(rule.validate.anyPattern)).toBe(true);
    }
    const images = yamlOf(byPath(files, 'kyverno/restrict-image-source.yaml'));
    expect(images.spec.rules[0].validate.pattern.spec.containers).toEqual([
      { image: `${scope}/*@sha256:*` },
    ]);
    const hosts = yamlOf(byPath(files, 'kyverno/disallow-host-namespaces.yaml'));
    expect(hosts.spec.rules[0].validate.pattern.spec).toEqual({
      '=(hostNetwork)': 'false',
      '=(hostPID)': 'false',
      '=(hostIPC)': 'false',
    });
  });

  it('gives Gatekeeper templates whose Rego defines its package, violation rule and helpers', () => {
    const templates = files.filter((f) => f.path.startsWith('gatekeeper/templates/'));
    const constraints = files.filter((f) => f.path.startsWith('gatekeeper/constraints/'));
    expect(templates).toHaveLength(5);
    expect(constraints).toHaveLength(5);
    for (const file of templates) {
      const template = yamlOf(file);
      expect(template.apiVersion).toBe('templates.gatekeeper.sh/v1');
      expect(template.kind).toBe('ConstraintTemplate');
      const kind: string = template.spec.crd.spec.names.kind;
      // Gatekeeper requires the template's name to be its kind in lower case.
      expect(template.metadata.name).toBe(kind.toLowerCase());
      expect(file.path).toBe(`gatekeeper/templates/${kind.toLowerCase()}.yaml`);
      const [target] = template.spec.targets;
      expect(target.target).toBe('admission.k8s.gatekeeper.sh');
      const rego: string = target.rego;
      expect(rego.split('\n')[0]).toBe(`package ${kind.toLowerCase()}`);
      expect(rego).toMatch(/^violation\[\{"msg": msg\}\] \{$/m);
      expect(rego).toMatch(/^ {2}msg := sprintf\(/m);
      // Every helper a rule calls is defined in the same module.
      for (const [, helper] of rego.matchAll(/\b(input_containers|runs_as_non_root|allowed)\b/g)) {
        expect(rego, `${kind} uses ${helper}`).toMatch(
          new RegExp(`^${helper}\\[?\\(?[a-z]*[\\])]? \\{$`, 'm'),
        );
      }
      // Braces and brackets balance (outside strings), so each rule body closes.
      const code = rego.replace(/"(?:[^"\\]|\\.)*"/g, '""').replace(/#.*$/gm, '');
      for (const [open, close] of [
        ['{', '}'],
        ['[', ']'],
        ['(', ')'],
      ] as const) {
        expect(code.split(open).length, `${kind} ${open}`).toBe(code.split(close).length);
      }

      const constraint = yamlOf(byPath(files, `gatekeeper/constraints/${kind.toLowerCase()}.yaml`));
      expect(constraint.apiVersion).toBe('constraints.gatekeeper.sh/v1beta1');
      expect(constraint.kind).toBe(kind);
      expect(constraint.spec.enforcementAction).toBe('dryrun');
      expect(constraint.spec.match.kinds).toEqual([{ apiGroups: [''], kinds: ['Pod'] }]);
      const schema = template.spec.crd.spec.validation?.openAPIV3Schema?.properties ?? {};
      expect(Object.keys(constraint.spec.parameters ?? {})).toEqual(Object.keys(schema));
      for (const [, parameter] of rego.matchAll(/input\.parameters\.([a-zA-Z]+)/g)) {
        expect(schema, `${kind} reads ${parameter}`).toHaveProperty(parameter!);
      }
    }
    const allowed = yamlOf(byPath(files, 'gatekeeper/constraints/consignallowedimages.yaml'));
    expect(allowed.spec.parameters).toEqual({ prefixes: [`${scope}/`] });
  });

  it('names the Rego packages after the kinds, one package per template', () => {
    const presets = gatekeeperPresets(kitContext(customer, keys));
    const packages = presets.map((p) => regoOf(p).split('\n')[0]);
    expect(new Set(packages).size).toBe(presets.length);
  });

  it('keeps the README in step with the files and keys', () => {
    const readme = byPath(files, 'README.md').contents;
    for (const file of files.slice(1)) expect(readme).toContain(`\`${file.path}\``);
    for (const key of keys) expect(readme).toContain(key.fingerprint);
    expect(readme).toContain(
      'cosign verify --key keys/release-2026.pub --insecure-ignore-tlog=true registry.acme.example:5000/acme/prod/IMAGE@sha256:DIGEST',
    );
    expect(readme).not.toContain('--allow-http-registry');
  });

  it('refuses an account a kit cannot describe, and a workspace without keys', () => {
    expect(() => verificationKit(customer, [])).toThrow(/no active signing key/);
    expect(() => verificationKit({ ...customer, registry: 'https://x.example' }, keys)).toThrow(
      /not HOST\[:PORT\]/,
    );
    expect(() => verificationKit({ ...customer, namespace: 'Acme Prod' }, keys)).toThrow(
      /not a repository path/,
    );
  });
});

describe('key and resource names', () => {
  it('falls back to the fingerprint for names that are empty or taken', () => {
    const [a, b, c] = [newKey('Release'), newKey('release!'), newKey('密钥')];
    const named = nameKeys([a!, b!, c!]);
    expect(named.map((k) => k.file)).toEqual([
      'keys/release.pub',
      `keys/${b!.fingerprint.slice(0, 16)}.pub`,
      `keys/${c!.fingerprint.slice(0, 16)}.pub`,
    ]);
  });

  it('makes DNS-safe slugs, with a stable hash for names without Latin letters', () => {
    expect(slugOf('  Acme -- Corp (EU) ')).toBe('acme-corp-eu');
    expect(slugOf('Société Générale')).toBe('societe-generale');
    expect(slugOf('中国移动')).toMatch(/^x[0-9a-f]{12}$/);
    expect(slugOf('中国移动')).toBe(slugOf('中国移动'));
    expect(slugOf('a'.repeat(80))).toHaveLength(40);
  });
});

describe('verify.sh', () => {
  let work: string;
  let fake: string;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'consign-kit-unit-'));
    // A stand-in cosign that logs its arguments and accepts only FAKE_OK_KEY for FAKE_OK_FORMATS.
    fake = join(work, 'cosign');
    writeFileSync(
      fake,
      [
        '#!/bin/sh',
        'echo "$*" >> "$FAKE_LOG"',
        'format=legacy; [ "$1" = verify-attestation ] && format=bundle',
        'case " $FAKE_OK_FORMATS " in *" $format "*) ;; *) echo "no signatures found" >&2; exit 1 ;; esac',
        'case "$*" in *"$FAKE_OK_KEY"*) exit 0 ;; esac',
        'echo "invalid signature" >&2; exit 1',
        '',
      ].join('\n'),
    );
    chmodSync(fake, 0o755);
  });

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  const kitDir = (files: KitFile[], name: string) => {
    const dir = join(work, name);
    execFileSync('mkdir', ['-p', join(dir, 'keys')]);
    for (const file of files) {
      if (
        file.path === 'verify.sh' ||
        file.path.startsWith('keys/') ||
        file.path === 'trusted_root.json'
      ) {
        writeFileSync(join(dir, file.path), file.contents, { mode: file.mode ?? 0o644 });
      }
    }
    return dir;
  };

  const run = (dir: string, args: string[], okKey: string, formats = 'legacy bundle') => {
    const log = join(dir, `log-${Math.random()}`);
    writeFileSync(log, '');
    const result = spawnSync(join(dir, 'verify.sh'), args, {
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH,
        COSIGN: fake,
        FAKE_LOG: log,
        FAKE_OK_KEY: okKey,
        FAKE_OK_FORMATS: formats,
      },
    });
    return { ...result, calls: readFileSync(log, 'utf8').trim().split('\n').filter(Boolean) };
  };

  it('is valid POSIX shell and executable', () => {
    const script = byPath(verificationKit(customer, keys), 'verify.sh');
    expect(script.mode).toBe(0o755);
    expect(script.contents.startsWith('#!/bin/sh\n')).toBe(true);
    const checked = spawnSync('sh', ['-n'], { input: script.contents, encoding: 'utf8' });
    expect(checked.status, checked.stderr).toBe(0);
  });

  it('passes when a key verifies both formats, trying the keys in turn', () => {
    const dir = kitDir(verificationKit(customer, keys), 'both');
    const image = `${scope}/app@sha256:${'a'.repeat(64)}`;
    const result = run(dir, [image], 'backup-key.pub');
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain(`verified  legacy  ${image}  (keys/backup-key.pub)`);
    expect(result.stdout).toContain(`verified  bundle  ${image}  (keys/backup-key.pub)`);
    expect(result.calls).toEqual([
      `verify --key ${dir}/keys/release-2026.pub --insecure-ignore-tlog=true ${image}`,
      `verify --key ${dir}/keys/backup-key.pub --insecure-ignore-tlog=true ${image}`,
      `verify-attestation --new-bundle-format --key ${dir}/keys/release-2026.pub --trusted-root ${dir}/trusted_root.json --insecure-ignore-tlog=true --type https://sigstore.dev/cosign/sign/v1 ${image}`,
      `verify-attestation --new-bundle-format --key ${dir}/keys/backup-key.pub --trusted-root ${dir}/trusted_root.json --insecure-ignore-tlog=true --type https://sigstore.dev/cosign/sign/v1 ${image}`,
    ]);
  });

  it('fails (exit 1) when one format has no valid signature, and says why', () => {
    const dir = kitDir(verificationKit(customer, keys), 'one-format');
    const image = `${scope}/app:1`;
    const result = run(dir, [image], 'release-2026.pub', 'legacy');
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`FAILED    bundle  ${image}`);
    expect(result.stderr).toContain('no signatures found');
    expect(run(dir, ['--format', 'legacy', image], 'release-2026.pub', 'legacy').status).toBe(0);
    expect(run(dir, [image], 'nobody.pub').status).toBe(1);
  });

  it('refuses images outside the namespace and bad usage with exit 2, before calling cosign', () => {
    const dir = kitDir(verificationKit(customer, keys), 'usage');
    for (const args of [
      [],
      ['registry.acme.example:5000/other/app:1'],
      ['--format', 'sideways', `${scope}/app:1`],
      ['--bogus', `${scope}/app:1`],
    ]) {
      const result = run(dir, args, 'release-2026.pub');
      expect(result.status, args.join(' ')).toBe(2);
      expect(result.calls).toEqual([]);
    }
    const missing = spawnSync(join(dir, 'verify.sh'), [`${scope}/app:1`], {
      encoding: 'utf8',
      env: { PATH: '/usr/bin:/bin', COSIGN: join(work, 'no-such-cosign') },
    });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('cosign was not found');
  });

  it('adds the plain-HTTP flags only for loopback or insecure-marked registries', () => {
    const flags = '--allow-http-registry --allow-insecure-registry';
    const script = (c: KitCustomer) => byPath(verificationKit(c, keys), 'verify.sh').contents;
    expect(script(customer)).toContain("registry_flags=''");
    expect(script({ ...customer, insecureHttp: true })).toContain(`registry_flags='${flags}'`);
    const loopback = { ...customer, registry: '127.0.0.1:5000' };
    expect(script(loopback)).toContain(`registry_flags='${flags}'`);
    // A loopback registry with a private CA speaks TLS.
    expect(script({ ...loopback, caFile: '/etc/ca.pem' })).toContain("registry_flags=''");

    const dir = kitDir(verificationKit(loopback, [keys[0]!]), 'loopback');
    const image = `127.0.0.1:5000/acme/prod/app@sha256:${'b'.repeat(64)}`;
    const result = run(dir, [`docker://${image}`], 'release-2026.pub');
    expect(result.status, result.stderr).toBe(0);
    expect(result.calls[0]).toBe(
      `verify --key ${dir}/keys/release-2026.pub --insecure-ignore-tlog=true ${flags} ${image}`,
    );
  });

  it('quotes what comes from the account', () => {
    const odd = { ...customer, name: "O'Brien & Sons; rm -rf /" };
    const files = verificationKit(odd, keys);
    const checked = spawnSync('sh', ['-n'], {
      input: byPath(files, 'verify.sh').contents,
      encoding: 'utf8',
    });
    expect(checked.status).toBe(0);
    expect(files.map((f) => f.path)).toContain(
      'containers/registries.d/consign-o-brien-sons-rm-rf.yaml',
    );
  });
});

describe('a kit that could not be written whole', () => {
  it('loses only what it wrote, and its folder when it made it', async () => {
    const root = mkdtempSync(join(tmpdir(), 'consign-kit-partial-'));
    try {
      mkdirSync(join(root, 'keys'));
      mkdirSync(join(root, 'gatekeeper', 'templates'), { recursive: true });
      writeFileSync(join(root, 'README.md'), 'ours');
      writeFileSync(join(root, 'keys', 'a.pub'), 'ours');
      writeFileSync(join(root, 'keys', 'theirs.pub'), 'someone else put this here meanwhile');
      await removePartialFolder(
        root,
        false,
        ['README.md', 'keys/a.pub'],
        'gatekeeper/templates/x.yaml',
      );
      expect(readdirSync(root)).toEqual(['keys']);
      expect(readdirSync(join(root, 'keys'))).toEqual(['theirs.pub']);

      await removePartialFolder(root, true, []);
      expect(existsSync(root)).toBe(false);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
