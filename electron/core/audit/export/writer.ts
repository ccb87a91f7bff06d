import { rm, type FileHandle } from 'node:fs/promises';
import { createHash, type Hash } from 'node:crypto';
import { openNewFile } from '../../files';

const CHUNK = 256 * 1024;

/**
 * A new file (created exclusively, never replacing one) written in chunks as text is produced,
 * with a running SHA-256 of what was written. `abort` removes the partial file.
 */
export class NewFileWriter {
  readonly path: string;
  readonly #handle: FileHandle;
  readonly #digest: Hash = createHash('sha256');
  #pending: string[] = [];
  #size = 0;

  private constructor(path: string, handle: FileHandle) {
    this.path = path;
    this.#handle = handle;
  }

  static async create(file: string): Promise<NewFileWriter> {
    const { path, handle } = await openNewFile(file);
    return new NewFileWriter(path, handle);
  }

  async write(text: string): Promise<void> {
    this.#pending.push(text);
    this.#size += text.length;
    if (this.#size >= CHUNK) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.#pending.length === 0) return;
    const chunk = Buffer.from(this.#pending.join(''), 'utf8');
    this.#pending = [];
    this.#size = 0;
    this.#digest.update(chunk);
    await this.#handle.write(chunk);
  }

  /** SHA-256 (hex) of everything written so far. */
  async digest(): Promise<string> {
    await this.flush();
    return this.#digest.copy().digest('hex');
  }

  async close(): Promise<void> {
    await this.flush();
    await this.#handle.sync();
    await this.#handle.close();
  }

  async abort(): Promise<void> {
    await this.#handle.close().catch(() => {});
    await rm(this.path, { force: true });
  }
}
