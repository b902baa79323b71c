import { describe, expect, it } from 'vitest';
import { phashDistance, phashOf, phashWords, popcount32 } from '../../server/ingest/phash.ts';
import { sameSecret } from '../../server/safety/adminAuth.ts';
import { ClientKeys, clientAddress } from '../../server/safety/clientKey.ts';
import { DuplicateIndex } from '../../server/safety/DuplicateIndex.ts';
import { FlagBook } from '../../server/safety/FlagBook.ts';
import { mulberry32 } from '../../shared/mosaic/rng.ts';

/** A 64x64 RGB test card: `f(x, y)` is the grey level. */
function card(f: (x: number, y: number) => number, side = 64): Uint8Array {
  const px = new Uint8Array(side * side * 3);
  for (let y = 0; y < side; y++)
    for (let x = 0; x < side; x++)
      px.fill(Math.max(0, Math.min(255, Math.round(f(x, y)))), (y * side + x) * 3, (y * side + x + 1) * 3);
  return px;
}

/** A smooth random picture whose low frequencies all matter, like a photo's (seeded). */
function field(seed: number, offset = 0): Uint8Array {
  let r = seed * 2654435761;
  const rand = () => {
    r = (r * 1103515245 + 12345) >>> 0;
    return r / 2 ** 32 - 0.5;
  };
  const amp = Array.from({ length: 64 }, (_, i) => (rand() * 120) / (1 + (i % 8) + Math.floor(i / 8)));
  return card((x, y) => {
    let v = 128 + offset;
    for (let i = 1; i < 64; i++)
      v +=
        amp[i]! *
        Math.cos((Math.PI * (i % 8) * (x + 0.5)) / 64) *
        Math.cos((Math.PI * Math.floor(i / 8) * (y + 0.5)) / 64);
    return v;
  });
}

describe('phash', () => {
  it('gives 16 hex digits, 0 for the same picture and a brightness shift, many bits for another picture', () => {
    const a = phashOf(field(1), 64, 64);
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    expect(phashDistance(a, phashOf(field(1), 64, 64))).toBe(0);
    expect(phashDistance(a, phashOf(field(1, 12), 64, 64))).toBe(0);
    for (const other of [2, 3, 4])
      expect(phashDistance(a, phashOf(field(other), 64, 64))).toBeGreaterThan(16);
  });

  it('barely moves under noise', () => {
    let seed = 7;
    const clean = field(5);
    const noisy = clean.map((v) => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return Math.max(0, Math.min(255, v + ((seed >>> 24) % 11) - 5));
    });
    expect(phashDistance(phashOf(clean, 64, 64), phashOf(noisy, 64, 64))).toBeLessThanOrEqual(4);
  });

  it.each([
    [0, 0],
    [1, 1],
    [0xffffffff, 32],
    [0x80000001, 2],
    [0x0f0f0f0f, 16],
  ])('popcount32(%i) = %i', (v, n) => {
    expect(popcount32(v)).toBe(n);
  });

  it('measures distance bit by bit, and refuses what is not a hash', () => {
    expect(phashDistance('0000000000000000', 'ffffffffffffffff')).toBe(64);
    expect(phashDistance('8000000000000001', '0000000000000000')).toBe(2);
    expect(phashWords('00000001ffffffff')).toEqual([1, 0xffffffff]);
    expect(() => phashWords('xyz')).toThrow(RangeError);
    expect(() => phashOf(new Uint8Array(10), 64, 64)).toThrow(RangeError);
  });
});

describe('DuplicateIndex', () => {
  const h = (hi: number, lo = 0) =>
    (hi >>> 0).toString(16).padStart(8, '0') + (lo >>> 0).toString(16).padStart(8, '0');

  it('finds a stored hash within the threshold and not beyond; forgets deleted tiles', () => {
    const idx = new DuplicateIndex(6);
    idx.add(1, h(0));
    idx.add(2, h(0xffffffff, 0xffffffff));
    expect(idx.find(h(0b111111))).toBe(1); // 6 bits away
    expect(idx.find(h(0b1111111))).toBeNull(); // 7 bits away
    expect(idx.find(h(0xffffffff, 0xfffffff0))).toBe(2);
    idx.delete(1);
    expect(idx.find(h(0))).toBeNull();
    expect(idx.size).toBe(1);
  });

  it('holds a reservation until the tile is added, or until it expires', () => {
    let now = 0;
    const idx = new DuplicateIndex(6, () => now);
    idx.reserve(h(5));
    expect(idx.find(h(5))).toBe(-1);
    idx.add(9, h(5));
    expect(idx.find(h(5))).toBe(9);
    idx.delete(9);
    expect(idx.find(h(5))).toBeNull();

    idx.reserve(h(7));
    now = 29_000;
    expect(idx.find(h(7))).toBe(-1);
    now = 31_000;
    expect(idx.find(h(7))).toBeNull();
  });

  it('grows past its first capacity and reuses freed slots', () => {
    const idx = new DuplicateIndex(0);
    for (let i = 1; i <= 3000; i++) idx.add(i, h(i * 2654435761, i));
    expect(idx.find(h(2999 * 2654435761, 2999))).toBe(2999);
    for (let i = 1; i <= 1000; i++) idx.delete(i);
    for (let i = 5001; i <= 5500; i++) idx.add(i, h(i * 2654435761, i));
    expect(idx.size).toBe(2500);
    expect(idx.find(h(5500 * 2654435761, 5500))).toBe(5500);
    expect(idx.find(h(10 * 2654435761, 10))).toBeNull();
  });
});

describe('FlagBook', () => {
  it('counts a flag only when both its network and its browser are new, and says hide once', () => {
    const book = new FlagBook(3);
    expect(book.flag(1, 'netA', 'c1', 'hate')).toBe('counted');
    expect(book.flag(1, 'netA', 'c2')).toBe('repeat');
    expect(book.flag(1, 'netB', 'c1')).toBe('repeat');
    expect(book.flag(1, 'netB', 'c2', 'hate')).toBe('counted');
    expect(book.flag(2, 'netA', 'c1')).toBe('counted');
    expect(book.flag(1, 'netC', 'c3', 'spam')).toBe('hide');
    expect(book.flag(1, 'netD', 'c4')).toBe('counted');
    expect(book.count(1)).toBe(4);
    expect(book.reasons(1)).toEqual({ hate: 2, spam: 1 });
    book.clear(1);
    expect(book.count(1)).toBe(0);
    expect(book.flag(1, 'netA', 'c1')).toBe('counted');
  });

  it('keeps at most maxTiles open cases, forgetting the oldest', () => {
    const book = new FlagBook(2, 3);
    for (const id of [1, 2, 3, 4]) book.flag(id, 'n', 'c');
    expect([1, 2, 3, 4].map((id) => book.count(id))).toEqual([0, 1, 1, 1]);
  });
});

describe('client addresses', () => {
  it.each([
    ['10.0.0.5', undefined, 0, '10.0.0.5'],
    ['10.0.0.5', '203.0.113.1', 0, '10.0.0.5'],
    ['10.0.0.5', '203.0.113.1', 1, '203.0.113.1'],
    ['10.0.0.5', '198.51.100.9, 203.0.113.1', 1, '203.0.113.1'],
    ['10.0.0.5', '198.51.100.9, 203.0.113.1', 2, '198.51.100.9'],
    ['10.0.0.5', '198.51.100.9', 3, '198.51.100.9'],
    ['10.0.0.5', ['a', 'b'], 1, '10.0.0.5'],
  ])('remote %s, X-Forwarded-For %j, %i hops -> %s', (remote, xff, hops, want) => {
    expect(clientAddress(remote, xff, hops)).toBe(want);
  });

  it('hashes IPv6 by /56, IPv4-mapped as IPv4, and never shows the address', () => {
    const k = new ClientKeys();
    expect(k.ofAddress('2001:db8:0:1::1')).toBe(k.ofAddress('2001:db8:0:ff:1:2:3:4'));
    expect(k.ofAddress('2001:db8:0:100::1')).not.toBe(k.ofAddress('2001:db8:0:1::1'));
    expect(k.ofAddress('::ffff:203.0.113.7')).toBe(k.ofAddress('203.0.113.7'));
    expect(k.ofAddress('203.0.113.7')).not.toBe(k.ofAddress('203.0.113.8'));
    expect(k.ofAddress('203.0.113.7')).not.toMatch(/203|113/);
    // Another process (another secret) gives other keys: nothing to correlate across restarts.
    expect(new ClientKeys().ofAddress('203.0.113.7')).not.toBe(k.ofAddress('203.0.113.7'));
    expect(k.of('client', 'abc')).not.toBe(k.ofAddress('abc'));
  });
});

describe('sameSecret', () => {
  it.each([
    ['a-long-admin-token-123', 'a-long-admin-token-123', true],
    ['a-long-admin-token-12', 'a-long-admin-token-123', false],
    ['a-long-admin-token-1234', 'a-long-admin-token-123', false],
    ['', 'a-long-admin-token-123', false],
    ['A-long-admin-token-123', 'a-long-admin-token-123', false],
  ])('%j vs %j -> %s', (a, b, same) => {
    expect(sameSecret(a, b)).toBe(same);
  });
});

describe('DuplicateIndex multi-index', () => {
  it('answers exactly as a full scan would, for every threshold, through adds, deletes and reuse', () => {
    const r01 = mulberry32(12345);
    const rnd = () => Math.floor(r01() * 2 ** 32);
    const hex = (hi: number, lo: number) =>
      (hi >>> 0).toString(16).padStart(8, '0') + (lo >>> 0).toString(16).padStart(8, '0');
    // Flip `d` random bits of a hash.
    const near = (hi: number, lo: number, d: number): [number, number] => {
      for (let k = 0; k < d; k++) {
        const bit = rnd() % 64;
        if (bit < 32) hi ^= 1 << bit;
        else lo ^= 1 << (bit - 32);
      }
      return [hi, lo];
    };
    for (const threshold of [0, 3, 6, 7, 10, 11, 14]) {
      const idx = new DuplicateIndex(threshold);
      const stored: [number, number][] = [];
      for (let id = 1; id <= 3000; id++) {
        const w: [number, number] = [rnd() | 0, rnd() | 0];
        stored.push(w);
        idx.add(id, hex(...w));
        if (id % 7 === 0) idx.delete(id - 3);
      }
      let hits = 0;
      for (let q = 0; q < 600; q++) {
        const base = stored[rnd() % stored.length]!;
        const [qh, ql] = q % 2 ? near(base[0], base[1], rnd() % (threshold + 4)) : [rnd() | 0, rnd() | 0];
        const got = idx.find(hex(qh, ql));
        const want = idx.scan(qh | 0, ql | 0);
        expect(got === null).toBe(want === null);
        if (got !== null) {
          hits++;
          const [sh, sl] = stored[got - 1]!;
          expect(popcount32(sh ^ qh) + popcount32(sl ^ ql)).toBeLessThanOrEqual(threshold);
        }
      }
      expect(hits).toBeGreaterThan(40);
    }
  });
});
