/**
 * The add/edit customer form's values, its checks and the request it sends. The checks mirror
 * the contract's limits so a mistake is explained next to its field before anything is sent;
 * the engine validates everything again.
 */
import type { Customer, CustomerAuth } from '../../../../shared/contract';
import { isRepositoryName } from '../../../../shared/reference';
import { isRegistryHost } from '../../lib/reference';
import type { CustomerSave } from '../../store/customers';

/** Everything the form edits except the password, which lives apart and is never pre-filled. */
export interface CustomerFormValues {
  name: string;
  registry: string;
  namespace: string;
  auth: CustomerAuth;
  username: string;
  caFile: string;
  insecureHttp: boolean;
  contacts: string[];
  notes: string;
  entitlements: string[];
}

/** Limits of `CustomerInput` in the contract. */
export const LIMITS = {
  name: 120,
  registry: 262,
  /** Leaves room after the namespace for the image's own name. */
  namespace: 200,
  username: 256,
  password: 8192,
  caFile: 4096,
  contacts: 50,
  contact: 500,
  notes: 10_000,
  entitlements: 1000,
  entitlement: 200,
} as const;

/** A field's problem; each has a message under `customers.form.problem`. */
export type FormProblem =
  | 'nameRequired'
  | 'nameTooLong'
  | 'nameTaken'
  | 'registryInvalid'
  | 'namespaceRequired'
  | 'namespaceInvalid'
  | 'namespaceTooLong'
  | 'usernameRequired'
  | 'usernameInvalid'
  | 'usernameTooLong'
  | 'passwordRequired'
  | 'passwordTooLong'
  | 'caFileTooLong'
  | 'contactsTooMany'
  | 'contactTooLong'
  | 'notesTooLong'
  | 'entitlementsTooMany'
  | 'entitlementTooLong';

export type FormField = keyof CustomerFormValues | 'password';
export type FormProblems = Partial<Record<FormField, FormProblem>>;

export const emptyValues: CustomerFormValues = {
  name: '',
  registry: '',
  namespace: '',
  auth: 'basic',
  username: '',
  caFile: '',
  insecureHttp: false,
  contacts: [],
  notes: '',
  entitlements: [],
};

/** The form filled from a stored customer, for editing. */
export function valuesOf(customer: Customer): CustomerFormValues {
  return {
    name: customer.name,
    registry: customer.registry,
    namespace: customer.namespace,
    auth: customer.auth,
    username: customer.username ?? '',
    caFile: customer.caFile ?? '',
    insecureHttp: customer.insecureHttp,
    contacts: [...customer.contacts],
    notes: customer.notes ?? '',
    entitlements: [...customer.entitlements],
  };
}

/** Whether this auth mode sends a username and password. */
export function needsCredentials(auth: CustomerAuth): boolean {
  return auth !== 'none';
}

/**
 * Checks the form. `editing` is the customer being edited (null when adding): a stored password
 * may then be kept by leaving the field empty. `others` are the other customers' names.
 */
export function validate(
  values: CustomerFormValues,
  password: string,
  editing: Customer | null,
  others: readonly string[],
): FormProblems {
  const problems: FormProblems = {};
  const name = values.name.trim();
  if (name === '') problems.name = 'nameRequired';
  else if (name.length > LIMITS.name) problems.name = 'nameTooLong';
  // Names are unique regardless of case.
  else if (others.some((other) => other.toLowerCase() === name.toLowerCase())) {
    problems.name = 'nameTaken';
  }

  const registry = values.registry.trim();
  if (!isRegistryHost(registry) || registry.length > LIMITS.registry) {
    problems.registry = 'registryInvalid';
  }

  const namespace = cleanNamespace(values.namespace);
  if (namespace === '') problems.namespace = 'namespaceRequired';
  else if (namespace.length > LIMITS.namespace) problems.namespace = 'namespaceTooLong';
  else if (!isRepositoryName(namespace)) problems.namespace = 'namespaceInvalid';

  if (needsCredentials(values.auth)) {
    const username = values.username.trim();
    if (username === '') problems.username = 'usernameRequired';
    else if (username.length > LIMITS.username) problems.username = 'usernameTooLong';
    // Basic authentication joins username and password with a colon.
    else if (username.includes(':')) problems.username = 'usernameInvalid';
    // Only a customer that already has a password in the keychain may leave it empty.
    const canKeep = editing !== null && editing.hasPassword;
    if (password === '' && !canKeep) problems.password = 'passwordRequired';
    else if (password.length > LIMITS.password) problems.password = 'passwordTooLong';
  }

  if (values.caFile.trim().length > LIMITS.caFile) problems.caFile = 'caFileTooLong';

  const contacts = cleanList(values.contacts);
  if (contacts.length > LIMITS.contacts) problems.contacts = 'contactsTooMany';
  else if (contacts.some((contact) => contact.length > LIMITS.contact)) {
    problems.contacts = 'contactTooLong';
  }

  if (values.notes.length > LIMITS.notes) problems.notes = 'notesTooLong';

  const entitlements = cleanList(values.entitlements);
  if (entitlements.length > LIMITS.entitlements) problems.entitlements = 'entitlementsTooMany';
  else if (entitlements.some((product) => product.length > LIMITS.entitlement)) {
    problems.entitlements = 'entitlementTooLong';
  }
  return problems;
}

/**
 * The request for a valid form. An empty password is left out, which keeps the stored one; a
 * customer without authentication sends neither username nor password.
 */
export function toRequest(
  values: CustomerFormValues,
  password: string,
  editing: Customer | null,
): CustomerSave {
  const caFile = values.caFile.trim();
  const notes = values.notes.trim();
  const credentials = needsCredentials(values.auth);
  return {
    ...(editing ? { id: editing.id } : {}),
    name: values.name.trim(),
    registry: values.registry.trim(),
    namespace: cleanNamespace(values.namespace),
    auth: values.auth,
    ...(credentials ? { username: values.username.trim() } : {}),
    ...(credentials && password !== '' ? { password } : {}),
    ...(caFile ? { caFile } : {}),
    insecureHttp: values.insecureHttp,
    contacts: cleanList(values.contacts),
    ...(notes ? { notes } : {}),
    entitlements: cleanList(values.entitlements),
  };
}

/** The namespace as stored: slashes around it are a paste away and dropped. */
export function cleanNamespace(namespace: string): string {
  return namespace.trim().replace(/^\/+|\/+$/g, '');
}

/** Trimmed, without empty entries or repeats, in the order given. */
function cleanList(items: readonly string[]): string[] {
  return [...new Set(items.map((item) => item.trim()).filter((item) => item !== ''))];
}
