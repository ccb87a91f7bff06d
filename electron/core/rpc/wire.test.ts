import { describe, expect, it } from 'vitest';
import { createDispatcher, type Handlers } from './dispatch';
import { EngineEvents } from './events';
import { serveWire, type WireMessage } from './wire';

const handlers = {
  'app.info': () => ({
    name: 'Consign',
    version: '1.0.0',
    host: 'test',
    platform: 'linux-x64',
    engineNode: '22.0.0',
  }),
} as unknown as Handlers;

function connect() {
  const posted: WireMessage[] = [];
  let receive: (message: unknown) => void = () => {};
  const events = new EngineEvents();
  const stop = serveWire(createDispatcher(handlers), events, {
    onMessage: (handler) => (receive = handler),
    post: (message) => posted.push(message),
  });
  const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
  return { posted, events, stop, settle, send: (m: unknown) => receive(m) };
}

describe('serveWire', () => {
  it('answers each request with a result carrying its id', async () => {
    const wire = connect();
    wire.send({ type: 'invoke', id: 7, channel: 'app.info', request: {} });
    await wire.settle();
    expect(wire.posted).toEqual([
      {
        type: 'result',
        id: 7,
        result: { ok: true, data: expect.objectContaining({ host: 'test' }) },
      },
    ]);
  });

  it.each([undefined, null, 'text', { type: 'invoke' }, { type: 'invoke', id: 1.5 }, { id: 1 }])(
    'answers %j with an error and keeps serving',
    async (message) => {
      const wire = connect();
      wire.send(message);
      wire.send({ type: 'invoke', id: 2, channel: 'app.info', request: {} });
      await wire.settle();
      expect(wire.posted[0]).toMatchObject({ type: 'error', error: { code: 'BAD_REQUEST' } });
      expect(wire.posted[1]).toMatchObject({ type: 'result', id: 2, result: { ok: true } });
    },
  );

  it('forwards engine events until stopped', () => {
    const wire = connect();
    const status = { subject: 'docker', state: 'ok', message: 'up' } as const;
    wire.events.emit('status', status);
    wire.stop();
    wire.events.emit('status', status);
    expect(wire.posted).toEqual([{ type: 'event', event: 'status', payload: status }]);
  });

  it('refuses to forward an event whose payload is outside the contract', () => {
    const wire = connect();
    const bad = { subject: 'docker', state: 'sideways', message: 'up' };
    expect(() => wire.events.emit('status', bad as never)).toThrow();
    expect(wire.posted).toEqual([]);
  });
});
