/**
 * Decodes a snapshot frame off the main thread, so that a million-tile download is turned
 * into the mosaic's arrays while the page starts WebGL. Answers `{ ok, layout }` with the
 * arrays transferred (no copy), or `{ ok: false, message }`.
 */
import { decodeLayout } from '../../shared/protocolState.ts';

const scope = self as unknown as Worker;
scope.onmessage = (e: MessageEvent<ArrayBuffer>) => {
  try {
    const layout = decodeLayout(e.data);
    const transfer = [
      layout.cellId.buffer,
      layout.cellTint.buffer,
      layout.cellRgb.buffer,
      layout.dense.buffer,
    ];
    scope.postMessage({ ok: true, layout }, transfer);
  } catch (err) {
    scope.postMessage({ ok: false, message: (err as Error).message });
  }
};
