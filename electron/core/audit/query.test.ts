import { describe, expect, it } from 'vitest';
import { auditFilter } from './query';

describe('auditFilter', () => {
  it('normalises times to the stored UTC form; a date covers its whole day', () => {
    expect(auditFilter({ since: '2026-11-01', until: '2026-11-02' })).toEqual({
      since: '2026-11-01T00:00:00.000Z',
      until: '2026-11-02T23:59:59.999Z',
    });
    expect(auditFilter({ since: '2026-11-01T12:00:00+02:00' }).since).toBe(
      '2026-11-01T10:00:00.000Z',
    );
  });

  it('drops empty conditions and refuses a time it cannot read', () => {
    expect(auditFilter({ customer: '  ', search: ' x ' })).toEqual({ search: 'x' });
    expect(() => auditFilter({ since: 'yesterday' })).toThrow(
      expect.objectContaining({ code: 'BAD_REQUEST', remedy: expect.stringMatching(/ISO 8601/) }),
    );
  });
});
