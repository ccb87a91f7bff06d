import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Why Go binaries cannot be built here, or undefined when the `go` toolchain is available. */
export function goUnavailable(): string | undefined {
  const probe = spawnSync('go', ['version'], { encoding: 'utf8' });
  return probe.status === 0 ? undefined : 'the Go toolchain (`go`) is not installed';
}

/** The local toolchain's version, as `go version` prints it (`go1.19.8`). */
export function goVersion(): string {
  const out = spawnSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' });
  return out.stdout.trim();
}

export interface GoProgram {
  binary: string;
  module: string;
  dependency: { path: string; version: string };
}

/**
 * Compiles a small linux/amd64 program with one dependency, vendored so nothing is downloaded:
 * its build information names the main module (`(devel)`, as a build outside version control
 * records it) and the dependency at its version.
 */
export function buildGoProgram(dir: string): GoProgram {
  const module = 'example.org/consign-fixture/hello';
  const dependency = { path: 'example.org/consign-fixture/greet', version: 'v1.2.3' };
  const src = join(dir, 'src');
  mkdirSync(join(src, 'vendor', dependency.path), { recursive: true });
  writeFileSync(
    join(src, 'go.mod'),
    `module ${module}\n\ngo 1.18\n\nrequire ${dependency.path} ${dependency.version}\n`,
  );
  writeFileSync(
    join(src, 'vendor', 'modules.txt'),
    `# ${dependency.path} ${dependency.version}\n## explicit\n${dependency.path}\n`,
  );
  writeFileSync(
    join(src, 'vendor', dependency.path, 'greet.go'),
    'package greet\n\nfunc Hello() string { return "hello" }\n',
  );
  writeFileSync(
    join(src, 'main.go'),
    `package main\n\nimport (\n\t"fmt"\n\n\t"${dependency.path}"\n)\n\nfunc main() { fmt.Println(greet.Hello()) }\n`,
  );
  const binary = join(dir, 'hello');
  const build = spawnSync('go', ['build', '-o', binary, '.'], {
    cwd: src,
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH,
      HOME: dir,
      GOCACHE: join(dir, 'cache'),
      GOPATH: join(dir, 'gopath'),
      GOFLAGS: '-mod=vendor',
      GOPROXY: 'off',
      GOTOOLCHAIN: 'local',
      CGO_ENABLED: '0',
      GOOS: 'linux',
      GOARCH: 'amd64',
    },
  });
  if (build.status !== 0) throw new Error(`go build failed: ${build.stderr}`);
  return { binary, module, dependency };
}

const varint = (n: number) => {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Buffer.from(out);
};

/**
 * A build information blob laid out as the Go 1.18+ linker writes it: the 32-byte header
 * (magic, pointer size, flags), then the varint-prefixed toolchain version and module text
 * framed by 16-byte sentinels. `flags` 0 is the older pointer-based layout.
 */
export function goBuildInfoBlob(version: string, modinfo: string, flags = 0x2): Buffer {
  const header = Buffer.alloc(32);
  Buffer.from('\xff Go buildinf:', 'latin1').copy(header);
  header[14] = 8;
  header[15] = flags;
  const sentinel = Buffer.alloc(16, 0xaa);
  const mod = Buffer.concat([sentinel, Buffer.from(modinfo), sentinel]);
  return Buffer.concat([
    header,
    varint(version.length),
    Buffer.from(version),
    varint(mod.length),
    mod,
  ]);
}
