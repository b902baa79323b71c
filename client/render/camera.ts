/**
 * A 2D camera over the mosaic, in cell units: one world unit is one cell.
 * Pure maths, no DOM and no PixiJS, so it is unit-tested on its own.
 */
export interface CameraState {
  /** Screen pixels per cell. */
  scale: number;
  /** World point at the centre of the view. */
  cx: number;
  cy: number;
}

export interface Viewport {
  width: number;
  height: number;
}

/** The camera that shows the whole cols x rows mosaic, centred, with a small margin. */
export function fitCamera(cols: number, rows: number, view: Viewport, margin = 0.96): CameraState {
  const scale = Math.min(view.width / Math.max(1, cols), view.height / Math.max(1, rows)) * margin;
  return { scale, cx: cols / 2, cy: rows / 2 };
}

/** Clamps zoom between the overview and `maxCellPx`, and keeps the mosaic's centre in reach. */
export function clampCamera(
  cam: CameraState,
  cols: number,
  rows: number,
  view: Viewport,
  maxCellPx: number,
): CameraState {
  const min = Math.min(fitCamera(cols, rows, view).scale, maxCellPx);
  const scale = Math.min(maxCellPx, Math.max(min * 0.8, cam.scale));
  // Half a view of slack past each edge, so an edge tile can be centred.
  const cx = Math.min(cols, Math.max(0, cam.cx));
  const cy = Math.min(rows, Math.max(0, cam.cy));
  return { scale, cx, cy };
}

/** Zooms by `factor` keeping the world point under screen point (sx, sy) fixed. */
export function zoomAt(
  cam: CameraState,
  factor: number,
  sx: number,
  sy: number,
  view: Viewport,
): CameraState {
  const wx = cam.cx + (sx - view.width / 2) / cam.scale;
  const wy = cam.cy + (sy - view.height / 2) / cam.scale;
  const scale = cam.scale * factor;
  return { scale, cx: wx - (sx - view.width / 2) / scale, cy: wy - (sy - view.height / 2) / scale };
}

/** Moves the view by a screen-space delta. */
export function panBy(cam: CameraState, dx: number, dy: number): CameraState {
  return { scale: cam.scale, cx: cam.cx - dx / cam.scale, cy: cam.cy - dy / cam.scale };
}

export function screenToWorld(cam: CameraState, sx: number, sy: number, view: Viewport): [number, number] {
  return [cam.cx + (sx - view.width / 2) / cam.scale, cam.cy + (sy - view.height / 2) / cam.scale];
}

export function worldToScreen(cam: CameraState, wx: number, wy: number, view: Viewport): [number, number] {
  return [(wx - cam.cx) * cam.scale + view.width / 2, (wy - cam.cy) * cam.scale + view.height / 2];
}

/** The visible world rectangle, as inclusive-exclusive cell bounds clipped to the grid. */
export function visibleCells(
  cam: CameraState,
  view: Viewport,
  cols: number,
  rows: number,
): { c0: number; r0: number; c1: number; r1: number } {
  const [x0, y0] = screenToWorld(cam, 0, 0, view);
  const [x1, y1] = screenToWorld(cam, view.width, view.height, view);
  return {
    c0: Math.max(0, Math.floor(x0)),
    r0: Math.max(0, Math.floor(y0)),
    c1: Math.min(cols, Math.ceil(x1)),
    r1: Math.min(rows, Math.ceil(y1)),
  };
}

/**
 * A fly-to path in the style of van Wijk & Nuij: zoom out, travel, zoom in,
 * flattened to a log-scale interpolation with an out-and-in bump. t in [0, 1].
 */
export function interpolateCamera(a: CameraState, b: CameraState, t: number): CameraState {
  const e = t < 0.5 ? 4 * t * t * t : 1 - (-2 * t + 2) ** 3 / 2;
  const dist = Math.hypot(b.cx - a.cx, b.cy - a.cy);
  const viewSpan = Math.max(1e-6, 1000 / Math.min(a.scale, b.scale));
  // Zoom out mid-flight when travelling further than about one view.
  const bump = Math.min(2.5, Math.log2(1 + dist / viewSpan)) * Math.sin(Math.PI * e);
  const logS = Math.log2(a.scale) * (1 - e) + Math.log2(b.scale) * e - bump;
  return { scale: 2 ** logS, cx: a.cx + (b.cx - a.cx) * e, cy: a.cy + (b.cy - a.cy) * e };
}
