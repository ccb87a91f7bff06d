/** How the command speaks: one JSON document on stdout with --json, readable text otherwise. */
export interface Output {
  readonly json: boolean;
  /** The command's result: `value` as JSON with --json, else what `human` renders. */
  result(value: unknown, human: () => string): void;
  /** Progress and notes for a person; never with --json, never on stdout. */
  note(text: string): void;
}

export function createOutput(
  json: boolean,
  stdout = process.stdout,
  stderr = process.stderr,
): Output {
  return {
    json,
    result(value, human) {
      const text = json ? JSON.stringify(value, null, 2) : human();
      stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    },
    note(text) {
      if (!json) stderr.write(`${text}\n`);
    },
  };
}

/** Left-aligned columns with a header row, as `docker images` prints them. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((header, i) =>
    Math.max(header.length, ...rows.map((row) => (row[i] ?? '').length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('   ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

const units = ['B', 'kB', 'MB', 'GB', 'TB'];

/** Decimal units, as the Docker CLI shows image sizes. */
export function humanSize(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(value < 10 ? 2 : 1)}${units[unit]}`;
}
