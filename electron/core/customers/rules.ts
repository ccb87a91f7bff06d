// The rules a customer account's fields follow, and where its images go. Pure: no I/O.
import { isRepositoryName, REPOSITORY_COMPONENT } from '../../../shared/reference';
import { ConsignError } from '../errors';

/** Leaves room after the namespace for the image's own name (a repository is at most 255). */
export const MAX_NAMESPACE_LENGTH = 200;

/** Where a connection test starts (and cancels) its upload, inside the customer's namespace. */
export const CONNECTION_TEST_REPOSITORY = 'consign-connection-test';

/**
 * A namespace as registries accept a repository path prefix: lower-case components of letters,
 * digits and single separators (`.`, `_`, `__`, `-`), joined by `/`. Slashes around it are
 * dropped (they are a paste away); anything else wrong is refused with what to type instead.
 */
export function normalizeNamespace(input: string): string {
  const namespace = input.trim().replace(/^\/+|\/+$/g, '');
  const shown = input.trim().slice(0, 200);
  if (namespace === '') {
    throw new ConsignError('BAD_INPUT', 'The namespace is empty.', {
      remedy: 'Give the path under which the customer receives images, for example acme/prod.',
    });
  }
  if (namespace.length > MAX_NAMESPACE_LENGTH) {
    throw new ConsignError(
      'BAD_INPUT',
      `The namespace is ${namespace.length} characters long; at most ${MAX_NAMESPACE_LENGTH} leave room for image names.`,
      { remedy: 'Use a shorter namespace.' },
    );
  }
  if (!isRepositoryName(namespace)) {
    const lower = namespace.toLowerCase();
    const bad = namespace.split('/').find((part) => !REPOSITORY_COMPONENT.test(part)) ?? '';
    throw new ConsignError(
      'BAD_INPUT',
      bad === ''
        ? `"${shown}" is not a valid namespace: it has an empty path component (//).`
        : `"${shown}" is not a valid namespace: "${bad.slice(0, 100)}" is not a repository path component.`,
      {
        remedy:
          isRepositoryName(lower) && lower !== namespace
            ? `Registries only accept lower case: use "${lower}".`
            : 'Use lower-case letters and digits, separated by single ".", "_", "__" or "-", with "/" between components (for example acme/prod).',
      },
    );
  }
  return namespace;
}

/** As long as a customer's name may be (the contract's limit too). */
export const MAX_CUSTOMER_NAME_LENGTH = 120;

/** A customer's display name: trimmed, non-empty, no control characters. */
export function normalizeCustomerName(input: string): string {
  const name = input.trim();
  if (name.length > MAX_CUSTOMER_NAME_LENGTH) {
    throw new ConsignError(
      'BAD_INPUT',
      `A customer name may be at most ${MAX_CUSTOMER_NAME_LENGTH} characters long.`,
      { remedy: 'Use a shorter name; notes can hold the rest.' },
    );
  }
  // eslint-disable-next-line no-control-regex
  if (name === '' || /[\u0000-\u001f\u007f]/.test(name)) {
    throw new ConsignError('BAD_INPUT', 'A customer name must be non-empty text on one line.', {
      remedy: 'Give the customer a name such as "Acme Corp".',
    });
  }
  return name;
}

/** A registry username: basic authentication cannot carry a colon in it. */
export function checkUsername(username: string): string {
  if (username.trim() === '' || username.includes(':') || /[\r\n]/.test(username)) {
    throw new ConsignError(
      'BAD_INPUT',
      'The username is empty or contains a colon or line break.',
      {
        remedy: "Give the customer's registry account name.",
      },
    );
  }
  return username;
}

/** Product names, trimmed, each once, in the order first given. */
export function normalizeProducts(products: readonly string[]): string[] {
  const seen = new Set<string>();
  for (const product of products) {
    const name = product.trim();
    if (name === '') {
      throw new ConsignError('BAD_INPUT', 'A product name is empty.', {
        remedy: 'Name each product (release name) the customer may receive.',
      });
    }
    seen.add(name);
  }
  return [...seen];
}

/**
 * Where a customer receives an image: `<namespace>/<last segment of the source repository>`, so
 * `vendor/apps/api` goes to `acme/prod/api`.
 */
export function repositoryFor(customer: { namespace: string }, sourceRepository: string): string {
  const last = sourceRepository.split('/').filter(Boolean).pop() ?? '';
  if (!REPOSITORY_COMPONENT.test(last)) {
    throw new ConsignError(
      'BAD_INPUT',
      `"${sourceRepository.slice(0, 200)}" is not a repository name.`,
      { remedy: 'Repository names are lower-case letters, digits and the separators . _ - /.' },
    );
  }
  const repository = `${customer.namespace}/${last}`;
  if (!isRepositoryName(repository)) {
    throw new ConsignError(
      'BAD_INPUT',
      `${repository.slice(0, 200)}… is longer than a registry accepts (255 characters).`,
      { remedy: "Shorten the customer's namespace or the image's repository name." },
    );
  }
  return repository;
}
