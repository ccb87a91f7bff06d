import type { KeychainStatus, SystemStatus, WorkspaceStatus } from '../../../shared/contract';
import { schemaVersion } from '../db';
import type { Engine } from '../engine';
import { ConsignError } from '../errors';
import { keychainBackend } from '../keychain';

function workspaceStatus(engine: Engine): WorkspaceStatus {
  const { store } = engine;
  if (store instanceof ConsignError) {
    return {
      state: 'error',
      path: engine.workspacePath,
      writable: false,
      database: '',
      schemaVersion: 0,
      auditEvents: 0,
      auditIntact: false,
      message: store.message,
      ...(store.remedy === undefined ? {} : { remedy: store.remedy }),
    };
  }
  const chain = store.audit.verify();
  const base = {
    path: store.workspace.path,
    writable: true,
    database: store.workspace.databasePath,
    schemaVersion: schemaVersion(store.db),
    auditEvents: chain.events,
    auditIntact: chain.ok,
  };
  if (!chain.ok) {
    return {
      ...base,
      state: 'error',
      message: `The audit log has been tampered with or damaged at event ${chain.firstBadSeq}: ${chain.reason}.`,
      remedy:
        'Keep this workspace as evidence, restore it from a backup, and export what verifies.',
    };
  }
  return {
    ...base,
    state: 'ok',
    message: `Workspace ready; the audit log holds ${chain.events} ${chain.events === 1 ? 'event' : 'events'} and verifies.`,
  };
}

async function keychainStatus(engine: Engine): Promise<KeychainStatus> {
  const base = { service: engine.keychain.service, backend: keychainBackend() };
  try {
    await engine.keychain.probe();
    return {
      ...base,
      state: 'ok',
      available: true,
      message: `${base.backend} is available and unlocked.`,
    };
  } catch (error) {
    const known = error instanceof ConsignError ? error : null;
    return {
      ...base,
      state: 'error',
      available: false,
      message: known?.message ?? 'The keychain could not be used.',
      ...(known?.remedy === undefined ? {} : { remedy: known.remedy }),
    };
  }
}

/** Checks the workspace, the keychain and the Docker engine: what works and how to fix the rest. */
export async function systemStatus(engine: Engine): Promise<SystemStatus> {
  const [keychain, docker] = await Promise.all([keychainStatus(engine), engine.docker.status()]);
  return {
    checkedAt: new Date().toISOString(),
    workspace: workspaceStatus(engine),
    keychain,
    docker,
  };
}
