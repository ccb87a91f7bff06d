/** Where the browser preview serves its parts. The messages are the engine's wire format. */
export type { WireMessage, WireRequest } from '../core/rpc/wire';

export const RPC_PATH = '/rpc';
export const BRIDGE_PATH = '/consign-preview-bridge.js';
export const TOKEN_PARAM = 'token';
