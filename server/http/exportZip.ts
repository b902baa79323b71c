import { once } from 'node:events';
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { finished } from 'node:stream/promises';
import type { Response } from 'express';
import { ZipFile } from 'yazl';
import { deepZoomXml, levelTiles, type Pyramid } from '../../shared/mosaic/pyramid.ts';
import type { PyramidFormat, PyramidTiles } from './PyramidTiles.ts';
import { progressLog } from './progressLog.ts';

/** OpenSeadragon's build folder (openseadragon.min.js and images/), copied into every zip. */
const OSD_DIR = dirname(createRequire(import.meta.url).resolve('openseadragon'));
/** Bytes the zip may run ahead of a slow download before rendering waits. */
const AHEAD = 8 * 1024 * 1024;

/** The page in the zip: OpenSeadragon, from the zip itself, on mosaic.dzi. */
export function viewerPage(p: Pyramid): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Kiss-in mosaic</title>
<style>html,body{margin:0;height:100%;background:#111}#viewer{width:100%;height:100%}</style>
</head>
<body>
<!-- ${p.cols} x ${p.rows} tiles, ${p.width} x ${p.height} px at ${p.cellPx} px per tile. Serve this folder over
     HTTP (any static host): browsers do not let a page opened from a file read mosaic.dzi. -->
<div id="viewer"></div>
<script src="openseadragon/openseadragon.min.js"></script>
<script>
window.viewer = OpenSeadragon({
  id: 'viewer',
  prefixUrl: 'openseadragon/images/',
  tileSources: 'mosaic.dzi',
  showNavigator: true,
  maxZoomPixelRatio: 2,
});
</script>
</body>
</html>
`;
}

function tileCount(p: Pyramid): number {
  let n = 0;
  for (let level = 0; level <= p.maxLevel; level++) {
    const t = levelTiles(p, level);
    n += t.cols * t.rows;
  }
  return n;
}

/**
 * Streams the whole pyramid as a zip for any static host: index.html, mosaic.dzi,
 * mosaic_files/{level}/{col}_{row}.{format} and OpenSeadragon. Tiles are rendered one at a
 * time and stored (PNG is compressed already); rendering waits while the download lags.
 * Progress is logged for 1,000+ tiles. A failure cuts the download, so no zip looks whole
 * that is not.
 */
export async function sendExportZip(res: Response, tiles: PyramidTiles, format: PyramidFormat) {
  const p = tiles.pyramid;
  const zip = new ZipFile();
  res.setHeader('Content-Type', 'application/zip');
  res.setHeader('Content-Disposition', 'attachment; filename="kiss-in-mosaic-deepzoom.zip"');
  const out = zip.outputStream as NodeJS.ReadableStream & { readableLength: number };
  out.pipe(res);
  zip.addBuffer(Buffer.from(viewerPage(p)), 'index.html');
  zip.addBuffer(Buffer.from(deepZoomXml(p, format)), 'mosaic.dzi');
  zip.addFile(join(OSD_DIR, 'openseadragon.min.js'), 'openseadragon/openseadragon.min.js');
  for (const f of readdirSync(join(OSD_DIR, 'images')))
    zip.addFile(join(OSD_DIR, 'images', f), `openseadragon/images/${f}`, { compress: false });

  const total = tileCount(p);
  if (total >= 1000)
    console.log(`export.zip: ${total} tiles, ${p.width}x${p.height} px at ${p.cellPx} px per tile`);
  const progress = progressLog('export.zip', total);
  let done = 0;
  try {
    for (let level = 0; level <= p.maxLevel; level++) {
      const n = levelTiles(p, level);
      for (let row = 0; row < n.rows; row++) {
        for (let col = 0; col < n.cols; col++) {
          if (res.destroyed) return;
          if (tiles.pyramid.width !== p.width || tiles.pyramid.height !== p.height)
            throw new Error('the mosaic grew while the zip was made');
          const data = await tiles.encoded(level, col, row, format);
          zip.addBuffer(data!, `mosaic_files/${level}/${col}_${row}.${format}`, { compress: false });
          while (out.readableLength > AHEAD && !res.destroyed)
            await Promise.race([once(res, 'drain'), new Promise((r) => setTimeout(r, 100))]);
          progress(++done);
        }
      }
    }
    zip.end();
    await finished(res);
  } catch (e) {
    if (!res.destroyed) console.error('export.zip: stopped:', e);
    res.destroy();
  }
}
