// Third-party verifiers for interoperability tests and benchmarks: cosign and oras from Debian
// trixie's packages, whose binaries run on older Debian releases too.
//
// The machine's apt configuration is never changed. A private apt setup under `dir` (its own
// sources list, lists, cache and status file) names trixie on the same mirror the machine uses
// for its own release, `apt-get download` fetches the two .deb files, and `dpkg -x` unpacks them
// into dir/root; dir/bin holds links to the binaries. Everything apt downloads is checked against
// the Debian archive keyring as usual (`signed-by` per source): the machine's own keyring when it
// already holds trixie's keys, otherwise the newest `debian-archive-keyring` package from the
// machine's own (signed) release, which carries the next release's keys.
import {
  chownSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isAlive, run, which } from './proc.ts';

export const TOOLS_SUITE = 'trixie';
const PACKAGES = ['cosign', 'oras'] as const;
const SYSTEM_KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';
const APT_TIMEOUT_MS = 300_000;

export interface ThirdPartyTools {
  cosign: string;
  oras: string;
}

export interface ToolVersions {
  suite: string;
  /** Debian package versions, e.g. { cosign: '2.5.0-2+b5', oras: '1.2.0-1+b9' }. */
  packages: Record<string, string>;
  fetchedAt: string;
}

export interface AptSource {
  uri: string;
  suites: string[];
  components: string[];
}

// ---------------------------------------------------------------------------------------------
// reading the machine's apt sources

/** One-line `deb [opts] URI suite comp...` entries (deb-src and comments skipped). */
export function parseOneLineSources(text: string): AptSource[] {
  const out: AptSource[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (!line.startsWith('deb ') && !line.startsWith('deb\t')) continue;
    const rest = line
      .slice(4)
      .trim()
      .replace(/^\[[^\]]*\]\s*/, '');
    const [uri, suite, ...components] = rest.split(/\s+/);
    if (uri && suite) out.push({ uri, suites: [suite], components });
  }
  return out;
}

/** deb822 `.sources` paragraphs of type deb that are not disabled. */
export function parseDeb822Sources(text: string): AptSource[] {
  const out: AptSource[] = [];
  const paragraphs = text
    .split('\n')
    .filter((l) => !l.startsWith('#'))
    .join('\n')
    .split(/\n\s*\n/);
  for (const para of paragraphs) {
    const fields: Record<string, string> = {};
    let key = '';
    for (const line of para.split('\n')) {
      if (/^\s/.test(line) && key) {
        fields[key] += ` ${line.trim()}`;
        continue;
      }
      const m = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(line);
      if (!m) continue;
      key = m[1]!.toLowerCase();
      fields[key] = m[2]!.trim();
    }
    const words = (k: string) => (fields[k] ?? '').split(/\s+/).filter(Boolean);
    if (!words('types').includes('deb')) continue;
    if (/^(no|false|0)$/i.test(fields.enabled ?? '')) continue;
    for (const uri of words('uris')) {
      out.push({ uri, suites: words('suites'), components: words('components') });
    }
  }
  return out;
}

/** All `deb` sources the machine's apt uses. */
export function machineAptSources(etc = '/etc/apt'): AptSource[] {
  const sources: AptSource[] = [];
  const read = (file: string) => {
    try {
      return readFileSync(file, 'utf8');
    } catch {
      return '';
    }
  };
  sources.push(...parseOneLineSources(read(join(etc, 'sources.list'))));
  let parts: string[] = [];
  try {
    parts = readdirSync(join(etc, 'sources.list.d')).sort();
  } catch {
    // none
  }
  for (const name of parts) {
    const file = join(etc, 'sources.list.d', name);
    if (name.endsWith('.list')) sources.push(...parseOneLineSources(read(file)));
    else if (name.endsWith('.sources')) sources.push(...parseDeb822Sources(read(file)));
  }
  return sources;
}

export function machineCodename(): string {
  try {
    const osr = readFileSync('/etc/os-release', 'utf8');
    const m = /^VERSION_CODENAME="?([a-z]+)"?$/m.exec(osr);
    if (m) return m[1]!;
  } catch {
    // fall through
  }
  throw new Error('cannot tell the Debian release of this machine (/etc/os-release)');
}

/**
 * The base URL of the Debian archive the machine uses for its own release (the source naming
 * `codename` with component main), e.g. the mirror's `.../debian`.
 */
export function debianMirror(codename: string, sources = machineAptSources()): string {
  const candidates = sources.filter(
    (s) => /^https?:\/\//.test(s.uri) && s.components.includes('main'),
  );
  const exact = candidates.find((s) => s.suites.includes(codename));
  const related = candidates.find((s) =>
    s.suites.some((suite) => suite === `${codename}-updates` || suite === `${codename}-backports`),
  );
  const found = exact ?? related;
  if (!found) {
    throw new Error(
      `no apt source for Debian ${codename} (main) found in /etc/apt/sources.list(.d); ` +
        'cannot tell which Debian mirror to fetch cosign and oras from',
    );
  }
  return found.uri.replace(/\/+$/, '');
}

// ---------------------------------------------------------------------------------------------
// a private apt

interface AptRun {
  code: number | null;
  output: string;
}

function aptUid(): number | null {
  try {
    const line = readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('_apt:'));
    const uid = Number(line?.split(':')[2]);
    return Number.isInteger(uid) ? uid : null;
  } catch {
    return null;
  }
}

/** An apt configuration living entirely under `base`; the machine's sources are never read. */
class PrivateApt {
  readonly base: string;
  readonly sourcesList: string;
  readonly downloads: string;

  constructor(base: string, sources: string[]) {
    this.base = base;
    this.sourcesList = join(base, 'etc', 'sources.list');
    this.downloads = join(base, 'downloads');
    for (const d of [
      join(base, 'etc', 'sources.list.d'),
      join(base, 'state', 'lists', 'partial'),
      join(base, 'cache', 'archives', 'partial'),
      this.downloads,
    ]) {
      mkdirSync(d, { recursive: true });
    }
    writeFileSync(this.sourcesList, `${sources.join('\n')}\n`);
    writeFileSync(join(base, 'state', 'status'), '');
    // apt downloads as the unprivileged _apt user when run as root: let it write here.
    const uid = process.getuid?.() === 0 ? aptUid() : null;
    if (uid !== null) {
      for (const d of [
        join(base, 'state', 'lists'),
        join(base, 'state', 'lists', 'partial'),
        join(base, 'cache', 'archives'),
        join(base, 'cache', 'archives', 'partial'),
        this.downloads,
      ]) {
        chownSync(d, uid, 0);
      }
    }
  }

  options(): string[] {
    const o = (k: string, v: string) => ['-o', `${k}=${v}`];
    return [
      ...o('Dir::Etc::sourcelist', this.sourcesList),
      // An empty folder of our own: apt 2.6 reads `-` as a folder name under /etc/apt.
      ...o('Dir::Etc::sourceparts', join(this.base, 'etc', 'sources.list.d')),
      ...o('Dir::State', join(this.base, 'state')),
      ...o('Dir::State::status', join(this.base, 'state', 'status')),
      ...o('Dir::Cache', join(this.base, 'cache')),
      ...o('APT::Get::List-Cleanup', '0'),
      ...(aptUid() === null ? o('APT::Sandbox::User', 'root') : []),
    ];
  }

  async run(args: string[], cwd = this.base): Promise<AptRun> {
    try {
      const res = await run(which('apt-get') ?? 'apt-get', [...this.options(), ...args], {
        cwd,
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive', LC_ALL: 'C' },
        timeoutMs: APT_TIMEOUT_MS,
      });
      return { code: res.code, output: `${res.stdout}${res.stderr}` };
    } catch (err) {
      return { code: null, output: (err as Error).message };
    }
  }

  update(): Promise<AptRun> {
    return this.run(['update']);
  }

  /** Download packages into the downloads folder; returns the .deb paths by package name. */
  async download(names: readonly string[]): Promise<Record<string, string>> {
    const res = await this.run(['download', ...names], this.downloads);
    if (res.code !== 0)
      throw new Error(`apt-get download ${names.join(' ')} failed:\n${res.output}`);
    const files = readdirSync(this.downloads).filter((f) => f.endsWith('.deb'));
    const out: Record<string, string> = {};
    for (const name of names) {
      const file = files.find((f) => f.startsWith(`${name}_`));
      if (!file) throw new Error(`apt-get download did not leave a .deb for ${name}`);
      out[name] = join(this.downloads, file);
    }
    return out;
  }
}

function tailLines(text: string, n = 15): string {
  return text.trim().split('\n').slice(-n).join('\n');
}

const signatureProblem = (output: string) =>
  /NO_PUBKEY|not signed|EXPKEYSIG|KEYEXPIRED|BADSIG|signatures couldn't be verified/i.test(output);

async function dpkgDebField(deb: string, field: string): Promise<string> {
  const res = await run(which('dpkg-deb') ?? 'dpkg-deb', ['-f', deb, field]);
  if (res.code !== 0) throw new Error(`dpkg-deb -f ${deb} ${field} failed: ${res.stderr}`);
  return res.stdout.trim();
}

async function unpack(deb: string, root: string): Promise<void> {
  const res = await run(which('dpkg') ?? 'dpkg', ['-x', deb, root]);
  if (res.code !== 0) throw new Error(`dpkg -x ${deb} failed: ${res.stderr}`);
}

/**
 * A keyring holding trixie's archive keys, found securely: the newest debian-archive-keyring
 * package of the machine's own release, fetched through a private apt verified by the machine's
 * keyring.
 */
async function keyringFromMachineRelease(
  work: string,
  mirror: string,
  codename: string,
): Promise<string> {
  const apt = new PrivateApt(join(work, 'apt-keyring'), [
    `deb [signed-by=${SYSTEM_KEYRING}] ${mirror} ${codename} main`,
    `deb [signed-by=${SYSTEM_KEYRING}] ${mirror} ${codename}-updates main`,
  ]);
  const update = await apt.update();
  if (update.code !== 0) {
    throw new Error(`apt-get update for ${codename} failed:\n${tailLines(update.output)}`);
  }
  const debs = await apt.download(['debian-archive-keyring']);
  const root = join(work, 'keyring-root');
  await unpack(debs['debian-archive-keyring']!, root);
  const keyring = join(root, 'usr', 'share', 'keyrings', 'debian-archive-keyring.gpg');
  if (!existsSync(keyring)) throw new Error('debian-archive-keyring has no keyring file');
  return keyring;
}

// ---------------------------------------------------------------------------------------------
// the tools

async function runs(bin: string): Promise<boolean> {
  if (!existsSync(bin)) return false;
  try {
    return (await run(bin, ['version'], { timeoutMs: 30_000 })).code === 0;
  } catch {
    return false;
  }
}

async function allRun(tools: ThirdPartyTools): Promise<boolean> {
  return (await Promise.all([runs(tools.cosign), runs(tools.oras)])).every(Boolean);
}

function binaries(dir: string): ThirdPartyTools {
  return { cosign: join(dir, 'bin', 'cosign'), oras: join(dir, 'bin', 'oras') };
}

/** The package versions recorded when the tools were fetched, or null. */
export function thirdPartyToolVersions(dir: string): ToolVersions | null {
  try {
    return JSON.parse(readFileSync(join(dir, 'versions.json'), 'utf8')) as ToolVersions;
  } catch {
    return null;
  }
}

/** Serialise fetches into the same folder (a test run and a benchmark may start together). */
async function withLock<T>(dir: string, fn: () => Promise<T> | T): Promise<T> {
  const lock = join(dir, '.lock');
  const deadline = Date.now() + APT_TIMEOUT_MS * 2;
  for (;;) {
    let fd: number | undefined;
    try {
      fd = openSync(lock, 'wx');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (fd !== undefined) {
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    }
    let holder: number;
    let age: number;
    try {
      holder = Number(readFileSync(lock, 'utf8') || 0);
      age = Date.now() - statSync(lock).mtimeMs;
    } catch {
      continue; // released meanwhile
    }
    // A lock without a live holder is stale (an empty one only once its writer had time).
    if ((holder && !isAlive(holder)) || (!holder && age > 5_000)) {
      rmSync(lock, { force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`${lock} is held by process ${holder}`);
    await sleep(500);
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { force: true });
  }
}

/**
 * cosign and oras from Debian trixie, in dir/bin. Returns them at once when they are there and
 * run; otherwise fetches and unpacks the packages (a few seconds, about 20 MB).
 */
export async function ensureThirdPartyTools(
  toolsDir: string,
  log: (line: string) => void = console.log,
): Promise<ThirdPartyTools> {
  const dir = resolve(toolsDir);
  const tools = binaries(dir);
  if (await allRun(tools)) return tools;
  mkdirSync(dir, { recursive: true });
  return withLock(dir, async () => {
    if (await allRun(tools)) return tools;
    for (const cmd of ['apt-get', 'dpkg', 'dpkg-deb']) {
      if (!which(cmd))
        throw new Error(`${cmd} not found: cosign and oras come from Debian packages`);
    }
    const codename = machineCodename();
    const mirror = debianMirror(codename);
    log(`fetching cosign and oras from Debian ${TOOLS_SUITE} (${mirror}) into ${dir}`);
    const work = join(dir, `.work-${process.pid}`);
    rmSync(work, { recursive: true, force: true });
    try {
      let keyring = SYSTEM_KEYRING;
      const source = (kr: string) => `deb [signed-by=${kr}] ${mirror} ${TOOLS_SUITE} main`;
      let apt = new PrivateApt(join(work, 'apt'), [source(keyring)]);
      let update = await apt.update();
      if (update.code !== 0 && signatureProblem(update.output)) {
        log(`  ${SYSTEM_KEYRING} lacks ${TOOLS_SUITE}'s keys: using ${codename}'s newest keyring`);
        keyring = await keyringFromMachineRelease(work, mirror, codename);
        rmSync(join(work, 'apt'), { recursive: true, force: true });
        apt = new PrivateApt(join(work, 'apt'), [source(keyring)]);
        update = await apt.update();
      }
      if (update.code !== 0) {
        throw new Error(`apt-get update for ${TOOLS_SUITE} failed:\n${tailLines(update.output)}`);
      }
      const debs = await apt.download(PACKAGES);
      const root = join(work, 'root');
      const packages: Record<string, string> = {};
      for (const name of PACKAGES) {
        packages[name] = await dpkgDebField(debs[name]!, 'Version');
        await unpack(debs[name]!, root);
        if (!existsSync(join(root, 'usr', 'bin', name))) {
          throw new Error(`the ${name} package has no usr/bin/${name}`);
        }
      }
      // Swap the new tree in, then point bin/ at it.
      rmSync(join(dir, 'root'), { recursive: true, force: true });
      renameSync(root, join(dir, 'root'));
      rmSync(join(dir, 'bin'), { recursive: true, force: true });
      mkdirSync(join(dir, 'bin'));
      for (const name of PACKAGES) {
        symlinkSync(join('..', 'root', 'usr', 'bin', name), join(dir, 'bin', name));
      }
      const versions: ToolVersions = {
        suite: TOOLS_SUITE,
        packages,
        fetchedAt: new Date().toISOString(),
      };
      writeFileSync(join(dir, 'versions.json'), `${JSON.stringify(versions, null, 2)}\n`);
      for (const name of PACKAGES) {
        if (!(await runs(tools[name]))) throw new Error(`${tools[name]} version does not run here`);
      }
      log(`  cosign ${packages.cosign}, oras ${packages.oras}`);
      return tools;
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
}

if (import.meta.main) {
  const dir = process.argv[2];
  if (!dir) {
    console.error('usage: node scripts/test/lib/tools.ts DIR');
    process.exit(2);
  }
  ensureThirdPartyTools(dir).then(
    (tools) => console.log(JSON.stringify({ ...tools, ...thirdPartyToolVersions(dir) }, null, 2)),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : String(err));
      process.exit(1);
    },
  );
}
