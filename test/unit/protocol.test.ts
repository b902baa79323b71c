import { describe, expect, it } from 'vitest';
import {
  CHANGE_HEADER_BYTES,
  CHANGE_RECORD_BYTES,
  decodeChanges,
  decodeFrame,
  encodeCellsFrame,
  encodeChanges,
  encodeFrame,
  FRAME_HEADER_BYTES,
  FRAME_TILE_BYTES,
  type FrameTile,
  LiveMosaic,
  ProtocolDecodeError,
  rgb565To24,
  rgbTo565,
  type WireChange,
} from '../../shared/protocol.ts';

const changes: WireChange[] = [
  { type: 'placed', seq: 1, id: 7, col: 3, row: 4, tint: { r: -255, g: 0, b: 255 }, rgb: 0x102030 },
  {
    type: 'moved',
    seq: 2,
    id: 4_000_000_000,
    col: 65535,
    row: 0,
    tint: { r: 1, g: -1, b: 77 },
    rgb: 0xffffff,
  },
  { type: 'removed', seq: 4_294_967_295, id: 9, col: 0, row: 2 },
];

describe('change batch codec', () => {
  it('round-trips placed, moved and removed records in order', () => {
    const bytes = encodeChanges(changes);
    expect(bytes.byteLength).toBe(CHANGE_HEADER_BYTES + 3 * CHANGE_RECORD_BYTES);
    expect(decodeChanges(bytes)).toEqual(changes);
  });

  it('decodes from an ArrayBuffer and from a view at an offset', () => {
    const bytes = encodeChanges(changes);
    const padded = new Uint8Array(bytes.byteLength + 5);
    padded.set(bytes, 5);
    expect(decodeChanges(bytes.slice().buffer)).toEqual(changes);
    expect(decodeChanges(padded.subarray(5))).toEqual(changes);
  });

  it('encodes an empty batch as just the header', () => {
    expect(decodeChanges(encodeChanges([]))).toEqual([]);
  });

  it.each([
    ['too short', new Uint8Array(3)],
    ['wrong kind', Uint8Array.of(1, 1, 0, 0, 0, 0, 0, 0)],
    ['wrong format', Uint8Array.of(3, 9, 0, 0, 0, 0, 0, 0)],
    ['count larger than the data', Uint8Array.of(3, 1, 0, 0, 1, 0, 0, 0)],
  ])('refuses a batch that is %s', (_, bytes) => {
    expect(() => decodeChanges(bytes)).toThrow(ProtocolDecodeError);
  });

  it('refuses an unknown change type', () => {
    const bytes = encodeChanges(changes.slice(0, 1));
    bytes[CHANGE_HEADER_BYTES] = 9;
    expect(() => decodeChanges(bytes)).toThrow(/unknown change type/);
  });
});

function tile(id: number, col: number, row: number, t: number, rgb: [number, number, number]): FrameTile {
  return { id, col, row, tint: { r: t, g: -t, b: 0 }, rgb };
}

describe('frame codec', () => {
  it('keeps geometry, ids, cells and small tints exactly in 12 bytes a tile', () => {
    const tiles = [
      tile(1, 0, 0, 0, [0, 0, 0]),
      tile(2, 4095, 4095, 127, [255, 255, 255]),
      tile(3, 5, 9, -77, [8, 4, 8]),
    ];
    const bytes = encodeFrame({ kind: 'snapshot', seq: 123456, cols: 4096, rows: 4096, tiles });
    expect(bytes.byteLength).toBe(FRAME_HEADER_BYTES + 3 * FRAME_TILE_BYTES);
    const f = decodeFrame(bytes);
    expect(f).toMatchObject({ kind: 'snapshot', seq: 123456, cols: 4096, rows: 4096, count: 3 });
    expect([...f.id]).toEqual([1, 2, 3]);
    expect([...f.col]).toEqual([0, 4095, 5]);
    expect([...f.row]).toEqual([0, 4095, 9]);
    expect([...f.tint]).toEqual([0, 0, 0, 127, -127, 0, -77, 77, 0]);
    expect([...f.rgb]).toEqual([0x000000, 0xffffff, 0x080408]);
  });

  it('scales tints beyond ±127 and keeps them within half a step', () => {
    const tiles = [
      tile(1, 0, 0, 255, [1, 2, 3]),
      tile(2, 1, 0, -100, [1, 2, 3]),
      tile(3, 2, 0, 3, [1, 2, 3]),
    ];
    const f = decodeFrame(encodeFrame({ kind: 'grown', seq: 5, cols: 3, rows: 1, tiles }));
    expect(f.kind).toBe('grown');
    const reds = [f.tint[0]!, f.tint[3]!, f.tint[6]!];
    for (const [i, want] of [255, -100, 3].entries()) {
      expect(Math.abs(reds[i]! - want)).toBeLessThanOrEqual(1);
    }
  });

  it.each([
    [0x000000, 0x000000],
    [0xffffff, 0xffffff],
    [0x808080, 0x848284],
    [0xff0000, 0xff0000],
  ])('stores colour %s as RGB565 and expands it to %s', (rgb, want) => {
    expect(rgb565To24(rgbTo565((rgb >> 16) & 255, (rgb >> 8) & 255, rgb & 255))).toBe(want);
  });

  it('refuses grids larger than 4096 a side and tiles outside the grid', () => {
    expect(() => encodeFrame({ kind: 'snapshot', seq: 0, cols: 4097, rows: 1, tiles: [] })).toThrow(
      RangeError,
    );
    expect(() =>
      encodeFrame({ kind: 'snapshot', seq: 0, cols: 2, rows: 2, tiles: [tile(1, 2, 0, 0, [0, 0, 0])] }),
    ).toThrow(RangeError);
  });

  it('encodes the same frame from a cell-major mosaic as from tile objects, in cell order', () => {
    for (const big of [false, true]) {
      const tiles = [
        tile(9, 2, 1, big ? 200 : 100, [250, 10, 128]),
        tile(4, 0, 0, -5, [1, 2, 3]),
        tile(70_000, 2, 0, big ? -300 : -127, [255, 255, 255]),
        tile(5, 1, 2, 0, [16, 32, 64]),
      ];
      const viaTiles = decodeFrame(encodeFrame({ kind: 'snapshot', seq: 77, cols: 3, rows: 3, tiles }));
      const m = new LiveMosaic();
      m.applyFrame(viaTiles);
      const viaCells = decodeFrame(encodeCellsFrame('snapshot', m));
      expect(viaCells).toMatchObject({ kind: 'snapshot', seq: 77, cols: 3, rows: 3, count: 4 });
      // Cell order: (0,0), (2,0), (2,1), (1,2).
      expect([...viaCells.id]).toEqual([4, 70_000, 9, 5]);
      const byId = (f: typeof viaTiles, id: number) => {
        const i = [...f.id].indexOf(id);
        return [f.col[i], f.row[i], f.rgb[i], f.tint[3 * i], f.tint[3 * i + 1], f.tint[3 * i + 2]];
      };
      for (const id of [4, 5, 9, 70_000]) expect(byId(viaCells, id)).toEqual(byId(viaTiles, id));
    }
  });

  it('refuses truncated or foreign frames', () => {
    const bytes = encodeFrame({
      kind: 'snapshot',
      seq: 1,
      cols: 2,
      rows: 2,
      tiles: [tile(1, 1, 1, 0, [0, 0, 0])],
    });
    expect(() => decodeFrame(bytes.subarray(0, bytes.length - 1))).toThrow(ProtocolDecodeError);
    expect(() => decodeFrame(encodeChanges([]))).toThrow(ProtocolDecodeError);
    const shrunk = bytes.slice();
    shrunk[8] = 1; // cols = 1: the tile at col 1 is now outside
    expect(() => decodeFrame(shrunk)).toThrow(/outside the grid/);
  });
});
