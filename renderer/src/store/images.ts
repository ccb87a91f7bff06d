import type { StateCreator } from 'zustand';
import type { LocalImage } from '../../../shared/contract';
import { emptyList, latestListLoader, type ListState } from './list';
import type { StoreState } from '.';

export type ImageSortColumn = 'repository' | 'tag' | 'size' | 'created';
export interface ImageSort {
  column: ImageSortColumn;
  direction: 'ascending' | 'descending';
}

export interface ImagesSlice {
  images: ListState<LocalImage> & {
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
  return {
    images: {
      ...emptyList(),
      filter: '',
      sort: { column: 'created', direction: 'descending' },
      load: latestListLoader('images.list', patch),
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
