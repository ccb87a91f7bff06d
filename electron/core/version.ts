import { version } from '../../package.json';

/** This build's version, from package.json (bundled in at build time). */
export const APP_VERSION: string = version;
