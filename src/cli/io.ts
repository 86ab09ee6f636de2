import type { ResolvedConfig } from '../config/load-config.js';

export interface CliIo {
  env: Record<string, string | undefined>;
  cwd: string;
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

export interface CommandInput {
  args: string[];
  io: CliIo;
  /** Loads the config with this command's flags on top. */
  config(flags?: Record<string, Record<string, unknown>>): ResolvedConfig;
}

export type Command = (input: CommandInput) => Promise<number>;

export function printJson(io: CliIo, value: unknown) {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** A plain text table: columns padded to their widest cell. */
export function printTable(io: CliIo, header: string[], rows: Array<Array<string | number | null>>) {
  const cells = [header, ...rows.map((r) => r.map((c) => (c === null ? '-' : String(c))))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  for (const r of cells) io.stdout.write(`${r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()}\n`);
}
