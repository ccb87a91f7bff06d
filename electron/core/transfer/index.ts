export { copyImage } from './copy';
export { collectGraph, collectArtifacts, cosignTag, type ImageGraph, type Artifact } from './graph';
export { fanOut } from './fan-out';
export type * from './types';
