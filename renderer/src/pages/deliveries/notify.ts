/**
 * A desktop notification when a long delivery ends, so a release engineer who switched to other
 * work learns the outcome. Uses the web Notification API; silent where it is missing or denied.
 */

/** Deliveries shorter than this end while the person is still watching: no notification. */
export const NOTIFY_AFTER_MS = 20_000;

function notifications(): typeof Notification | undefined {
  return typeof Notification === 'undefined' ? undefined : Notification;
}

/** Asks once (on the first start), from the click that started the delivery. */
export function askNotificationPermission(): void {
  const api = notifications();
  if (!api || api.permission !== 'default') return;
  // A refusal or a failure only means no notification later.
  void api.requestPermission().catch(() => undefined);
}

/** Shows `title`/`body` if the run took long enough and notifications are allowed. */
export function notifyLongRun(elapsedMs: number, title: string, body: string): boolean {
  const api = notifications();
  if (elapsedMs < NOTIFY_AFTER_MS || !api || api.permission !== 'granted') return false;
  try {
    new api(title, { body, tag: 'consign-delivery' });
    return true;
  } catch {
    // Some hosts refuse `new Notification` outside a service worker: nothing to show then.
    return false;
  }
}
