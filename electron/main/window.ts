import { BrowserWindow, shell } from 'electron';
import { join } from 'node:path';

/** Where the renderer comes from: the dev server while developing, the built files otherwise. */
export function rendererUrl(): string {
  const devServer = process.env.ELECTRON_RENDERER_URL;
  if (devServer) return devServer;
  return new URL(`file://${join(__dirname, '..', 'renderer', 'index.html')}`).toString();
}

/** True for requests that come from our own renderer and nowhere else. */
export function isOwnRenderer(url: string | undefined): boolean {
  if (!url) return false;
  const own = new URL(rendererUrl());
  const given = new URL(url);
  if (own.protocol === 'file:')
    return given.protocol === 'file:' && given.pathname === own.pathname;
  return given.origin === own.origin;
}

function openExternally(url: string) {
  // Only web links leave the app, and only to the user's own browser.
  if (/^https:\/\//i.test(url)) void shell.openExternal(url);
}

export function createMainWindow(): BrowserWindow {
  const window = new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 960,
    minHeight: 600,
    title: 'Consign',
    show: false,
    backgroundColor: '#ffffff',
    webPreferences: {
      preload: join(__dirname, '..', 'preload', 'index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    },
  });
  window.once('ready-to-show', () => window.show());

  const contents = window.webContents;
  contents.setWindowOpenHandler(({ url }) => {
    openExternally(url);
    return { action: 'deny' };
  });
  contents.on('will-navigate', (event, url) => {
    if (url !== contents.getURL()) {
      event.preventDefault();
      openExternally(url);
    }
  });
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());

  void window.loadURL(rendererUrl());
  return window;
}
