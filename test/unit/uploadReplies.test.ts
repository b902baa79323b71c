import { describe, expect, it } from 'vitest';
import { idempotencyKey, UploadReplies } from '../../server/http/uploadReplies.ts';

const reply = (id: number) => ({ status: 201, body: { id, deleteToken: `token-${id}` } });

describe('upload replies by Idempotency-Key', () => {
  it('keep a successful answer for the time given, then forget it', async () => {
    let now = 1_000;
    const r = new UploadReplies(60_000, 100, () => now);
    await r.make('k'.repeat(16), async () => reply(1));
    expect(await r.replay('k'.repeat(16))).toEqual(reply(1));
    now += 59_000;
    expect(await r.replay('k'.repeat(16))).toEqual(reply(1));
    now += 2_000;
    expect(await r.replay('k'.repeat(16))).toBeNull();
    expect(r.size).toBe(0);
  });

  it('keep no failed answer, hold at most `max`, oldest out first, and forget deleted tiles', async () => {
    const r = new UploadReplies(60_000, 3);
    await expect(
      r.make('bad-key-000000000', async () => Promise.reject(new Error('corrupt'))),
    ).rejects.toThrow();
    expect(await r.replay('bad-key-000000000')).toBeNull();
    for (let i = 1; i <= 4; i++) await r.make(`key-number-${i}-000000`, async () => reply(i));
    expect(r.size).toBe(3);
    expect(await r.replay('key-number-1-000000')).toBeNull();
    expect(await r.replay('key-number-4-000000')).toEqual(reply(4));
    r.forget([3, 99]);
    expect(await r.replay('key-number-3-000000')).toBeNull();
    expect(await r.replay('key-number-2-000000')).toEqual(reply(2));
  });

  it('let a copy sent meanwhile wait for the answer being made', async () => {
    const r = new UploadReplies();
    let finish!: (v: ReturnType<typeof reply>) => void;
    const first = r.make('same-key-00000000', () => new Promise((res) => (finish = res)));
    const second = r.replay('same-key-00000000');
    finish(reply(7));
    expect(await first).toEqual(reply(7));
    expect(await second).toEqual(reply(7));
  });

  it('make the answer once when two copies pass the replay check in the same turn', async () => {
    const r = new UploadReplies();
    const key = 'same-turn-key-000';
    // Both copies find nothing kept, as two requests resumed in one microtask drain do.
    expect(await Promise.all([r.replay(key), r.replay(key)])).toEqual([null, null]);
    let made = 0;
    let finish!: (v: ReturnType<typeof reply>) => void;
    const work = () => {
      made++;
      return new Promise<ReturnType<typeof reply>>((res) => (finish = res));
    };
    const [a, b] = [r.make(key, work), r.make(key, work)];
    finish(reply(8));
    expect(await a).toEqual(reply(8));
    expect(await b).toEqual({ ...reply(8), replayed: true });
    expect(made).toBe(1);
  });

  it('let the waiting copy do the work when the first attempt fails', async () => {
    const r = new UploadReplies();
    const key = 'fails-first-key-0';
    let fail!: (e: Error) => void;
    const a = r.make(key, () => new Promise((_, rej) => (fail = rej)));
    const b = r.make(key, async () => reply(9));
    fail(new Error('corrupt'));
    await expect(a).rejects.toThrow('corrupt');
    expect(await b).toEqual(reply(9));
    expect(await r.replay(key)).toEqual(reply(9));
  });

  it('read the header: none is null, a malformed one a 400', () => {
    expect(idempotencyKey(undefined)).toBeNull();
    expect(idempotencyKey('abcdefghij0123456789')).toBe('abcdefghij0123456789');
    for (const bad of ['short', 'with space 0123456789', 'x'.repeat(65), ['a', 'b']])
      expect(() => idempotencyKey(bad)).toThrow(/Idempotency-Key/);
  });
});
