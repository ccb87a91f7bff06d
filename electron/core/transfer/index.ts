export { copyImage } from './copy';
export { collectGraph, collectArtifacts, cosignTag, type ImageGraph, type Artifact } from './graph';
export { fanOut } from './fan-out';
export { CompressedLayers } from './compressed-layers';
export { compressedGraph, gzipHashing, gzipMediaType, GZIP_ALGORITHM } from './compress';
export type * from './types';
