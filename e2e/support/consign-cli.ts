import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { nodeBinary, projectRoot } from './paths';
import type { Preview } from './preview';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the built `consign` command on a preview's own workspace and keychain, so a spec can check
 * what the app did with the tool a pipeline would use.
 */
export function previewCli(preview: Preview) {
  const cli = join(projectRoot, 'out', 'cli', 'consign.js');
  return (args: string[], input = ''): Promise<CliResult> =>
    new Promise((resolve, reject) => {
      const child = spawn(nodeBinary(), [cli, ...args, '--home', preview.home], {
        cwd: projectRoot,
        env: { ...process.env, CONSIGN_KEYCHAIN_SERVICE: preview.keychainService },
        stdio: ['pipe', 'pipe', 'pipe'],
        timeout: 120_000,
      });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      child.once('error', reject);
      child.once('close', (code, signal) =>
        resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr }),
      );
      child.stdin.end(input);
    });
}

/** The command's JSON answer; a non-zero exit fails with what it wrote to stderr. */
export function jsonOf<T>(result: CliResult): T {
  if (result.code !== 0) {
    throw new Error(`consign exited with ${result.code}: ${result.stderr.trim()}`);
  }
  return JSON.parse(result.stdout) as T;
}
