import type { StateCreator } from 'zustand';
import type {
  ImageSignatures,
  RequestOf,
  SignatureFormat,
  SignResult,
} from '../../../shared/contract';
import { call, toApiError, type ApiError } from '../api';
import { isRegistryReference } from '../lib/reference';
import type { StoreState } from '.';

/** What the Sign dialog sends. */
export type SignRequest = RequestOf<'images.sign'>;

/** The answer of a signing request, or why it failed. */
export type SignOutcome = { ok: true; data: SignResult } | { ok: false; error: ApiError };

/** Both formats: what a customer's verifier reads, whichever cosign version it runs. */
export const defaultFormats: readonly SignatureFormat[] = ['legacy', 'bundle'];

export interface SigningSlice {
  signing: {
    /** The registry image whose signatures are shown (null for any other reference). */
    ref: string | null;
    result: ImageSignatures | null;
    loading: boolean;
    error: ApiError | null;
    /**
     * Lists the signatures of `ref`, each checked against the workspace's keys. Only registry
     * images carry signatures; for any other reference the list is cleared without asking.
     */
    load: (ref: string) => Promise<void>;
    reload: () => Promise<void>;
    clear: () => void;
    /**
     * Signs a registry image, then refreshes its signatures (if they are shown) and the keys,
     * whose "last used" the signing changed.
     */
    sign: (request: SignRequest) => Promise<SignOutcome>;
  };
}

export const createSigningSlice: StateCreator<StoreState, [], [], SigningSlice> = (set, get) => {
  const patch = (values: Partial<SigningSlice['signing']>) =>
    set((state) => ({ signing: { ...state.signing, ...values } }));
  // Only the latest request's answer is shown, so a slow old one never overwrites a newer one.
  let latest = 0;
  const list = async (ref: string) => {
    const request = ++latest;
    patch({ ref, loading: true, error: null });
    try {
      const result = await call('images.signatures', { ref });
      if (request === latest) patch({ result, loading: false });
    } catch (error) {
      if (request === latest) {
        patch({ result: null, loading: false, error: toApiError('images.signatures', error) });
      }
    }
  };
  const clear = () => {
    latest++;
    patch({ ref: null, result: null, loading: false, error: null });
  };

  return {
    signing: {
      ref: null,
      result: null,
      loading: false,
      error: null,
      load: async (input) => {
        const ref = input.trim();
        if (!isRegistryReference(ref)) {
          clear();
          return;
        }
        // Another image's signatures must never show under this reference, even for a moment.
        if (get().signing.ref !== ref) patch({ result: null });
        await list(ref);
      },
      reload: async () => {
        const { ref } = get().signing;
        if (ref) await list(ref);
      },
      clear,
      sign: async (request) => {
        let outcome: SignOutcome;
        try {
          outcome = { ok: true, data: await call('images.sign', request) };
        } catch (error) {
          outcome = { ok: false, error: toApiError('images.sign', error) };
        }
        // Even a failure part-way may have written one format, and reading the key counts as
        // using it: refresh both whatever the outcome.
        const shown = get().signing.ref === request.ref.trim();
        await Promise.all([shown ? list(request.ref.trim()) : undefined, get().keys.load()]);
        return outcome;
      },
    },
  };
};
