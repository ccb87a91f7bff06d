import { expect } from 'vitest';
import { ConsignError } from '../../electron/core/errors';

/** The ConsignError a promise rejects with; fails the test if it resolves or throws anything else. */
export async function failure(promise: Promise<unknown>): Promise<ConsignError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, 'the call should have failed').toBeInstanceOf(ConsignError);
  return error as ConsignError;
}
