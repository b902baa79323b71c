import {
  type CameraState,
  clampCamera,
  fitCamera,
  interpolateCamera,
  panBy,
  type Viewport,
  zoomAt,
} from './camera.ts';

/**
 * The board's camera: where it looks, its flights, and whether it follows the whole mosaic
 * (fit mode, kept across resizes and growths). No PixiJS: the board reads `state` each frame.
 */
export class CameraController {
  private cam: CameraState = { scale: 1, cx: 0.5, cy: 0.5 };
  private anim: { from: CameraState; to: CameraState; t0: number; dur: number; done?: () => void } | null =
    null;
  /** True while the camera shows the whole mosaic and should keep doing so. */
  fit = true;
  private view: Viewport = { width: 1, height: 1 };
  private cols = 1;
  private rows = 1;
  /** When the camera last moved by input, for the board's motion resolution. */
  lastMoveAt = -1e9;

  constructor(
    private readonly maxCellPx: number,
    /** Called after every change of the camera. */
    private readonly moved: () => void,
  ) {}

  get state(): CameraState {
    return this.cam;
  }
  get viewport(): Viewport {
    return this.view;
  }
  get animating(): boolean {
    return this.anim !== null;
  }

  /** A new viewport size: fit mode refits, otherwise the camera is clamped. */
  resize(view: Viewport): void {
    this.view = view;
    this.cam = this.fit ? fitCamera(this.cols, this.rows, view) : this.clamp(this.cam);
    this.moved();
  }

  /** A new grid: fit mode refits; otherwise the camera keeps looking at the same picture, scaled by sx, sy. */
  regrid(cols: number, rows: number, sx = 1, sy = 1): void {
    this.cols = cols;
    this.rows = rows;
    this.cam = this.fit
      ? fitCamera(cols, rows, this.view)
      : { scale: this.cam.scale / sx, cx: this.cam.cx * sx, cy: this.cam.cy * sy };
    this.cancel();
    this.moved();
  }

  /** Animates the camera to a cell at `cellPx` screen px per cell (ms = 0 jumps there). */
  flyTo(col: number, row: number, cellPx: number, ms: number, done?: () => void): void {
    const to = this.clamp({ scale: cellPx, cx: col + 0.5, cy: row + 0.5 });
    this.fit = false;
    this.start(to, ms, done);
  }

  /** Animates back to the whole mosaic (fit mode). */
  overview(ms: number, done?: () => void): void {
    this.start(fitCamera(this.cols, this.rows, this.view), ms, done);
    this.fit = true;
  }

  zoomBy(factor: number, sx: number, sy: number): void {
    this.cancel();
    this.fit = false;
    this.set(zoomAt(this.cam, factor, sx, sy, this.view));
  }

  panBy(dx: number, dy: number): void {
    this.cancel();
    this.fit = false;
    this.set(panBy(this.cam, dx, dy));
  }

  /** Input moved the camera. */
  set(c: CameraState): void {
    this.lastMoveAt = performance.now();
    this.cam = this.clamp(c);
    this.moved();
  }

  /** Stops a flight; its `done` still runs, so chains (the screen's highlights) go on. */
  cancel(): void {
    const done = this.anim?.done;
    this.anim = null;
    done?.();
  }

  /** Advances a flight to `now`; true when the camera moved. */
  tick(now: number): boolean {
    if (!this.anim) return false;
    const t = Math.min(1, (now - this.anim.t0) / this.anim.dur);
    this.cam = interpolateCamera(this.anim.from, this.anim.to, t);
    if (t >= 1) {
      const done = this.anim.done;
      this.anim = null;
      done?.();
    }
    this.moved();
    return true;
  }

  private start(to: CameraState, ms: number, done?: () => void): void {
    if (ms <= 0) {
      // No flight (reduced motion): the camera is there at once, and the chain goes on.
      this.cancel();
      this.cam = to;
      this.moved();
      done?.();
      return;
    }
    this.anim = { from: this.cam, to, t0: performance.now(), dur: ms, done };
  }

  private clamp(c: CameraState): CameraState {
    return clampCamera(c, this.cols, this.rows, this.view, this.maxCellPx);
  }
}
