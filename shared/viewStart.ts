/**
 * `GET /api/mosaic/view`: what a viewer needs first, in one preloadable answer.
 *
 * Layout: `u32 n` (little-endian), then n bytes of UTF-8 JSON ({@link ViewStart}), then, in
 * `cells` mode only, a snapshot frame (see protocolFrame.ts) at the same seq.
 * - `cells` mode (a small mosaic): the viewer holds every cell, as before.
 * - `pyramid` mode: the viewer draws the overview from the live colour pyramid's tiles
 *   (`/api/mosaic/pyramid/{level}/{tx}_{ty}.webp?v={version}`, versions from `versions`, see
 *   shared/mosaic/colourPyramid.ts) and loads cells a block at a time where the camera needs
 *   them (`/api/mosaic/cells`). Either way it then connects with `since` = `seq`.
 *
 * Pure TypeScript: no I/O, no Node or DOM APIs.
 */
import { type BinaryLike, ProtocolDecodeError, viewOf } from './protocolChanges.ts';

// The WHATWG text codecs exist in both browsers and Node; shared/ compiles without either's types.
declare const TextEncoder: new () => { encode(s: string): Uint8Array };
declare const TextDecoder: new () => { decode(b: Uint8Array): string };

/** The JSON part of a view start. */
export interface ViewStart {
  mode: 'cells' | 'pyramid';
  seq: number;
  epoch: number;
  cols: number;
  rows: number;
  /** Tiles in the mosaic at `seq`. */
  size: number;
  /** Pyramid mode: the seq of each block's last change (block-major, see colourPyramid.ts). */
  versions?: number[];
}

/** Encodes a view start, with the snapshot frame in cells mode. */
export function encodeViewStart(v: ViewStart, frame?: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(v));
  const out = new Uint8Array(4 + json.length + (frame?.length ?? 0));
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 4);
  if (frame) out.set(frame, 4 + json.length);
  return out;
}

/** Decodes a view start; `frame` is the snapshot frame's bytes (empty in pyramid mode). */
export function decodeViewStart(data: BinaryLike): { start: ViewStart; frame: Uint8Array } {
  const view = viewOf(data);
  if (view.byteLength < 4) throw new ProtocolDecodeError('view start too short');
  const n = view.getUint32(0, true);
  if (4 + n > view.byteLength) throw new ProtocolDecodeError('view start cut short');
  const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  const start = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + n))) as ViewStart;
  if (start.mode !== 'cells' && start.mode !== 'pyramid') throw new ProtocolDecodeError('unknown view mode');
  return { start, frame: bytes.subarray(4 + n) };
}
