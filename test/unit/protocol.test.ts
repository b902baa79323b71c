import { describe, expect, it } from 'vitest';
import {
  CHANGE_HEADER_BYTES,
  CHANGE_RECORD_BYTES,
  decodeChanges,
  decodeLayout,
  encodeCellsFrame,
  encodeChanges,
  encodeFrame,
  FRAME_HEADER_BYTES,
  FRAME_TILE_BYTES,
  type FrameTile,
  type Layout,
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

/** The tiles of decoded cell arrays, in cell order: [id, col, row, tint r, g, b, rgb]. */
function tilesOf(l: Pick<Layout, 'cols' | 'cellId' | 'cellTint' | 'cellRgb'>): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < l.cellId.length; i++) {
    if (!l.cellId[i]) continue;
    const t = l.cellTint.subarray(3 * i, 3 * i + 3);
    out.push([l.cellId[i]!, i % l.cols, Math.floor(i / l.cols), ...t, l.cellRgb[i]!]);
  }
  return out;
}

/** The ids of a frame's tile records, in the order they were written. */
function idsInFrame(bytes: Uint8Array): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = (bytes.byteLength - FRAME_HEADER_BYTES) / FRAME_TILE_BYTES;
  return Array.from({ length: count }, (_, i) =>
    view.getUint32(FRAME_HEADER_BYTES + i * FRAME_TILE_BYTES, true),
  );
}

describe('frame codec', () => {
  it('keeps geometry, ids, cells and small tints exactly in 12 bytes a tile', () => {
    const tiles = [
      tile(1, 0, 0, 0, [0, 0, 0]),
      tile(2, 4095, 1, 127, [255, 255, 255]),
      tile(3, 5, 1, -77, [8, 4, 8]),
    ];
    const bytes = encodeFrame({ kind: 'snapshot', seq: 123456, cols: 4096, rows: 2, tiles });
    expect(bytes.byteLength).toBe(FRAME_HEADER_BYTES + 3 * FRAME_TILE_BYTES);
    const l = decodeLayout(bytes);
    expect(l).toMatchObject({ kind: 'snapshot', seq: 123456, cols: 4096, rows: 2, size: 3 });
    expect(tilesOf(l)).toEqual([
      [1, 0, 0, 0, 0, 0, 0x000000],
      [3, 5, 1, -77, 77, 0, 0x080408],
      [2, 4095, 1, 127, -127, 0, 0xffffff],
    ]);
    // The last row of the largest grid, in a narrow one.
    const tall = decodeLayout(
      encodeFrame({ kind: 'snapshot', seq: 1, cols: 1, rows: 4096, tiles: [tile(4, 0, 4095, 1, [0, 0, 0])] }),
    );
    expect(tall).toMatchObject({ cols: 1, rows: 4096, size: 1 });
    expect(tilesOf(tall)).toEqual([[4, 0, 4095, 1, -1, 0, 0]]);
  });

  it('scales tints beyond ±127 and keeps them within half a step', () => {
    const tiles = [
      tile(1, 0, 0, 255, [1, 2, 3]),
      tile(2, 1, 0, -100, [1, 2, 3]),
      tile(3, 2, 0, 3, [1, 2, 3]),
    ];
    const l = decodeLayout(encodeFrame({ kind: 'grown', seq: 5, cols: 3, rows: 1, tiles }));
    expect(l.kind).toBe('grown');
    const reds = [l.cellTint[0]!, l.cellTint[3]!, l.cellTint[6]!];
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
      const viaTiles = decodeLayout(encodeFrame({ kind: 'snapshot', seq: 77, cols: 3, rows: 3, tiles }));
      const want = tilesOf(viaTiles);
      const m = new LiveMosaic();
      m.applyLayout(viaTiles);
      const bytes = encodeCellsFrame('snapshot', m);
      // Cell order: (0,0), (2,0), (2,1), (1,2).
      expect(idsInFrame(bytes)).toEqual([4, 70_000, 9, 5]);
      const viaCells = decodeLayout(bytes);
      expect(viaCells).toMatchObject({ kind: 'snapshot', seq: 77, cols: 3, rows: 3, size: 4 });
      expect(tilesOf(viaCells)).toEqual(want);
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
    expect(() => decodeLayout(bytes.subarray(0, bytes.length - 1))).toThrow(ProtocolDecodeError);
    expect(() => decodeLayout(encodeChanges([]))).toThrow(ProtocolDecodeError);
    const shrunk = bytes.slice();
    shrunk[8] = 1; // cols = 1: the tile at col 1 is now outside
    expect(() => decodeLayout(shrunk)).toThrow(/outside the grid/);
  });
});
