import type {
  Delivery,
  DeliveryCustomer,
  DeliveryImage,
  DeliveryPlan,
  DeliveryRequest,
  DeliverySummary,
  DeliveryTarget,
  TraceHit,
} from '../../../shared/contract';
import type { TaskOptions } from '../tasks';

export type {
  Delivery,
  DeliveryCustomer,
  DeliveryImage,
  DeliveryPlan,
  DeliveryRequest,
  DeliverySummary,
  DeliveryTarget,
  TraceHit,
};

/** The in-toto predicate type of the delivery record Consign attaches to each delivered image. */
export const DELIVERY_RECORD_PREDICATE_TYPE = 'https://consign.dev/attestation/delivery/v1';

/** A run's task id (progress events, cancel) and the caller's own signal. */
export type DeliveryRunOptions = TaskOptions;

/**
 * A release already resolved, scanned, judged and signed elsewhere (an imported bundle): the
 * delivery copies what the source holds (images with their signatures and attestations), tags,
 * verifies with the given public key and records, without signing anything itself.
 */
export interface PreparedRelease {
  release: string;
  /** The signing key as the bundle names it. */
  keyFingerprint: string;
  publicKeyPem: string;
  /** Where the bundle's contents live for as long as the delivery may be resumed. */
  bundleDir: string;
  /**
   * Each `source` is an `oci:DIR:NAME` reference into the extracted layout, which the transfer
   * engine reads with its signatures and attestations (referrers and cosign tags) included.
   */
  images: (DeliveryImage & { digest: NonNullable<DeliveryImage['digest']> })[];
  /** The scan inventory kept with each image (by position) for `trace`. */
  inventory: { purls: string[]; vulnerabilities: { id: string; purl: string }[] }[];
}

/** A release's images resolved to digests, scanned (from the cache when unchanged) and judged. */
export interface ReleaseAssessment {
  release: string;
  product: string;
  version: string;
  gate: 'pass' | 'block';
  /** The policy file's name, when one was given. */
  policyName?: string;
  images: (DeliveryImage & { digest: NonNullable<DeliveryImage['digest']> })[];
  inventory: PreparedRelease['inventory'];
}

/**
 * The delivery record's predicate (`DELIVERY_RECORD_PREDICATE_TYPE`): what was delivered to whom,
 * as judged by which scan and policy, signed with which key, when. `customer` is absent in a
 * bundle's record, which is made before anyone knows where the bundle will be pushed.
 */
export interface DeliveryRecord {
  delivery: string;
  release: { name: string; version: string };
  customer?: { name: string; registry: string; namespace: string };
  images: {
    name: string;
    tag: string;
    digest: string;
    ref?: string;
    scan?: DeliveryImage['scan'];
    verdict?: 'pass' | 'block';
  }[];
  policy: { name?: string; verdict: 'pass' | 'block' };
  signer: { keyFingerprint: string };
  time: string;
  producer: string;
}
