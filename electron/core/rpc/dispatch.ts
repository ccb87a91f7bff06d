import {
  channels,
  isChannelName,
  type ChannelName,
  type Channels,
  type ResponseOf,
  type Result,
} from '../../../shared/contract';
import type { z } from 'zod';
import { ConsignError, toErrorInfo } from '../errors';

export type Handlers = {
  [C in ChannelName]: (
    request: z.output<Channels[C]['request']>,
  ) => Promise<ResponseOf<C>> | ResponseOf<C>;
};

export type Dispatch = (channel: unknown, request: unknown) => Promise<Result<unknown>>;

/**
 * The single entry point every host forwards requests to. It rejects unknown channels, validates
 * the request before the handler sees it and the response before it leaves, and turns every
 * failure into `{code, message}`: nothing a caller sends can crash the engine.
 */
export function createDispatcher(
  handlers: Handlers,
  onUnexpected: (channel: string, error: unknown) => void = () => {},
): Dispatch {
  return async (channel, request) => {
    if (!isChannelName(channel)) {
      return {
        ok: false,
        error: {
          code: 'UNKNOWN_CHANNEL',
          message: `There is no channel named ${JSON.stringify(String(channel)).slice(0, 80)}.`,
        },
      };
    }
    const contract = channels[channel];
    const parsed = contract.request.safeParse(request ?? {});
    if (!parsed.success) {
      return {
        ok: false,
        error: {
          code: 'BAD_REQUEST',
          message: `The request for ${channel} is malformed: ${describeIssues(parsed.error.issues)}.`,
        },
      };
    }
    try {
      const handler = handlers[channel] as (request: unknown) => unknown;
      const response = contract.response.safeParse(await handler(parsed.data));
      if (!response.success) {
        throw new Error(
          `response of ${channel} breaks the contract: ${describeIssues(response.error.issues)}`,
        );
      }
      return { ok: true, data: response.data };
    } catch (error) {
      if (!(error instanceof ConsignError)) onUnexpected(channel, error);
      return { ok: false, error: toErrorInfo(error) };
    }
  };
}

function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .slice(0, 3)
    .map((issue) => `${issue.path.length ? issue.path.join('.') : 'request'}: ${issue.message}`)
    .join('; ');
}
