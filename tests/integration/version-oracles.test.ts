// Differential tests of the vulnerability matcher's version ordering against the real
// implementations, installed from Debian: dpkg (its Dpkg::Version module, and the dpkg program
// on a sample), rpm's own comparison (python3-rpm), Maven's ComparableVersion (maven-artifact
// jar), golang.org/x/mod/semver (built here, offline) and Python's `packaging`. For each scheme
// a seeded corpus of tricky versions is generated, every pair (or a large sample) is put to
// both sides, and not a single disagreement is allowed. The orderings of apk (no apk-tools in
// Debian) and npm (the `semver` package is npm's own) are covered by unit tests instead.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { versionOrdering, type VersionScheme } from '../../electron/core/vulndb';
import {
  dpkgCorpus,
  goCorpus,
  mavenCorpus,
  pep440Corpus,
  random,
  rpmCorpus,
} from '../support/version-oracles/corpus';

const ORACLES = resolve(dirname(fileURLToPath(import.meta.url)), '../support/version-oracles');
// Debian's own interpreter: a python3 earlier on PATH (pyenv, a venv) lacks Debian's modules.
const PYTHON = '/usr/bin/python3';
const MAVEN_ARTIFACT_JAR = '/usr/share/java/maven3-artifact.jar';
const GO_SEMVER_SOURCE = '/usr/share/gocode/src/golang.org/x/mod/semver/semver.go';
// Fixed so a failure reproduces; set CONSIGN_VERSION_ORACLE_SEED to explore other corpora.
const SEED = Number(process.env.CONSIGN_VERSION_ORACLE_SEED ?? 20261128);
/** Pairs put to each oracle; all pairs when the corpus has fewer. */
const MAX_PAIRS = 12_000;

const work = mkdtempSync(join(tmpdir(), 'consign-version-oracles-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const succeeds = (cmd: string, args: string[]) =>
  spawnSync(cmd, args, { stdio: 'ignore', timeout: 60_000 }).status === 0;

/** Why an oracle cannot run here (naming the Debian package to install), or undefined. */
function missing(what: Array<[ok: boolean, pkg: string]>): string | undefined {
  const absent = what.filter(([ok]) => !ok).map(([, pkg]) => pkg);
  return absent.length ? `install ${absent.join(', ')}` : undefined;
}

/** Runs an oracle once over many questions (one per line) and returns its answers. */
function ask(cmd: string, args: string[], lines: string[]) {
  return new Promise<string[]>((done, fail) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', fail);
    child.on('close', (code) => {
      const answers = Buffer.concat(out).toString('utf8').split('\n').filter(Boolean);
      if (code !== 0 || answers.length !== lines.length) {
        fail(
          new Error(
            `${cmd} ${args.join(' ')} exited ${code} with ${answers.length} of ${lines.length} answers:\n` +
              Buffer.concat(err).toString('utf8').slice(0, 2000),
          ),
        );
      } else done(answers);
    });
    child.stdin.end(lines.map((l) => `${l}\n`).join(''));
  });
}

/** All pairs of the corpus (each version also against itself), or a seeded sample of them. */
function pairsOf(versions: string[]): Array<[string, string]> {
  const all: Array<[string, string]> = [];
  for (let i = 0; i < versions.length; i++) {
    for (let j = i; j < versions.length; j++) all.push([versions[i]!, versions[j]!]);
  }
  if (all.length <= MAX_PAIRS) return all;
  const rng = random(SEED + 1);
  for (let i = 0; i < MAX_PAIRS; i++) {
    const k = i + rng.int(all.length - i);
    [all[i], all[k]] = [all[k]!, all[i]!];
  }
  return all.slice(0, MAX_PAIRS);
}

interface Oracle {
  name: string;
  /** Answers -1, 0 or 1 for each pair. */
  compare(pairs: Array<[string, string]>): Promise<number[]>;
  /** Answers whether each version is valid, where the oracle has its own notion of that. */
  valid?(versions: string[]): Promise<boolean[]>;
}

/**
 * An oracle program speaking the "c<TAB>A<TAB>B" / "v<TAB>A" line protocol; `validity` when the
 * program also has its own notion of which versions are valid.
 */
function lineOracle(name: string, cmd: string, args: string[], validity: boolean): Oracle {
  const run = (lines: string[]) => ask(cmd, args, lines);
  const valid = async (versions: string[]) =>
    (await run(versions.map((v) => `v\t${v}`))).map((answer) => answer === '1');
  return {
    name,
    compare: async (pairs) => (await run(pairs.map(([a, b]) => `c\t${a}\t${b}`))).map(Number),
    ...(validity ? { valid } : {}),
  };
}

/**
 * Puts the corpus to our ordering and to the oracle: validity first (where the oracle has a
 * notion of it), then every pair of the versions we accept.
 */
async function differential(scheme: VersionScheme, corpus: string[], oracle: Oracle) {
  const ours = versionOrdering(scheme);
  const mismatches: string[] = [];
  if (oracle.valid) {
    const theirs = await oracle.valid(corpus);
    corpus.forEach((v, i) => {
      if (ours.isValid(v) !== theirs[i]) {
        mismatches.push(
          `valid(${JSON.stringify(v)}): ours ${ours.isValid(v)}, ${oracle.name} ${theirs[i]}`,
        );
      }
    });
  }
  const accepted = corpus.filter((v) => ours.isValid(v));
  const pairs = pairsOf(accepted);
  const theirs = await oracle.compare(pairs);
  const outcomes = { '-1': 0, '0': 0, '1': 0 };
  pairs.forEach(([a, b], i) => {
    const mine = ours.compare(a, b);
    outcomes[String(mine) as keyof typeof outcomes]++;
    if (mine !== theirs[i]) {
      mismatches.push(
        `compare(${JSON.stringify(a)}, ${JSON.stringify(b)}): ours ${mine}, ${oracle.name} ${theirs[i]}`,
      );
    }
  });
  console.log(
    `${scheme}: ${corpus.length} versions (${accepted.length} valid), ${pairs.length} pairs compared ` +
      `with ${oracle.name} (${outcomes['-1']} older, ${outcomes['0']} equal, ${outcomes['1']} newer): ` +
      `${mismatches.length} mismatches`,
  );
  expect(mismatches.slice(0, 30)).toEqual([]);
  // The corpus must exercise the ordering, not just agree on trivia.
  expect(pairs.length).toBeGreaterThan(2000);
  expect(Math.min(outcomes['-1'], outcomes['0'], outcomes['1'])).toBeGreaterThan(0);
}

const dpkgMissing = missing([
  [existsSync('/usr/share/perl5/Dpkg/Version.pm'), 'libdpkg-perl'],
  [succeeds('dpkg', ['--version']), 'dpkg'],
]);
describe.skipIf(dpkgMissing !== undefined)(
  `dpkg ordering against dpkg${dpkgMissing ? ` (skipped: ${dpkgMissing})` : ''}`,
  () => {
    it('agrees with Dpkg::Version on every pair of the corpus, and on validity', async () => {
      const oracle = lineOracle('Dpkg::Version', 'perl', [join(ORACLES, 'dpkg_oracle.pl')], true);
      await differential('dpkg', dpkgCorpus(SEED, 160), oracle);
    });

    it('agrees with the dpkg program itself on a sample of pairs', async () => {
      const ours = versionOrdering('dpkg');
      const corpus = dpkgCorpus(SEED + 2, 120).filter((v) => ours.isValid(v));
      const sample = pairsOf(corpus).slice(0, 400);
      const answers = await ask(
        'sh',
        [join(ORACLES, 'dpkg_binary_oracle.sh')],
        sample.map(([a, b]) => `${a}\t${b}`),
      );
      const mismatches = sample.flatMap(([a, b], i) =>
        ours.compare(a, b) === Number(answers[i]) ? [] : [`${a} vs ${b}: dpkg says ${answers[i]}`],
      );
      console.log(
        `dpkg: ${sample.length} pairs compared with dpkg --compare-versions: ${mismatches.length} mismatches`,
      );
      expect(mismatches).toEqual([]);
    });
  },
);

const rpmMissing = missing([[succeeds(PYTHON, ['-I', '-c', 'import rpm']), 'python3-rpm']]);
describe.skipIf(rpmMissing !== undefined)(
  `rpm ordering against rpm${rpmMissing ? ` (skipped: ${rpmMissing})` : ''}`,
  () => {
    it("agrees with rpm's labelCompare on every pair of the corpus", async () => {
      // rpm has no notion of an invalid version: it orders any text.
      const script = join(ORACLES, 'rpm_oracle.py');
      const oracle = lineOracle('rpm.labelCompare', PYTHON, ['-I', script], false);
      await differential('rpm', rpmCorpus(SEED, 160), oracle);
    });
  },
);

const mavenMissing = missing([
  // The single-file source launcher needs the compiler, so a JRE alone is not enough.
  [succeeds('java', ['-version']) && succeeds('javac', ['-version']), 'default-jdk-headless'],
  [existsSync(MAVEN_ARTIFACT_JAR), 'libmaven3-core-java'],
]);
describe.skipIf(mavenMissing !== undefined)(
  `Maven ordering against ComparableVersion${mavenMissing ? ` (skipped: ${mavenMissing})` : ''}`,
  () => {
    it('agrees with maven-artifact on every pair of the corpus', async () => {
      // Java's single-file source launcher compiles the oracle in memory. ComparableVersion
      // accepts any text, so only the order is compared.
      const args = ['-cp', MAVEN_ARTIFACT_JAR, join(ORACLES, 'MavenOracle.java')];
      const oracle = lineOracle('ComparableVersion', 'java', args, false);
      await differential('maven', mavenCorpus(SEED, 160), oracle);
    });
  },
);

const goMissing = missing([
  [succeeds('go', ['version']), 'golang-go'],
  [existsSync(GO_SEMVER_SOURCE), 'golang-golang-x-mod-dev'],
]);
describe.skipIf(goMissing !== undefined)(
  `Go ordering against golang.org/x/mod/semver${goMissing ? ` (skipped: ${goMissing})` : ''}`,
  () => {
    it('agrees with x/mod/semver on every pair of the corpus, and on validity', async () => {
      // Built offline in GOPATH mode from Debian's copy of x/mod; nothing is downloaded.
      const binary = join(work, 'go-semver-oracle');
      const env = {
        ...process.env,
        GOPATH: '/usr/share/gocode',
        GO111MODULE: 'off',
        GOFLAGS: '',
        GOPROXY: 'off',
        GOCACHE: join(work, 'go-cache'),
        HOME: work,
      };
      const build = spawnSync('go', ['build', '-o', binary, join(ORACLES, 'go_semver_oracle.go')], {
        env,
        encoding: 'utf8',
        timeout: 120_000,
      });
      expect(build.status, build.stderr).toBe(0);
      await differential('go', goCorpus(SEED, 160), lineOracle('x/mod/semver', binary, [], true));
    });
  },
);

const pep440Missing = missing([
  [succeeds(PYTHON, ['-I', '-c', 'import packaging.version']), 'python3-packaging'],
]);
describe.skipIf(pep440Missing !== undefined)(
  `PEP 440 ordering against packaging${pep440Missing ? ` (skipped: ${pep440Missing})` : ''}`,
  () => {
    it("agrees with packaging's Version on every pair of the corpus, and on validity", async () => {
      await differential(
        'pep440',
        pep440Corpus(SEED, 200),
        lineOracle('packaging.version', PYTHON, ['-I', join(ORACLES, 'pep440_oracle.py')], true),
      );
    });
  },
);
