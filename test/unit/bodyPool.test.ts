import { describe, expect, it } from 'vitest';
import { BodyPool } from '../../server/http/upload.ts';

describe('BodyPool', () => {
  it('hands out exactly the size asked for, and the smallest free buffer that holds it', () => {
    const pool = new BodyPool(10_000);
    const big = pool.take(4000);
    const small = pool.take(1000);
    expect([big.length, small.length]).toEqual([4000, 1000]);
    pool.give(big);
    pool.give(small);
    const again = pool.take(900);
    expect(again.length).toBe(900);
    expect(again.buffer).toBe(small.buffer); // the 1000-byte one, not the 4000-byte one
    expect(pool.take(3000).buffer).toBe(big.buffer);
    expect(pool.take(3000).buffer).not.toBe(big.buffer); // taken: a fresh one
  });

  it('keeps no more than its byte limit, and never a buffer it does not own whole', () => {
    const pool = new BodyPool(5000);
    const a = pool.take(3000);
    const b = pool.take(3000);
    pool.give(a);
    pool.give(b); // over the limit: dropped
    expect(pool.take(3000).buffer).toBe(a.buffer);
    expect(pool.take(3000).buffer).not.toBe(b.buffer);
    const view = Buffer.allocUnsafeSlow(2000).subarray(100);
    pool.give(view);
    expect(pool.take(1000).buffer).not.toBe(view.buffer);
    // A whole buffer it did not hand out, such as a small one on Node's shared slab, stays out.
    const foreign = Buffer.allocUnsafeSlow(2000);
    pool.give(foreign);
    expect(pool.take(1000).buffer).not.toBe(foreign.buffer);
  });
});
