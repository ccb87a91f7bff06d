import type { ErrorCode, ErrorInfo } from '../../../shared/contract';

/**
 * How a failure should be treated by whoever shows it:
 * - usage: the caller asked for something malformed (exit 2)
 * - input: the data given to us is bad (exit 2)
 * - check: a check ran and said no (exit 1)
 * - environment: something outside us is missing or broken (exit 3)
 * - internal: a bug (exit 3; details only with CONSIGN_DEBUG=1)
 */
export type ErrorKind = 'usage' | 'input' | 'check' | 'environment' | 'internal';

const kindOfCode: Record<ErrorCode, ErrorKind> = {
  UNKNOWN_CHANNEL: 'usage',
  BAD_REQUEST: 'usage',
  BAD_INPUT: 'input',
  NOT_FOUND: 'input',
  DOCKER_UNAVAILABLE: 'environment',
  KEYCHAIN_UNAVAILABLE: 'environment',
  KEYCHAIN_LOCKED: 'environment',
  WORKSPACE_UNAVAILABLE: 'environment',
  REGISTRY_UNAVAILABLE: 'environment',
  CHECK_FAILED: 'check',
  INTERNAL: 'internal',
};

/** An error whose message is fit to show a person: it says what went wrong and what to do. */
export class ConsignError extends Error {
  readonly code: ErrorCode;
  readonly remedy: string | undefined;

  constructor(code: ErrorCode, message: string, options?: { remedy?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ConsignError';
    this.code = code;
    this.remedy = options?.remedy;
  }

  get kind(): ErrorKind {
    return kindOfCode[this.code];
  }
}

export function kindOf(code: ErrorCode): ErrorKind {
  return kindOfCode[code];
}

/** Exit codes of the `consign` command, by kind (see the CLI contract). */
export function exitCodeOf(kind: ErrorKind): number {
  switch (kind) {
    case 'check':
      return 1;
    case 'usage':
    case 'input':
      return 2;
    case 'environment':
    case 'internal':
      return 3;
  }
}

/**
 * Turns anything thrown into the `{code, message}` shape the contract carries. Unexpected
 * errors never leak their text (it may hold paths or secrets): they become a generic INTERNAL.
 */
export function toErrorInfo(error: unknown): ErrorInfo {
  if (error instanceof ConsignError) {
    return error.remedy === undefined
      ? { code: error.code, message: error.message }
      : { code: error.code, message: error.message, remedy: error.remedy };
  }
  return {
    code: 'INTERNAL',
    message: 'An unexpected error stopped this request.',
    remedy: 'Run again with CONSIGN_DEBUG=1 to see details, and report it if it persists.',
  };
}
