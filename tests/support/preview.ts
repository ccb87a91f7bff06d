import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

export interface RunningPreview {
  url: string;
  origin: string;
  token: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Starts the built browser preview on a free port and waits for the URL it prints. */
export function startPreviewProcess(
  args: string[] = [],
  env: NodeJS.ProcessEnv = {},
): Promise<RunningPreview> {
  const child = spawn(
    process.execPath,
    [resolve('out/preview/server.js'), '--port', '0', ...args],
    {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  return new Promise((done, fail) => {
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`the preview did not start within 30 s:\n${output}`));
    }, 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Consign preview: (http:\/\/\S+)/.exec(output);
      if (!match) return;
      clearTimeout(timer);
      const url = new URL(match[1]!);
      done({
        url: url.toString(),
        origin: url.origin,
        token: url.searchParams.get('token') ?? '',
        process: child,
        stop: () =>
          new Promise<void>((stopped) => {
            if (child.exitCode !== null) return stopped();
            child.once('exit', () => stopped());
            child.kill('SIGTERM');
          }),
      });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`the preview exited with ${code}:\n${output}`));
    });
  });
}
