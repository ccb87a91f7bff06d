import type {
  ChannelName,
  ErrorCode,
  EventName,
  EventOf,
  RequestOf,
  ResponseOf,
  Result,
} from '../../../shared/contract';
import i18n from '../i18n';

/** Failures that happen on this side of the bridge, before the engine could answer. */
export type ClientErrorCode = 'BRIDGE_MISSING' | 'TRANSPORT_FAILED';

/** A failed request, as the UI shows it: what went wrong and, where known, what to do. */
export class ApiError extends Error {
  readonly code: ErrorCode | ClientErrorCode;
  readonly remedy: string | undefined;
  readonly channel: ChannelName;

  constructor(
    channel: ChannelName,
    code: ErrorCode | ClientErrorCode,
    message: string,
    remedy?: string,
  ) {
    super(message);
    this.name = 'ApiError';
    this.channel = channel;
    this.code = code;
    this.remedy = remedy;
  }
}

function bridge() {
  // The host may not have injected it (e.g. the page was opened without the preview's token).
  return (window as Partial<Window>).consign;
}

/** Calls one channel of the engine; resolves with its data or rejects with an `ApiError`. */
export async function call<C extends ChannelName>(
  channel: C,
  request: RequestOf<C>,
): Promise<ResponseOf<C>> {
  const consign = bridge();
  if (!consign) {
    throw new ApiError(
      channel,
      'BRIDGE_MISSING',
      i18n.t('errors.bridgeMissing'),
      i18n.t('errors.bridgeMissingRemedy'),
    );
  }
  let result: Result<ResponseOf<C>>;
  try {
    result = await consign.invoke(channel, request);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ApiError(
      channel,
      'TRANSPORT_FAILED',
      i18n.t('errors.transportFailed', { reason }),
      i18n.t('errors.transportFailedRemedy'),
    );
  }
  if (result.ok) return result.data;
  throw new ApiError(channel, result.error.code, result.error.message, result.error.remedy);
}

/** Turns anything a call rejected with into an `ApiError`. */
export function toApiError(channel: ChannelName, error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new ApiError(
    channel,
    'TRANSPORT_FAILED',
    i18n.t('errors.transportFailed', { reason }),
    i18n.t('errors.transportFailedRemedy'),
  );
}

/** Subscribes to an engine event; returns the unsubscribe function (a no-op without a bridge). */
export function subscribe<E extends EventName>(
  event: E,
  listener: (payload: EventOf<E>) => void,
): () => void {
  const consign = bridge();
  if (!consign) return () => {};
  return consign.on(event, listener);
}
