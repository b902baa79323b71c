import { Router } from 'express';
import { CompressedCache, sendCompressed } from './compressed.ts';

/**
 * GET /api/mosaic/snapshot: the live layer's binary snapshot frame (the same bytes as the
 * `mosaic:snapshot` event, 12 bytes a tile) over plain HTTP. Pages preload it from their
 * HTML while their scripts download, then connect with `since` = its seq and get only the
 * changes after it. The frame is encoded from typed arrays and cached per seq; its
 * compressed copy (brotli or gzip, by Accept-Encoding) is made once per frame.
 */
export function snapshotRoute(frame: () => { seq: number; epoch: number; bytes: Uint8Array }): Router {
  const r = Router();
  const compressed = new CompressedCache();
  r.get('/api/mosaic/snapshot', async (req, res) => {
    const { seq, epoch, bytes } = frame();
    res.set({
      'Content-Type': 'application/octet-stream',
      'Cache-Control': 'no-store',
      'X-Mosaic-Seq': String(seq),
      'X-Mosaic-Epoch': String(epoch),
    });
    await sendCompressed(req, res, bytes, compressed);
  });
  return r;
}
