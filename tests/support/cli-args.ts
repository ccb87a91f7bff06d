// Argument lists for the `consign` commands many tests run the same way. No test runner imports
// here, so the end-to-end specs use them too.

/** `consign login` for an account whose password goes to stdin (with its CA, when it has one). */
export function loginArgs(account: { registry: string; username: string; caFile?: string }) {
  return [
    'login',
    account.registry,
    '--username',
    account.username,
    '--password-stdin',
    ...(account.caFile ? ['--ca-file', account.caFile] : []),
    '--json',
  ];
}

/** `consign customers add`: NAME, the registry and login arguments, the namespace and release. */
export function customerAddArgs(
  name: string,
  registryArgs: string[],
  namespace: string,
  entitle?: string,
): string[] {
  return [
    'customers',
    'add',
    name,
    ...registryArgs,
    '--namespace',
    namespace,
    ...(entitle ? ['--entitle', entitle] : []),
    '--json',
  ];
}

/** What names a release for `deliver` and `bundle export`: release, images, customers and key. */
export function releaseArgs(release: {
  release: string;
  images: string[];
  customers?: string[];
  key: string;
}): string[] {
  return [
    '--release',
    release.release,
    ...release.images.flatMap((image) => ['--image', image]),
    ...(release.customers ?? []).flatMap((customer) => ['--customer', customer]),
    '--key',
    release.key,
  ];
}
