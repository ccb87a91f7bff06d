import type { ParseArgsConfig } from 'node:util';
import type { Engine } from '../core';
import type { Output } from './output';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export interface CommandContext {
  out: Output;
  /** The engine for the chosen workspace, created on first use. */
  engine(): Engine;
}

export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  positionals: string[];
}

export interface Command {
  name: string;
  summary: string;
  /** Usage line after `consign `, e.g. `images [--all]`. */
  usage: string;
  /** Lines describing each option, for `consign <command> --help`. */
  help: string[];
  options: OptionSpec;
  positionals?: { min: number; max: number };
  /** Returns the exit code. */
  run(context: CommandContext, args: ParsedArgs): Promise<number>;
}

/** A string option's value as given (absent, or given as a flag, is undefined). */
export function optionText(values: ParsedArgs['values'], name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

/** A repeatable string option's values, in the order given. */
export function optionList(values: ParsedArgs['values'], name: string): string[] {
  const value = values[name];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}
