/** The engine's public face for hosts (desktop app, CLI, browser preview). */
export { createEngine, currentActor, type Engine, type EngineOptions } from './engine';
export { engineDispatcher, engineHandlers, appInfo } from './handlers';
export type { Dispatch } from './rpc/dispatch';
export { serveWire, type WireMessage, type WireRequest } from './rpc/wire';
export { ConsignError, exitCodeOf, kindOf, toErrorInfo, type ErrorKind } from './errors';
export { systemStatus } from './system';
export { APP_VERSION } from './version';
