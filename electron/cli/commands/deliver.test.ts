import { describe, expect, it } from 'vitest';
import { Delivery } from '../../../shared/contract';
import { deliveryExitCode, deliveryJson, deliveryText } from './deliver';

const digest = `sha256:${'a'.repeat(64)}`;
const at = '2026-11-29T01:00:00.000Z';

function target(status: Delivery['customers'][number]['images'][number]['status'], extra = {}) {
  return {
    source: 'docker://src.example/team/app:1.0.0',
    ref: 'docker://reg.example/acme/app:1.0.0',
    digest,
    status,
    signed: status === 'delivered',
    verified: status === 'delivered',
    updatedAt: at,
    ...extra,
  };
}

/** A delivery checked against the contract, so the test cannot drift from what the engine sends. */
function delivery(overrides: Partial<Delivery> = {}): Delivery {
  return Delivery.parse({
    id: 'd1',
    release: 'demo@1.0.0',
    product: 'demo',
    version: '1.0.0',
    origin: 'deliver',
    status: 'delivered',
    keyFingerprint: 'f'.repeat(64),
    gate: 'pass',
    images: [
      {
        source: 'docker://src.example/team/app:1.0.0',
        name: 'app',
        tag: '1.0.0',
        digest,
        verdict: 'pass',
        reasons: [],
        warnings: [],
      },
    ],
    customers: [
      { id: 'c1', name: 'Acme', status: 'delivered', images: [target('delivered')] },
      { id: 'c2', name: 'Globex', status: 'delivered', images: [target('delivered')] },
    ],
    createdAt: at,
    updatedAt: at,
    ...overrides,
  });
}

describe('deliver output', () => {
  it('prints the contract shape: delivery, customers and each image', () => {
    const json = deliveryJson(delivery());
    expect(json.delivery).toMatchObject({ id: 'd1', release: 'demo@1.0.0', status: 'delivered' });
    expect(json.customers[0]).toEqual({
      name: 'Acme',
      status: 'delivered',
      images: [
        {
          source: 'docker://src.example/team/app:1.0.0',
          ref: 'docker://reg.example/acme/app:1.0.0',
          digest,
          signed: true,
          verified: true,
          status: 'delivered',
        },
      ],
    });
  });

  it('exits 0 only when every chosen customer has everything', () => {
    expect(deliveryExitCode(delivery())).toBe(0);
    const partial = delivery({
      status: 'partial',
      customers: [
        { id: 'c1', name: 'Acme', status: 'delivered', images: [target('delivered')] },
        {
          id: 'c2',
          name: 'Globex',
          status: 'failed',
          error: 'unreachable',
          images: [target('failed', { error: 'unreachable' })],
        },
      ],
    });
    expect(deliveryExitCode(partial)).toBe(1);
    // A retry answers for the customers it was asked about.
    expect(deliveryExitCode(partial, ['acme'])).toBe(0);
    expect(deliveryExitCode(partial, ['Globex'])).toBe(1);
    const refused = delivery({
      status: 'partial',
      customers: [
        { id: 'c1', name: 'Acme', status: 'delivered', images: [target('delivered')] },
        { id: 'c3', name: 'Umbrella', status: 'refused', images: [] },
      ],
    });
    expect(deliveryExitCode(refused)).toBe(1);
    expect(deliveryExitCode(delivery({ status: 'blocked', gate: 'block' }))).toBe(1);
  });

  it('tells a person what went wrong and how to finish', () => {
    const text = deliveryText(
      delivery({
        status: 'partial',
        customers: [
          {
            id: 'c2',
            name: 'Globex',
            status: 'failed',
            images: [target('conflict', { error: 'the tag names another image' })],
          },
        ],
      }),
    );
    expect(text).toContain('Globex');
    expect(text).toContain('the tag names another image');
    expect(text).toContain('consign deliver --resume d1');
    expect(deliveryText(delivery())).not.toContain('--resume');

    const blocked = deliveryText(
      delivery({
        status: 'blocked',
        gate: 'block',
        images: [
          {
            source: 'docker://src.example/team/app:1.0.0',
            name: 'app',
            tag: '1.0.0',
            digest,
            verdict: 'block',
            reasons: [{ kind: 'baseline', id: 'CONSIGN-BASE-001', why: 'The image runs as root' }],
            warnings: [],
          },
        ],
      }),
    );
    expect(blocked).toContain('CONSIGN-BASE-001');
    expect(blocked).toContain('The image runs as root');
  });
});
