import { describe, expect, it } from 'vitest';
import { FileCache } from '../../server/core/FileCache.ts';

/** A read that finishes when told, counting how often it was started. */
function slowRead(data: Buffer | null) {
  let started = 0;
  let finish: () => void = () => {};
  const done = new Promise<void>((r) => {
    finish = r;
  });
  return {
    read: async () => {
      started++;
      await done;
      return data;
    },
    started: () => started,
    finish: () => finish(),
  };
}

describe('FileCache', () => {
  it('reads a key once for many requests at the same time, then answers from memory', async () => {
    const cache = new FileCache(1024);
    const r = slowRead(Buffer.from('tile'));
    const all = Promise.all([
      cache.get('7/32', r.read),
      cache.get('7/32', r.read),
      cache.get('7/32', r.read),
    ]);
    r.finish();
    expect((await all).map((b) => b?.toString())).toEqual(['tile', 'tile', 'tile']);
    expect(r.started()).toBe(1);
    expect(await cache.get('7/32', r.read)).toEqual(Buffer.from('tile'));
    expect(r.started()).toBe(1);
    expect(cache.keys()).toEqual(['7/32']);
  });

  it('keeps nothing of a tile dropped while it was read, and reads it again when asked', async () => {
    const cache = new FileCache(1024);
    const r = slowRead(Buffer.from('gone'));
    const first = cache.get('9/32', r.read);
    cache.drop(9);
    r.finish();
    expect((await first)?.toString()).toBe('gone');
    expect(cache.keys()).toEqual([]);
    await cache.get('9/32', r.read);
    expect(r.started()).toBe(2);
  });

  it('forgets every size of a dropped tile and no other tile', async () => {
    const cache = new FileCache(1024);
    for (const key of ['1/32', '1/128', '11/32', '2/32']) await cache.get(key, async () => Buffer.from(key));
    cache.drop(1);
    expect(cache.keys().sort()).toEqual(['11/32', '2/32']);
  });

  it('lets the least recently used go first once over its bytes, and keeps no missing file', async () => {
    const cache = new FileCache(64);
    const eight = (c: string) => async () => Buffer.alloc(8, c);
    for (const id of [1, 2, 3, 4, 5, 6, 7, 8]) await cache.get(`${id}/32`, eight(String(id)));
    await cache.get('1/32', eight('x')); // 1 is now the most recent
    await cache.get('9/32', eight('9'));
    expect(cache.keys()).not.toContain('2/32');
    expect(cache.keys()).toContain('1/32');
    expect(await cache.get('10/32', async () => null)).toBeNull();
    expect(cache.keys()).not.toContain('10/32');
  });

  it('passes a failed read to every request waiting on it and tries again on the next', async () => {
    const cache = new FileCache(1024);
    let calls = 0;
    const failing = async () => {
      calls++;
      throw new Error('disk gone');
    };
    await expect(Promise.all([cache.get('3/32', failing), cache.get('3/32', failing)])).rejects.toThrow(
      'disk gone',
    );
    expect(calls).toBe(1);
    await expect(cache.get('3/32', failing)).rejects.toThrow('disk gone');
    expect(calls).toBe(2);
  });
});
