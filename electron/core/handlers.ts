import type { AppInfo } from '../../shared/contract';
import type { Engine } from './engine';
import { createDispatcher, type Dispatch, type Handlers } from './rpc/dispatch';
import { systemStatus } from './system';
import { APP_VERSION } from './version';

export function appInfo(engine: Engine): AppInfo {
  return {
    name: 'Consign',
    version: APP_VERSION,
    host: engine.host,
    platform: `${process.platform}-${process.arch}`,
    engineNode: process.versions.node,
  };
}

/** The engine side of every contract channel. */
export function engineHandlers(engine: Engine): Handlers {
  return {
    'app.info': () => appInfo(engine),
    'system.status': () => systemStatus(engine),
    'images.list': (request) => engine.docker.listImages({ all: request.all ?? false }),
    'audit.verify': () => engine.requireStore().audit.verify(),
  };
}

export function engineDispatcher(
  engine: Engine,
  onUnexpected?: (channel: string, error: unknown) => void,
): Dispatch {
  return createDispatcher(engineHandlers(engine), onUnexpected);
}
