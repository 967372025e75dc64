// firstIndexWhere: the insertion point of a sorted list, at both ends and inside runs of equal items.
import { describe, expect, it } from 'vitest';
import { firstIndexWhere } from '../../src/registry/bisect.js';

describe('firstIndexWhere', () => {
  const list = [1, 3, 3, 3, 7];
  it('finds the first item the predicate accepts', () => {
    expect(firstIndexWhere(list, (x) => x >= 3)).toBe(1);
    expect(firstIndexWhere(list, (x) => x > 3)).toBe(4);
    expect(firstIndexWhere(list, (x) => x >= 0)).toBe(0);
  });
  it('answers the length when none does, and 0 for an empty list', () => {
    expect(firstIndexWhere(list, (x) => x > 7)).toBe(5);
    expect(firstIndexWhere([], () => true)).toBe(0);
  });
});
