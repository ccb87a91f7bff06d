import type { StateCreator } from 'zustand';
import type { RegistrySettings, RequestOf, ResponseOf } from '../../../shared/contract';
import { call, toApiError, type ApiError } from '../api';
import type { StoreState } from '.';
import { emptyList, latestListLoader, type ListState } from './list';

export type RegistryTestResult = ResponseOf<'registries.test'>;

/** The last test of one registry: running, its answer, or the request's own failure. */
export interface RegistryTest {
  running: boolean;
  result: RegistryTestResult | null;
  error: ApiError | null;
}

/** What the add-registry form sends. The password is passed through and never kept here. */
export type RegistryLogin = RequestOf<'registries.login'>;

export type LoginOutcome =
  { ok: true; host: string; authenticated: boolean } | { ok: false; error: ApiError };

export interface RegistriesSlice {
  registries: ListState<RegistrySettings> & {
    tests: Record<string, RegistryTest>;
    load: () => Promise<void>;
    test: (host: string) => Promise<void>;
    /** Verifies the credentials against the registry, stores them, then refreshes the list. */
    login: (request: RegistryLogin) => Promise<LoginOutcome>;
    /** Resolves with the failure, or null once the registry is removed and the list refreshed. */
    remove: (host: string) => Promise<ApiError | null>;
  };
}

export const createRegistriesSlice: StateCreator<StoreState, [], [], RegistriesSlice> = (
  set,
  get,
) => {
  const patch = (values: Partial<RegistriesSlice['registries']>) =>
    set((state) => ({ registries: { ...state.registries, ...values } }));
  const patchTest = (host: string, test: RegistryTest) =>
    set((state) => ({
      registries: { ...state.registries, tests: { ...state.registries.tests, [host]: test } },
    }));
  const forgetTest = (host: string) =>
    set((state) => {
      const tests = { ...state.registries.tests };
      delete tests[host];
      return { registries: { ...state.registries, tests } };
    });
  return {
    registries: {
      ...emptyList(),
      tests: {},
      load: latestListLoader('registries.list', patch),
      test: async (host) => {
        patchTest(host, { running: true, result: null, error: null });
        try {
          const result = await call('registries.test', { host });
          patchTest(host, { running: false, result, error: null });
        } catch (error) {
          patchTest(host, {
            running: false,
            result: null,
            error: toApiError('registries.test', error),
          });
        }
      },
      login: async (request) => {
        try {
          const { host, authenticated } = await call('registries.login', request);
          forgetTest(host);
          await get().registries.load();
          return { ok: true, host, authenticated };
        } catch (error) {
          return { ok: false, error: toApiError('registries.login', error) };
        }
      },
      remove: async (host) => {
        try {
          await call('registries.remove', { host });
        } catch (error) {
          return toApiError('registries.remove', error);
        }
        forgetTest(host);
        await get().registries.load();
        return null;
      },
    },
  };
};
