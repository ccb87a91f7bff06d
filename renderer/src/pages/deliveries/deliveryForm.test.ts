import { describe, expect, it } from 'vitest';
import {
  checkDeliveryForm,
  customerChoices,
  deliveryRequest,
  emptyDeliveryForm,
  formFromRequest,
  isEntitled,
  productOf,
} from './deliveryForm';

const filled = {
  release: ' orbit@2.4.0 ',
  images: 'docker://registry.example.com/orbit/api:2.4.0\n\n  oci:/srv/layout:worker \n',
  customers: ['Acme'],
  keyId: 'k1',
  policy: '',
};

describe('delivery form', () => {
  it('names every missing field', () => {
    expect(checkDeliveryForm(emptyDeliveryForm())).toEqual({
      release: 'releaseRequired',
      images: 'imagesRequired',
      customers: 'customersRequired',
      keyId: 'keyRequired',
    });
  });

  it('checks the release and each image line', () => {
    expect(checkDeliveryForm({ ...filled, release: 'orbit' }).release).toBe('releaseInvalid');
    expect(checkDeliveryForm({ ...filled, release: 'orbit@' }).release).toBe('releaseInvalid');
    expect(checkDeliveryForm({ ...filled, images: 'registry.example.com/api:1' }).images).toBe(
      'imageTransport',
    );
    expect(
      checkDeliveryForm({ ...filled, images: 'docker-daemon:api:1\ndocker-daemon:api:1' }).images,
    ).toBe('imageDuplicate');
    const many = Array.from({ length: 101 }, (_, i) => `docker-daemon:api:${i}`).join('\n');
    expect(checkDeliveryForm({ ...filled, images: many }).images).toBe('imagesTooMany');
  });

  it('sends trimmed values, one image per non-empty line, and the policy only when given', () => {
    expect(deliveryRequest(filled)).toEqual({
      release: 'orbit@2.4.0',
      images: ['docker://registry.example.com/orbit/api:2.4.0', 'oci:/srv/layout:worker'],
      customers: ['Acme'],
      keyId: 'k1',
    });
    expect(deliveryRequest({ ...filled, policy: ' /etc/policy.json ' })?.policy).toBe(
      '/etc/policy.json',
    );
    expect(deliveryRequest({ ...filled, keyId: null })).toBeNull();
  });

  it('fills the form back from a request', () => {
    const request = deliveryRequest(filled)!;
    expect(deliveryRequest(formFromRequest(request))).toEqual(request);
  });

  it('finds the product and who is entitled to it', () => {
    expect(productOf('orbit/api@2.4.0')).toBe('orbit/api');
    expect(productOf('orbit')).toBe('');
    expect(isEntitled({ entitlements: ['orbit'] }, 'orbit@2.4.0')).toBe(true);
    expect(isEntitled({ entitlements: ['lantern'] }, 'orbit@2.4.0')).toBe(false);
    expect(isEntitled({ entitlements: ['orbit'] }, 'orbit')).toBe(false);
  });

  it('offers customers by name, alphabetically, without reordering the list it is given', () => {
    const customers = [{ name: 'Zenith' }, { name: 'acme' }, { name: 'Borealis' }];
    expect(customerChoices(customers)).toEqual([
      { value: 'acme', label: 'acme' },
      { value: 'Borealis', label: 'Borealis' },
      { value: 'Zenith', label: 'Zenith' },
    ]);
    expect(customers[0]?.name).toBe('Zenith');
  });
});
