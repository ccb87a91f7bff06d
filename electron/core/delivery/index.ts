/**
 * Deliveries: a release's images resolved, scanned, judged by a policy, signed and pushed into
 * each entitled customer's registry, verified there and recorded, as a state machine saved in
 * SQLite step by step so any run can be resumed.
 */
export * from './types';
export {
  assessRelease,
  planDelivery,
  startDelivery,
  resumeDelivery,
  deliverPrepared,
} from './workflow';
export { listDeliveries, getDelivery } from './store';
export { traceDeliveries } from './trace';
export { saveDeliveryRecords } from './records';
