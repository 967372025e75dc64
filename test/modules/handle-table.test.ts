// Tests for the per-call handle table: ids resolve to their objects, release() invalidates them,
// and the live-handle cap stops a guest from hoarding host objects.
import { describe, expect, it } from 'vitest';
import { MapHandleTable } from '../../src/modules/handle-table.js';
import { ArgumentFailure } from '../../src/modules/module-spec.js';

describe('MapHandleTable', () => {
  it('gives distinct ids that resolve until release', () => {
    const t = new MapHandleTable();
    const a = t.put({ n: 1 });
    const b = t.put({ n: 2 });
    expect(a).not.toBe(b);
    expect(t.get<{ n: number }>(b).n).toBe(2);
    t.release();
    expect(() => t.get(a)).toThrow(ArgumentFailure);
    expect(t.size).toBe(0);
    expect(t.put('x')).toBeGreaterThan(b);
  });
  it('refuses more live handles than the cap', () => {
    const t = new MapHandleTable({ maxHandles: 2 });
    t.put(1);
    t.put(2);
    expect(() => t.put(3)).toThrow(/too many live handles/);
  });
});
