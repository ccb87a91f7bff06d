import { describe, expect, it } from 'vitest';
import { ConsignError } from '../errors';
import { dockerEndpoint } from '.';

describe('dockerEndpoint', () => {
  it('reads unix sockets and TCP addresses from DOCKER_HOST', () => {
    expect(dockerEndpoint({ DOCKER_HOST: 'unix:///run/x.sock' }).options).toEqual({
      socketPath: '/run/x.sock',
    });
    expect(dockerEndpoint({ DOCKER_HOST: 'tcp://127.0.0.1:2375' }).options).toEqual({
      protocol: 'http',
      host: '127.0.0.1',
      port: 2375,
    });
    expect(dockerEndpoint({ DOCKER_HOST: 'tcp://[::1]', DOCKER_TLS_VERIFY: '1' }).options).toEqual({
      protocol: 'https',
      host: '::1',
      port: 2376,
    });
  });

  it('falls back to the platform default socket', () => {
    expect(dockerEndpoint({}).display).toMatch(/docker/);
  });

  it('rejects an address it cannot use, saying what it expects', () => {
    expect(() => dockerEndpoint({ DOCKER_HOST: 'ssh://me@host' })).toThrow(ConsignError);
    expect(() => dockerEndpoint({ DOCKER_HOST: 'ssh://me@host' })).toThrow(/not an address/);
  });
});
