/**
 * The typed bridge: exactly `window.consign` (invoke a contract channel, subscribe to engine
 * events), nothing else from Node or Electron reaches the page.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import {
  IPC_EVENT_CHANNEL,
  isChannelName,
  isEventName,
  type ConsignBridge,
  type EventName,
} from '../../shared/contract';

const bridge: ConsignBridge = {
  invoke(channel, request) {
    if (!isChannelName(channel)) {
      return Promise.resolve({
        ok: false,
        error: {
          code: 'UNKNOWN_CHANNEL',
          message: `There is no channel named ${String(channel)}.`,
        },
      });
    }
    return ipcRenderer.invoke(channel, request);
  },
  on(event, listener) {
    if (!isEventName(event)) return () => {};
    const relay = (_: IpcRendererEvent, message: { event: EventName; payload: unknown }) => {
      if (message?.event === event) listener(message.payload as never);
    };
    ipcRenderer.on(IPC_EVENT_CHANNEL, relay);
    return () => {
      ipcRenderer.removeListener(IPC_EVENT_CHANNEL, relay);
    };
  },
};

contextBridge.exposeInMainWorld('consign', bridge);
