export * from './media-types';
export * from './digest';
export * from './reference';
export * from './manifest';
