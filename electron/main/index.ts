/**
 * Electron's main process: app lifecycle, the secure window, the menu, and one loop that relays
 * every contract channel to the engine (which runs in a utility process).
 */
import { app, BrowserWindow, ipcMain, session } from 'electron';
import { channelNames, IPC_EVENT_CHANNEL, type Result } from '../../shared/contract';
import { CONTENT_SECURITY_POLICY } from '../../shared/csp';
import { startEngine } from './engine-client';
import { installMenu } from './menu';
import { createMainWindow, isOwnRenderer } from './window';

app.enableSandbox();

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    const [window] = BrowserWindow.getAllWindows();
    if (window) {
      if (window.isMinimized()) window.restore();
      window.focus();
    }
  });
  void app.whenReady().then(start);
}

function start() {
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({
      responseHeaders: {
        ...details.responseHeaders,
        'Content-Security-Policy': [CONTENT_SECURITY_POLICY],
      },
    });
  });
  // The app needs no camera, notifications, geolocation or anything else a page might ask for.
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) =>
    callback(false),
  );
  session.defaultSession.setPermissionCheckHandler(() => false);

  const engine = startEngine((event, payload) => {
    for (const window of BrowserWindow.getAllWindows()) {
      window.webContents.send(IPC_EVENT_CHANNEL, { event, payload });
    }
  });

  for (const channel of channelNames) {
    ipcMain.handle(channel, (event, request: unknown): Promise<Result<unknown>> | Result<never> => {
      if (!isOwnRenderer(event.senderFrame?.url)) {
        return {
          ok: false,
          error: { code: 'BAD_REQUEST', message: 'Request from an unknown page.' },
        };
      }
      // The engine validates `request` against the contract before anything else sees it.
      return engine.invoke(channel, request);
    });
  }

  installMenu();
  createMainWindow();

  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createMainWindow();
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('will-quit', () => engine.stop());
}
