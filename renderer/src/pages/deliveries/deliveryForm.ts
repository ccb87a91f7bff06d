/**
 * The New delivery form's values, its checks and the request it sends. The checks mirror the
 * contract so a mistake is explained next to its field before anything is sent; the engine
 * validates everything again.
 */
import { ReleaseText, type Customer, type DeliveryRequest } from '../../../../shared/contract';

export interface DeliveryFormValues {
  release: string;
  /** One image reference per line. */
  images: string;
  customers: string[];
  keyId: string | null;
  policy: string;
}

/** A field's problem; each has a message under `deliveries.form.problem`. */
export type DeliveryFormProblem =
  | 'releaseRequired'
  | 'releaseInvalid'
  | 'imagesRequired'
  | 'imagesTooMany'
  | 'imageTransport'
  | 'imageDuplicate'
  | 'customersRequired'
  | 'keyRequired';

export type DeliveryFormProblems = Partial<
  Record<'release' | 'images' | 'customers' | 'keyId', DeliveryFormProblem>
>;

/** The contract's limit of images per delivery. */
const MAX_IMAGES = 100;

/** The image sources a delivery reads, as the command spells them. */
const TRANSPORTS = ['docker://', 'docker-daemon:', 'oci:', 'docker-archive:'];

export function emptyDeliveryForm(): DeliveryFormValues {
  return { release: '', images: '', customers: [], keyId: null, policy: '' };
}

/** The form filled from a request sent before (Back from the plan). */
export function formFromRequest(request: DeliveryRequest): DeliveryFormValues {
  return {
    release: request.release,
    images: request.images.join('\n'),
    customers: [...request.customers],
    keyId: request.keyId,
    policy: request.policy ?? '',
  };
}

/** The non-empty lines of the images field, trimmed. */
export function imageLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

/** `NAME` of `NAME@VERSION`: the product customers are entitled to. */
export function productOf(release: string): string {
  const at = release.trim().lastIndexOf('@');
  return at > 0 ? release.trim().slice(0, at) : '';
}

export function isEntitled(customer: Pick<Customer, 'entitlements'>, release: string): boolean {
  const product = productOf(release);
  return product !== '' && customer.entitlements.includes(product);
}

/** Customers as choices of a picker, by name in alphabetical order. */
export function customerChoices(
  customers: readonly Pick<Customer, 'name'>[],
): { value: string; label: string }[] {
  return [...customers]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((customer) => ({ value: customer.name, label: customer.name }));
}

/** The problems of the fields a delivery and a bundle export share: release, images, key. */
export function checkReleaseFields(values: {
  release: string;
  images: string;
  keyId: string | null | undefined;
}): Partial<
  Record<'release' | 'images' | 'keyId', Exclude<DeliveryFormProblem, 'customersRequired'>>
> {
  const problems: ReturnType<typeof checkReleaseFields> = {};
  const release = values.release.trim();
  if (!release) problems.release = 'releaseRequired';
  else if (!ReleaseText.safeParse(release).success) problems.release = 'releaseInvalid';

  const images = imageLines(values.images);
  if (images.length === 0) problems.images = 'imagesRequired';
  else if (images.length > MAX_IMAGES) problems.images = 'imagesTooMany';
  else if (images.some((image) => !TRANSPORTS.some((prefix) => image.startsWith(prefix)))) {
    problems.images = 'imageTransport';
  } else if (new Set(images).size !== images.length) problems.images = 'imageDuplicate';

  if (!values.keyId) problems.keyId = 'keyRequired';
  return problems;
}

export function checkDeliveryForm(values: DeliveryFormValues): DeliveryFormProblems {
  const problems: DeliveryFormProblems = checkReleaseFields(values);
  if (values.customers.length === 0) problems.customers = 'customersRequired';
  return problems;
}

/** The request for valid values, or null while a field has a problem. */
export function deliveryRequest(values: DeliveryFormValues): DeliveryRequest | null {
  if (Object.keys(checkDeliveryForm(values)).length > 0 || !values.keyId) return null;
  const policy = values.policy.trim();
  return {
    release: values.release.trim(),
    images: imageLines(values.images),
    customers: values.customers,
    keyId: values.keyId,
    ...(policy ? { policy } : {}),
  };
}
