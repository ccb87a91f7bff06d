// Test connection: can we reach the customer's registry, does it accept the account, and may the
// account push into the namespace? Each failing step is told in plain words with what to do; the
// registry's answer never throws.
import type { Customer, CustomerTest } from '../../../shared/contract';
import { ConsignError, toErrorInfo } from '../errors';
import type { RegistryClient } from '../registry';
import { CONNECTION_TEST_REPOSITORY } from './rules';

/** Where to change a customer's settings, in the app or with the command and these flags. */
function editHint(customer: Customer, flags: string): string {
  return `edit the customer in the app, or run \`consign customers edit "${customer.name}" ${flags}\``;
}

/** Why the registry could not be reached, and what to change on our side or theirs. */
function unreachable(customer: Customer, error: unknown): CustomerTest {
  const { message } = toErrorInfo(error);
  let remedy: string;
  if (/TLS certificate|speaks HTTPS/.test(message)) {
    remedy = `If the registry uses a private CA, give the customer its certificate as the CA file: ${editHint(customer, '--ca-file CA.pem')}.`;
  } else if (/No TLS connection/.test(message)) {
    remedy = `Check the port; a registry on a trusted private network that only speaks plain HTTP must be marked as such: ${editHint(customer, '--insecure-http')}.`;
  } else {
    remedy = `Check the address ${customer.registry}, the network between here and there, and that the registry is running.`;
  }
  return {
    name: customer.name,
    reachable: false,
    authenticated: false,
    canPush: false,
    error: message,
    remedy,
  };
}

/** Why the registry did not accept the account. */
function refused(customer: Customer, error: unknown): CustomerTest {
  const info = toErrorInfo(error);
  const base = { name: customer.name, reachable: true, authenticated: false, canPush: false };
  if (info.code === 'NOT_FOUND' || info.code.startsWith('KEYCHAIN')) {
    return { ...base, error: info.message, ...(info.remedy ? { remedy: info.remedy } : {}) };
  }
  if (info.code !== 'CHECK_FAILED') {
    return {
      ...base,
      error: info.message,
      remedy: info.remedy ?? 'Try again; if it persists, ask the registry administrator.',
    };
  }
  if (customer.auth === 'none') {
    return {
      ...base,
      error: `The registry ${customer.registry} requires a username and password, and this customer has none.`,
      remedy: `Set basic or token authentication with the customer's account: ${editHint(customer, '--auth basic --username USER --password-stdin')}.`,
    };
  }
  if (/refused the credentials/.test(info.message)) {
    return {
      ...base,
      error: `The registry ${customer.registry} refused the username ${customer.username ?? ''} and its password: they are wrong or the account is disabled.`,
      remedy: `Check the account with the customer and enter the password again: ${editHint(customer, '--password-stdin')}.`,
    };
  }
  return { ...base, error: info.message, ...(info.remedy ? { remedy: info.remedy } : {}) };
}

/** Why the account may not push into the customer's namespace. */
function cannotPush(customer: Customer, repository: string, error: unknown): CustomerTest {
  const info = toErrorInfo(error);
  const base = { name: customer.name, reachable: true, authenticated: true, canPush: false };
  if (info.code === 'REGISTRY_UNAVAILABLE') {
    return { ...unreachable(customer, error), reachable: true, authenticated: true };
  }
  if (customer.auth === 'none' && /requires credentials/.test(info.message)) {
    // The API check passes anonymously on registries that only guard repositories.
    return {
      ...base,
      authenticated: false,
      error: `The registry ${customer.registry} requires a username and password, and this customer has none.`,
      remedy: `Set basic or token authentication with the customer's account: ${editHint(customer, '--auth basic --username USER --password-stdin')}.`,
    };
  }
  if (/not allowed to push/.test(info.message)) {
    return {
      ...base,
      error: `The account ${customer.username ?? ''} may not push to ${repository} on ${customer.registry}.`,
      remedy: `Ask the registry administrator for push permission on ${customer.namespace}, or use an account that has it.`,
    };
  }
  return {
    ...base,
    error: info.message,
    remedy: info.remedy ?? `Check the namespace ${customer.namespace} with the customer.`,
  };
}

/**
 * Runs the three checks in order, each only if the one before passed. Push permission is proven by
 * starting a blob upload in `<namespace>/consign-connection-test` and cancelling it: nothing is
 * written, so no repository, blob or tag is left behind.
 */
export async function probeConnection(
  client: RegistryClient,
  customer: Customer,
): Promise<CustomerTest> {
  try {
    await client.ping();
  } catch (error) {
    if (error instanceof ConsignError && error.code === 'REGISTRY_UNAVAILABLE') {
      return unreachable(customer, error);
    }
    return refused(customer, error);
  }
  const repository = `${customer.namespace}/${CONNECTION_TEST_REPOSITORY}`;
  try {
    await client.probePush(repository);
  } catch (error) {
    return cannotPush(customer, repository, error);
  }
  return { name: customer.name, reachable: true, authenticated: true, canPush: true };
}
