import { randomUUID } from 'node:crypto';
import type { AppInfo } from '../../shared/contract';
import type { Engine } from './engine';
import { copyImages, inspectImage } from './images';
import { listRegistries, loginRegistry, removeRegistry, testRegistry } from './registries';
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
    'images.inspect': (request) => inspectImage(engine, request.ref),
    'images.copy': (request) => {
      const taskId = request.taskId ?? randomUUID();
      const throttle = new Map<string, number>();
      return copyImages(engine, request.source, request.destinations, {
        overwrite: request.overwrite ?? false,
        onProgress(progress) {
          // At most ten updates a second per blob and destination, but every end state.
          const key = `${progress.destination} ${progress.digest}`;
          const now = Date.now();
          if (progress.state === 'running' && now - (throttle.get(key) ?? 0) < 100) return;
          throttle.set(key, now);
          engine.events.emit('progress', {
            taskId,
            label: `${progress.destination} ${progress.digest.slice(7, 19)}`,
            state: progress.state,
            done: progress.done,
            total: progress.total,
            unit: 'bytes',
            destination: progress.destination,
            item: progress.digest,
          });
        },
      });
    },
    'registries.list': () => listRegistries(engine),
    'registries.login': (request) => loginRegistry(engine, request),
    'registries.test': (request) => testRegistry(engine, request.host),
    'registries.remove': (request) => removeRegistry(engine, request.host),
    'keys.list': () => engine.requireStore().keys.list(),
    'keys.generate': (request) => engine.requireStore().keys.generate(request.name),
    'keys.import': (request) =>
      engine.requireStore().keys.import(request.name, request.path, request.passphrase),
    'keys.exportPublic': (request) => ({
      pem: engine.requireStore().keys.exportPublic(request.id),
    }),
    'keys.export': (request) =>
      engine.requireStore().keys.export(request.id, request.path, request.passphrase),
    'keys.revoke': (request) => engine.requireStore().keys.revoke(request.id, request.reason),
  };
}

export function engineDispatcher(
  engine: Engine,
  onUnexpected?: (channel: string, error: unknown) => void,
): Dispatch {
  return createDispatcher(engineHandlers(engine), onUnexpected);
}
