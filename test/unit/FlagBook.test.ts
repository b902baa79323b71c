import { describe, expect, it } from 'vitest';
import { FlagBook } from '../../server/safety/FlagBook.ts';

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
    expect(book.summary(1).count).toBe(4);
    expect(book.summary(1)).toEqual({ count: 4, reasons: { hate: 2, spam: 1 } });
    expect(book.summary(3)).toEqual({ count: 0, reasons: {} });
    book.clear(1);
    expect(book.summary(1).count).toBe(0);
    expect(book.flag(1, 'netA', 'c1')).toBe('counted');
  });

  it('keeps at most maxTiles open cases, forgetting the oldest', () => {
    const book = new FlagBook(2, 3);
    for (const id of [1, 2, 3, 4]) book.flag(id, 'n', 'c');
    expect([1, 2, 3, 4].map((id) => book.summary(id).count)).toEqual([0, 1, 1, 1]);
  });
});
