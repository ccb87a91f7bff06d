/** Reads a secret from stdin (the only place secrets come from): trailing newlines removed. */
export async function readSecretFromStdin(what: string): Promise<string> {
  if (process.stdin.isTTY) {
    process.stderr.write(`${what} (input is not echoed; end with Ctrl-D): `);
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}
