import type { StateCreator } from 'zustand';
import type { Customer, CustomerTest, RequestOf, ResponseOf } from '../../../shared/contract';
import { call, toApiError, type ApiError } from '../api';
import type { StoreState } from '.';
import { emptyList, latestListLoader, type ListState } from './list';

/** The answer of a customer operation, or why it failed. */
export type CustomerOutcome<T> = { ok: true; data: T } | { ok: false; error: ApiError };

/** What the add/edit form sends. The password is passed through and never kept here. */
export type CustomerSave = RequestOf<'customers.save'>;

export type CustomerKit = ResponseOf<'customers.kit'>;

/** The last connection test of one customer in this session: running, its answer, or why not. */
export interface CustomerTestState {
  running: boolean;
  result: CustomerTest | null;
  error: ApiError | null;
}

export interface CustomersSlice {
  customers: ListState<Customer> & {
    /** Test results by customer id, so a rename keeps the row's history straight. */
    tests: Record<string, CustomerTestState>;
    load: () => Promise<void>;
    /** Adds (no `id`) or edits a customer, then refreshes the list. */
    save: (request: CustomerSave) => Promise<CustomerOutcome<Customer>>;
    /** Removes a customer (its password leaves the keychain), then refreshes the list. */
    remove: (customer: Pick<Customer, 'id' | 'name'>) => Promise<CustomerOutcome<boolean>>;
    test: (customer: Pick<Customer, 'id' | 'name'>) => Promise<void>;
    /** Writes the customer's verification kit into a folder where the engine runs. */
    kit: (name: string, dir: string) => Promise<CustomerOutcome<CustomerKit>>;
  };
}

export const createCustomersSlice: StateCreator<StoreState, [], [], CustomersSlice> = (
  set,
  get,
) => {
  const patch = (values: Partial<CustomersSlice['customers']>) =>
    set((state) => ({ customers: { ...state.customers, ...values } }));
  const patchTest = (id: string, test: CustomerTestState) =>
    set((state) => ({
      customers: { ...state.customers, tests: { ...state.customers.tests, [id]: test } },
    }));
  const forgetTest = (id: string) =>
    set((state) => {
      const tests = { ...state.customers.tests };
      delete tests[id];
      return { customers: { ...state.customers, tests } };
    });

  return {
    customers: {
      ...emptyList(),
      tests: {},
      load: latestListLoader('customers.list', patch),
      save: async (request) => {
        let saved: Customer;
        try {
          saved = await call('customers.save', request);
        } catch (error) {
          return { ok: false, error: toApiError('customers.save', error) };
        }
        // New settings or credentials make an earlier test answer stale.
        forgetTest(saved.id);
        await get().customers.load();
        return { ok: true, data: saved };
      },
      remove: async ({ id, name }) => {
        let removed: boolean;
        try {
          ({ removed } = await call('customers.remove', { name }));
        } catch (error) {
          return { ok: false, error: toApiError('customers.remove', error) };
        }
        forgetTest(id);
        await get().customers.load();
        return { ok: true, data: removed };
      },
      test: async ({ id, name }) => {
        patchTest(id, { running: true, result: null, error: null });
        try {
          const result = await call('customers.test', { name });
          patchTest(id, { running: false, result, error: null });
        } catch (error) {
          patchTest(id, {
            running: false,
            result: null,
            error: toApiError('customers.test', error),
          });
        }
      },
      kit: async (name, dir) => {
        try {
          return { ok: true, data: await call('customers.kit', { name, dir }) };
        } catch (error) {
          return { ok: false, error: toApiError('customers.kit', error) };
        }
      },
    },
  };
};
