/**
 * The contribute page's view of a new tile among its neighbours, for mosaics too big to
 * download whole: the 2x2 atlas blocks nearest the tile (32x32 cells, a few hundred KB in
 * all) over the dimmed target, drawn on a 2D canvas, the tile ringed. No PixiJS and no socket.
 */
import type { MosaicInfo } from '../../shared/httpApi.ts';
import { atlasUrl } from '../net/api.ts';
import { loadBitmap } from '../net/bitmap.ts';

/** Of the two neighbouring blocks along one axis, the first: the pair that holds `cell` nearest its middle. */
export function blockPair(cell: number, cellsPerBlock: number, blocks: number): number {
  const b = Math.floor(cell / cellsPerBlock);
  const first = cell % cellsPerBlock < cellsPerBlock / 2 ? b - 1 : b;
  return Math.max(0, Math.min(first, blocks - 2));
}

/** The first of `visible` cells shown along an axis of `span` cells, centred on `cell` where it fits. */
function windowStart(cell: number, visible: number, span: number): number {
  if (visible >= span) return (span - visible) / 2;
  return Math.max(0, Math.min(cell + 0.5 - visible / 2, span - visible));
}

/**
 * Draws the neighbourhood of the cell (col, row) into `box` (which sets the size): the
 * 2x2 blocks fill its width, and its height shows the rows around the tile. Resolves
 * when drawn; rejects when no block could be loaded.
 */
export async function drawNeighbourhood(
  box: HTMLElement,
  info: MosaicInfo,
  col: number,
  row: number,
  label: string,
): Promise<void> {
  const n = info.atlasCells;
  const blocksX = Math.ceil(info.cols / n);
  const blocksY = Math.ceil(info.rows / n);
  const nx = Math.min(2, blocksX);
  const ny = Math.min(2, blocksY);
  const ax0 = blockPair(col, n, blocksX);
  const ay0 = blockPair(row, n, blocksY);
  const blocks: (readonly [number, number])[] = [];
  for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) blocks.push([ax0 + i, ay0 + j] as const);
  // The target shows dimmed through empty cells, as in the viewer.
  const [target, ...images] = await Promise.allSettled([
    loadBitmap(info.targetUrl),
    ...blocks.map(([ax, ay]) => loadBitmap(atlasUrl(info, ax, ay, info.seq))),
  ]);
  if (images.every((r) => r.status === 'rejected')) throw new Error('no atlas block could be loaded');

  const spanX = nx * n;
  const spanY = ny * n;
  const cssW = box.clientWidth || 320;
  const cssH = box.clientHeight || 260;
  const cell = cssW / spanX;
  const visibleY = cssH / cell;
  const top = windowStart(row - ay0 * n, visibleY, spanY);
  const dpr = Math.min(2, window.devicePixelRatio || 1);
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(cssW * dpr);
  canvas.height = Math.round(cssH * dpr);
  canvas.className = 'neighbourhood';
  canvas.style.width = `${cssW}px`;
  canvas.style.height = `${cssH}px`;
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', label);
  const g = canvas.getContext('2d');
  if (!g) throw new Error('no 2D canvas');
  g.scale(dpr, dpr);
  g.fillStyle = '#1b1030';
  g.fillRect(0, 0, cssW, cssH);
  if (target!.status === 'fulfilled') {
    g.imageSmoothingEnabled = false;
    g.globalAlpha = 0.35;
    // The PNG is at most 1024 px on its longer side, whatever the grid: scale cells to its pixels.
    const kx = target!.value.width / info.cols;
    const ky = target!.value.height / info.rows;
    g.drawImage(
      target!.value,
      ax0 * n * kx,
      ay0 * n * ky,
      spanX * kx,
      spanY * ky,
      0,
      -top * cell,
      spanX * cell,
      spanY * cell,
    );
    g.globalAlpha = 1;
    g.imageSmoothingEnabled = true;
    target!.value.close();
  }
  g.imageSmoothingQuality = 'high';
  const blockPx = n * cell;
  images.forEach((r, k) => {
    if (r.status !== 'fulfilled') return;
    const [ax, ay] = blocks[k]!;
    g.drawImage(r.value, (ax - ax0) * blockPx, (ay - ay0) * blockPx - top * cell, blockPx, blockPx);
    r.value.close();
  });
  // The ring: dark, then white, then the campaign's pink, so it reads on any colour.
  const x = (col - ax0 * n) * cell;
  const y = (row - ay0 * n - top) * cell;
  const pad = Math.max(3, cell * 0.35);
  // For tests and tools that look at the picture: the ring (x, y, side) and the view (the
  // grid column and row at the canvas's top left, and a cell's side), in CSS px and cells.
  canvas.dataset.ring = [x - pad, y - pad, cell + 2 * pad].map((v) => v.toFixed(2)).join(',');
  canvas.dataset.view = [ax0 * n, ay0 * n + top, cell].map((v) => v.toFixed(4)).join(',');
  for (const [width, colour] of [
    [7, 'rgba(0,0,0,0.55)'],
    [4, '#ffffff'],
    [2, '#ff3d8b'],
  ] as const) {
    g.lineWidth = width;
    g.strokeStyle = colour;
    g.strokeRect(x - pad, y - pad, cell + 2 * pad, cell + 2 * pad);
  }
  box.replaceChildren(canvas);
}
