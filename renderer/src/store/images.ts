import type { StateCreator } from 'zustand';
import type { LocalImage } from '../../../shared/contract';
import { call, toApiError, type ApiError } from '../api';
import type { StoreState } from '.';

export type ImageSortColumn = 'repository' | 'tag' | 'size' | 'created';
export interface ImageSort {
  column: ImageSortColumn;
  direction: 'ascending' | 'descending';
}

export interface ImagesSlice {
  images: {
    items: LocalImage[];
    /** True once a list has been received (it may be empty). */
    loaded: boolean;
    loading: boolean;
    error: ApiError | null;
    filter: string;
    sort: ImageSort;
    load: () => Promise<void>;
    setFilter: (filter: string) => void;
    /** Sorts by `column`; choosing the current column again reverses the order. */
    sortBy: (column: ImageSortColumn) => void;
  };
}

export const createImagesSlice: StateCreator<StoreState, [], [], ImagesSlice> = (set, get) => {
  const patch = (values: Partial<ImagesSlice['images']>) =>
    set((state) => ({ images: { ...state.images, ...values } }));
  let latest = 0;
  return {
    images: {
      items: [],
      loaded: false,
      loading: false,
      error: null,
      filter: '',
      sort: { column: 'created', direction: 'descending' },
      load: async () => {
        const request = ++latest;
        patch({ loading: true });
        try {
          const items = await call('images.list', {});
          if (request === latest) patch({ items, loaded: true, loading: false, error: null });
        } catch (error) {
          if (request !== latest) return;
          // What the engine listed before may no longer be true: show the problem, not stale rows.
          patch({
            items: [],
            loaded: false,
            loading: false,
            error: toApiError('images.list', error),
          });
        }
      },
      setFilter: (filter) => patch({ filter }),
      sortBy: (column) => {
        const { sort } = get().images;
        const direction =
          sort.column === column
            ? sort.direction === 'ascending'
              ? 'descending'
              : 'ascending'
            : column === 'created' || column === 'size'
              ? 'descending'
              : 'ascending';
        patch({ sort: { column, direction } });
      },
    },
  };
};

/** The rows to show: filtered by the filter text (repository, tag or id) and sorted. */
export function visibleImages(
  items: readonly LocalImage[],
  filter: string,
  sort: ImageSort,
): LocalImage[] {
  const needle = filter.trim().toLowerCase();
  const matching = needle
    ? items.filter(
        (image) =>
          image.repository.toLowerCase().includes(needle) ||
          image.tag.toLowerCase().includes(needle) ||
          image.ref.toLowerCase().includes(needle) ||
          image.id.replace(/^sha256:/, '').startsWith(needle.replace(/^sha256:/, '')),
      )
    : [...items];
  const sign = sort.direction === 'ascending' ? 1 : -1;
  const compare = (a: LocalImage, b: LocalImage): number => {
    switch (sort.column) {
      case 'size':
        return a.size - b.size;
      case 'created':
        return a.created.localeCompare(b.created);
      default:
        return a[sort.column].localeCompare(b[sort.column]);
    }
  };
  return matching.sort((a, b) => sign * compare(a, b) || a.ref.localeCompare(b.ref));
}
