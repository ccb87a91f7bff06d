import { afterEach, describe, expect, it, vi } from 'vitest';
import { askNotificationPermission, notifyLongRun, NOTIFY_AFTER_MS } from './notify';

/** A stand-in for the browser's Notification with the given permission; records what it shows. */
function fakeNotifications(permission: NotificationPermission) {
  const shown: { title: string; body?: string }[] = [];
  const requestPermission = vi.fn(() => Promise.resolve<NotificationPermission>('granted'));
  class Fake {
    static permission = permission;
    static requestPermission = requestPermission;
    constructor(title: string, options?: NotificationOptions) {
      shown.push({ title, ...(options?.body ? { body: options.body } : {}) });
    }
  }
  vi.stubGlobal('Notification', Fake);
  return { shown, requestPermission };
}

afterEach(() => vi.unstubAllGlobals());

describe('delivery notifications', () => {
  it('asks for permission once, only while the user has not answered', () => {
    const unanswered = fakeNotifications('default');
    askNotificationPermission();
    expect(unanswered.requestPermission).toHaveBeenCalledTimes(1);
    const denied = fakeNotifications('denied');
    askNotificationPermission();
    expect(denied.requestPermission).not.toHaveBeenCalled();
  });

  it('tells about a long run only, and only when allowed', () => {
    const granted = fakeNotifications('granted');
    expect(notifyLongRun(NOTIFY_AFTER_MS - 1, 'short', 'body')).toBe(false);
    expect(notifyLongRun(NOTIFY_AFTER_MS + 1, 'Delivery orbit@1 ended', 'Status: Delivered.')).toBe(
      true,
    );
    expect(granted.shown).toEqual([
      { title: 'Delivery orbit@1 ended', body: 'Status: Delivered.' },
    ]);

    const denied = fakeNotifications('denied');
    expect(notifyLongRun(NOTIFY_AFTER_MS * 2, 'title', 'body')).toBe(false);
    expect(denied.shown).toEqual([]);
  });

  it('does nothing where notifications do not exist', () => {
    vi.stubGlobal('Notification', undefined);
    expect(() => askNotificationPermission()).not.toThrow();
    expect(notifyLongRun(NOTIFY_AFTER_MS * 2, 'title', 'body')).toBe(false);
  });
});
