/**
 * window.consign for the browser preview: the same contract as the desktop app's preload, carried
 * over a token-guarded loopback WebSocket to the engine hosted by the preview server.
 */
import type { ConsignBridge, ErrorInfo, EventName, Result } from '../../shared/contract';
import { RPC_PATH, TOKEN_PARAM, type WireMessage, type WireRequest } from './protocol';

const TOKEN_KEY = 'consign.preview.token';

function takeToken(): string {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get(TOKEN_PARAM);
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    // Keep the token out of the address bar, history and screenshots.
    url.searchParams.delete(TOKEN_PARAM);
    window.history.replaceState(null, '', url.pathname + url.search + url.hash);
    return fromUrl;
  }
  return sessionStorage.getItem(TOKEN_KEY) ?? '';
}

const hostGone: ErrorInfo = {
  code: 'INTERNAL',
  message: 'The connection to the Consign preview server was lost.',
  remedy: 'Restart `npm run preview` and reload this page.',
};

function createBridge(): ConsignBridge {
  const token = takeToken();
  const socketUrl = new URL(RPC_PATH, window.location.href);
  socketUrl.protocol = socketUrl.protocol === 'https:' ? 'wss:' : 'ws:';
  socketUrl.searchParams.set(TOKEN_PARAM, token);
  const socket = new WebSocket(socketUrl);
  const opened = new Promise<boolean>((resolve) => {
    socket.addEventListener('open', () => resolve(true), { once: true });
    socket.addEventListener('close', () => resolve(false), { once: true });
  });
  let nextId = 1;
  const pending = new Map<number, (result: Result<unknown>) => void>();
  const listeners = new Map<EventName, Set<(payload: never) => void>>();

  socket.addEventListener('message', (message) => {
    let data: WireMessage;
    try {
      data = JSON.parse(String(message.data)) as WireMessage;
    } catch {
      return;
    }
    if (data.type === 'result') {
      pending.get(data.id)?.(data.result);
      pending.delete(data.id);
    } else if (data.type === 'event') {
      for (const listener of listeners.get(data.event) ?? []) listener(data.payload as never);
    }
  });
  socket.addEventListener('close', () => {
    for (const settle of pending.values()) settle({ ok: false, error: hostGone });
    pending.clear();
  });

  const bridge: ConsignBridge = {
    async invoke(channel, request) {
      if (!(await opened) || socket.readyState !== WebSocket.OPEN) {
        return { ok: false, error: hostGone };
      }
      const id = nextId++;
      const message: WireRequest = { type: 'invoke', id, channel, request };
      return new Promise((resolve) => {
        pending.set(id, resolve as (result: Result<unknown>) => void);
        socket.send(JSON.stringify(message));
      });
    },
    on(event, listener) {
      const set = listeners.get(event) ?? new Set();
      set.add(listener as (payload: never) => void);
      listeners.set(event, set);
      return () => set.delete(listener as (payload: never) => void);
    },
  };
  return Object.freeze(bridge);
}

Object.defineProperty(window, 'consign', { value: createBridge(), writable: false });
