import { describe, expect, it } from 'vitest';
import { cellLabel, mmToPt, parseCellLabel, rowLetters } from '../../shared/print.ts';

describe('cell labels', () => {
  it.each([
    [0, 'A'],
    [25, 'Z'],
    [26, 'AA'],
    [51, 'AZ'],
    [52, 'BA'],
    [701, 'ZZ'],
    [702, 'AAA'],
    [999, 'ALL'],
  ])('row %i is %s', (row, letters) => {
    expect(rowLetters(row)).toBe(letters);
  });

  it('puts the row letters before the column counted from 1, and reads them back', () => {
    expect(cellLabel(0, 0)).toBe('A1');
    expect(cellLabel(11, 2)).toBe('C12');
    expect(cellLabel(999, 999)).toBe('ALL1000');
    const seen = new Set<string>();
    for (let row = 0; row < 800; row += 7)
      for (let col = 0; col < 1000; col += 13) {
        const l = cellLabel(col, row);
        expect(seen.has(l)).toBe(false);
        seen.add(l);
        expect(parseCellLabel(l)).toEqual({ col, row });
      }
    expect(parseCellLabel('c12')).toEqual({ col: 11, row: 2 });
    expect(parseCellLabel('12C')).toBeNull();
    expect(parseCellLabel('A0')).toBeNull();
  });

  it('refuses cells outside the grid', () => {
    expect(() => cellLabel(-1, 0)).toThrow(RangeError);
    expect(() => rowLetters(1.5)).toThrow(RangeError);
  });

  it('converts millimetres to points', () => {
    expect(mmToPt(25.4)).toBe(72);
    expect(mmToPt(210)).toBeCloseTo(595.28, 2);
  });
});
