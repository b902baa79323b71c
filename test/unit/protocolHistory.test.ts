import { describe, expect, it } from 'vitest';
import { ChangeHistory } from '../../server/realtime/ChangeHistory.ts';
import { decodeChanges, type WireChange } from '../../shared/protocol.ts';

const placed = (seq: number): WireChange => ({
  type: 'placed',
  seq,
  id: seq * 10,
  col: seq % 7,
  row: seq % 5,
  tint: { r: seq % 3, g: 0, b: 0 },
  rgb: seq,
});

function replayed(h: ChangeHistory, since: number, perBatch?: number): number[][] {
  return h.batchesAfter(since, perBatch).map((b) => decodeChanges(b).map((c) => c.seq));
}

describe('ChangeHistory', () => {
  it('replays exactly the changes after since, split into batches', () => {
    const h = new ChangeHistory(8, 100);
    for (let s = 101; s <= 106; s++) h.append(placed(s));
    expect(replayed(h, 102, 3)).toEqual([[103, 104, 105], [106]]);
    expect(replayed(h, 106)).toEqual([]);
    expect(decodeChanges(h.batchesAfter(105)[0]!)).toEqual([placed(106)]);
  });

  it('forgets the oldest once full, across the ring wrap', () => {
    const h = new ChangeHistory(4, 0);
    for (let s = 1; s <= 10; s++) h.append(placed(s));
    expect(h.floor).toBe(6);
    expect(h.covers(5)).toBe(false);
    expect(h.covers(6)).toBe(true);
    expect(replayed(h, 6)).toEqual([[7, 8, 9, 10]]);
    expect(replayed(h, 7, 2)).toEqual([[8, 9], [10]]);
  });

  it('does not cover a since from the future, and refuses to replay it', () => {
    const h = new ChangeHistory(4, 3);
    expect(h.covers(4)).toBe(false);
    expect(() => h.batchesAfter(4)).toThrow(RangeError);
  });

  it('restarts after a reset or a change that does not follow', () => {
    const h = new ChangeHistory(4, 0);
    h.append(placed(1));
    h.reset(5);
    expect(h.covers(1)).toBe(false);
    h.append(placed(6));
    expect(replayed(h, 5)).toEqual([[6]]);
    h.append(placed(9));
    expect(h.floor).toBe(8);
    expect(replayed(h, 8)).toEqual([[9]]);
  });
});
