import { describe, expect, it, vi } from 'vitest';
import { newId } from '../../src/db/repositories.ts';

describe('row ids', () => {
  it('GIVEN ids made in later milliseconds THEN they are UUIDv7 and sort in the order they were made', () => {
    vi.useFakeTimers();
    try {
      const ids = [0, 1, 2, 1_000, 2 ** 40].map((step) => {
        vi.setSystemTime(1_700_000_000_000 + step);
        return newId();
      });
      for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect([...ids].sort()).toEqual(ids);
      expect(ids[0]!.replace('-', '').slice(0, 12)).toBe((1_700_000_000_000).toString(16).padStart(12, '0'));
      expect(new Set(Array.from({ length: 1000 }, newId)).size).toBe(1000);
    } finally {
      vi.useRealTimers();
    }
  });
});
