/// <reference types="vite/client" />
import type { ConsignBridge } from '../../shared/contract';

declare global {
  interface Window {
    /** The engine, as exposed by whichever host runs this renderer (Electron preload or preview). */
    readonly consign: ConsignBridge;
  }
}

export {};
