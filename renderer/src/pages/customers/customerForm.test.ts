import { describe, expect, it } from 'vitest';
import { channels, type Customer } from '../../../../shared/contract';
import { failedStep, stepStates } from './connectionSteps';
import {
  emptyValues,
  toRequest,
  validate,
  valuesOf,
  type CustomerFormValues,
} from './customerForm';

const filled: CustomerFormValues = {
  ...emptyValues,
  name: '  Acme  ',
  registry: 'registry.acme.example:5000',
  namespace: 'acme/releases',
  auth: 'basic',
  username: 'deliveries',
  contacts: ['Jane Doe <jane@acme.example>', ' ', 'Jane Doe <jane@acme.example>'],
  entitlements: ['orbit', 'lantern'],
};

const stored: Customer = {
  id: 'c1',
  name: 'Acme',
  registry: 'registry.acme.example:5000',
  namespace: 'acme/releases',
  auth: 'basic',
  username: 'deliveries',
  hasPassword: true,
  caFile: '/etc/ssl/acme.pem',
  insecureHttp: false,
  contacts: [],
  notes: 'Ships quarterly.',
  entitlements: ['orbit'],
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
};

const saveRequest = channels['customers.save'].request;

describe('customer form', () => {
  it('asks for the password when adding a customer that signs in', () => {
    expect(validate(filled, '', null, [])).toEqual({ password: 'passwordRequired' });
    expect(validate(filled, 'secret', null, [])).toEqual({});
    expect(validate({ ...filled, auth: 'none', username: '' }, '', null, [])).toEqual({});
  });

  it('keeps a stored password when editing, but not one that was never stored', () => {
    expect(validate(valuesOf(stored), '', stored, [])).toEqual({});
    const without = { ...stored, auth: 'none' as const, hasPassword: false };
    expect(validate({ ...valuesOf(without), auth: 'token' }, '', without, [])).toEqual({
      password: 'passwordRequired',
    });
  });

  it('explains each required or malformed field', () => {
    const problems = validate(
      { ...emptyValues, registry: 'https://registry.example.com/v2', namespace: 'Acme/Releases' },
      '',
      null,
      [],
    );
    expect(problems).toEqual({
      name: 'nameRequired',
      registry: 'registryInvalid',
      namespace: 'namespaceInvalid',
      username: 'usernameRequired',
      password: 'passwordRequired',
    });
    expect(validate(filled, 'secret', null, ['Acme']).name).toBe('nameTaken');
    expect(validate({ ...filled, name: 'x'.repeat(121) }, 'secret', null, []).name).toBe(
      'nameTooLong',
    );
    expect(
      validate({ ...filled, entitlements: ['p'.repeat(201)] }, 'secret', null, []).entitlements,
    ).toBe('entitlementTooLong');
  });

  it('builds a request the contract accepts, without an empty password', () => {
    const adding = toRequest(filled, 'secret', null);
    expect(saveRequest.parse(adding)).toEqual({
      name: 'Acme',
      registry: 'registry.acme.example:5000',
      namespace: 'acme/releases',
      auth: 'basic',
      username: 'deliveries',
      password: 'secret',
      insecureHttp: false,
      contacts: ['Jane Doe <jane@acme.example>'],
      entitlements: ['orbit', 'lantern'],
    });

    const editing = toRequest({ ...valuesOf(stored), name: 'Acme Corp' }, '', stored);
    expect(saveRequest.parse(editing)).toMatchObject({ id: 'c1', name: 'Acme Corp' });
    expect(editing).not.toHaveProperty('password');
    expect(editing.caFile).toBe('/etc/ssl/acme.pem');

    const anonymous = toRequest({ ...filled, auth: 'none' }, 'ignored', null);
    expect(anonymous).not.toHaveProperty('username');
    expect(anonymous).not.toHaveProperty('password');
  });
});

describe('connection steps', () => {
  const base = { name: 'Acme', reachable: true, authenticated: true, canPush: true };

  it('marks the first failed step as the cause and the rest as not checked', () => {
    expect(stepStates(base)).toEqual({ reachable: 'ok', authenticated: 'ok', canPush: 'ok' });
    expect(failedStep(base)).toBeNull();
    const refused = { ...base, authenticated: false, canPush: false };
    expect(stepStates(refused)).toEqual({
      reachable: 'ok',
      authenticated: 'failed',
      canPush: 'skipped',
    });
    expect(failedStep(refused)).toBe('authenticated');
    const unreachable = { ...base, reachable: false, authenticated: false, canPush: false };
    expect(failedStep(unreachable)).toBe('reachable');
  });
});
