import { describe, expect, it, vi } from 'vitest';
import { ConsignError } from '../errors';
import { createDispatcher, type Handlers } from './dispatch';

const appInfo = {
  name: 'Consign',
  version: '1.0.0',
  host: 'test' as const,
  platform: 'linux-x64',
  engineNode: '22.0.0',
};

function handlers(overrides: Partial<Handlers> = {}): Handlers {
  return {
    'app.info': () => appInfo,
    'system.status': () => {
      throw new Error('not used');
    },
    'images.list': () => [],
    'audit.verify': () => ({ ok: true, events: 0, firstBadSeq: null }),
    ...overrides,
  } as Handlers;
}

describe('createDispatcher', () => {
  it('answers a valid request', async () => {
    const dispatch = createDispatcher(handlers());
    expect(await dispatch('app.info', {})).toEqual({ ok: true, data: appInfo });
  });

  it.each([
    ['missing', undefined],
    ['a number', 42],
    ['__proto__', '__proto__'],
    ['toString', 'toString'],
    ['a channel-like string', 'images.delete'],
    ['an object', { channel: 'app.info' }],
  ])('rejects an unknown channel (%s)', async (_label, channel) => {
    const result = await createDispatcher(handlers())(channel, {});
    expect(result).toMatchObject({ ok: false, error: { code: 'UNKNOWN_CHANNEL' } });
  });

  it.each([
    ['a string', 'all'],
    ['an array', [true]],
    ['a wrong type', { all: 'yes' }],
    ['an unknown member', { all: true, extra: 1 }],
    ['a prototype key', JSON.parse('{"__proto__": {"all": true}}')],
  ])('rejects a malformed request (%s) before the handler runs', async (_label, request) => {
    const list = vi.fn(() => []);
    const result = await createDispatcher(handlers({ 'images.list': list }))(
      'images.list',
      request,
    );
    expect(result).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect(list).not.toHaveBeenCalled();
  });

  it('passes a ConsignError through with its code and remedy', async () => {
    const dispatch = createDispatcher(
      handlers({
        'images.list': () => {
          throw new ConsignError('DOCKER_UNAVAILABLE', 'Docker is not running.', {
            remedy: 'Start it.',
          });
        },
      }),
    );
    expect(await dispatch('images.list', {})).toEqual({
      ok: false,
      error: { code: 'DOCKER_UNAVAILABLE', message: 'Docker is not running.', remedy: 'Start it.' },
    });
  });

  it('hides the text of unexpected errors, which may hold secrets, and reports them', async () => {
    const onUnexpected = vi.fn();
    const dispatch = createDispatcher(
      handlers({
        'images.list': () => {
          throw new Error('password=hunter2 at /home/x');
        },
      }),
      onUnexpected,
    );
    const result = await dispatch('images.list', {});
    expect(result).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
    expect(JSON.stringify(result)).not.toContain('hunter2');
    expect(onUnexpected).toHaveBeenCalledWith('images.list', expect.any(Error));
  });

  it('refuses to send a response that breaks the contract', async () => {
    const dispatch = createDispatcher(
      handlers({ 'app.info': () => ({ ...appInfo, secret: 'x' }) as never }),
    );
    expect(await dispatch('app.info', {})).toMatchObject({
      ok: false,
      error: { code: 'INTERNAL' },
    });
  });

  it('survives a storm of random payloads without throwing', async () => {
    const dispatch = createDispatcher(handlers());
    const samples: unknown[] = [
      null,
      0,
      -1,
      '',
      'x'.repeat(10_000),
      [],
      {},
      { a: { b: [] } },
      true,
    ];
    const channels: unknown[] = ['app.info', 'images.list', 'audit.verify', 'nope', null, 7];
    for (const channel of channels) {
      for (const request of samples) {
        const result = await dispatch(channel, request);
        expect(typeof result.ok).toBe('boolean');
      }
    }
  });
});
