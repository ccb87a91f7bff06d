/**
 * Customer accounts: who receives images, where (`<registry>/<namespace>/<image>`), with which
 * account, and which products they are entitled to; plus the connection test.
 */
export {
  CustomerStore,
  customerAccount,
  type CustomerClientOptions,
  type CustomerSave,
} from './store';
export { probeConnection } from './connection';
export { CONNECTION_TEST_REPOSITORY, normalizeNamespace, repositoryFor } from './rules';
