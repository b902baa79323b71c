import { autoDetectRenderer, Container, ImageSource, type Renderer, Sprite, Texture } from 'pixi.js';
// PixiJS's static uniform and shader-sync code instead of `new Function`: the pages' CSP
// has no 'unsafe-eval' (server/http/security.ts).
import 'pixi.js/unsafe-eval';
import { tintedRgb } from '../../shared/protocolState.ts';
import { Arrivals } from './Arrivals.ts';
import { CameraController } from './CameraController.ts';
import { CellOutline } from './CellOutline.ts';
import { ColourLayer } from './ColourLayer.ts';
import { type CameraState, screenToWorld, type Viewport, worldToScreen } from './camera.ts';
import { DetailLayers } from './DetailLayers.ts';
import { EmptyColours } from './EmptyColours.ts';
import { PyramidLayers } from './PyramidLayers.ts';
import type { BoardImage, BoardImages, BoardModel, BoardStats, BoardTile } from './types.ts';

export interface BoardOptions {
  /** Element the canvas fills; its size is the view. */
  parent: HTMLElement;
  images: BoardImages;
  background?: number;
  /** Most screen px per cell (the closest zoom). */
  maxCellPx?: number;
  /** Animate arrivals (the screen and the viewer do; a bulk replay does not). */
  animateArrivals?: boolean;
  /**
   * Draw a tile that lands or moves on a held atlas block over it from its 32 px WebP
   * (default), or fetch the whole block again as the viewer did before (false: the
   * benchmark's reference).
   */
  patchLandings?: boolean;
  /**
   * Textures one draw call may mix. The board draws few, large textures, and a software
   * rasteriser pays for every branch of the batch shader's texture switch on each pixel.
   */
  maxBatchTextures?: number;
  /**
   * Resolution while the camera moves. Default: half the device resolution on a software
   * rasteriser (SwiftShader, llvmpipe), where pixels dominate a frame; full resolution on a GPU.
   * A still camera always gets a full-resolution frame.
   */
  motionResolution?: number;
}

/** True when WebGL runs on the CPU (no GPU, or a blocklisted one). */
function isSoftwareGl(renderer: Renderer): boolean {
  const gl = (renderer as unknown as { gl?: WebGLRenderingContext }).gl;
  if (!gl) return false;
  const ext = gl.getExtension('WEBGL_debug_renderer_info');
  const name = String(gl.getParameter(ext ? ext.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
  return /swiftshader|llvmpipe|software|basic render/i.test(name);
}

/** How strongly the target picture shows through empty cells. */
const TARGET_ALPHA = 0.28;
const BACKGROUND = 0x14101c;

const EMPTY_MODEL: BoardModel = {
  cols: 1,
  rows: 1,
  seq: 0,
  size: 0,
  partial: false,
  cellId: new Uint32Array(1),
  cellTint: new Int16Array(3),
  cellRgb: new Uint32Array(1),
  cellOfTile: () => undefined,
};

/**
 * The mosaic drawn with PixiJS at three levels of detail. It is fed plain values
 * (placements, images) and never touches the network; pages wire it to client/net.
 */
export class MosaicBoard {
  readonly canvas: HTMLCanvasElement;
  /** A tap or Enter on a tile (null: none there, or not held yet; `cell` says where). */
  onTap: ((tile: BoardTile | null, cell: number | null) => void) | null = null;
  /** Called whenever the camera moved (for permalinks, counters of what is in view). */
  onCamera: ((cam: CameraState) => void) | null = null;

  private model: BoardModel = EMPTY_MODEL;
  /** See {@link hold}. */
  private readonly held = new Set<number>();
  private colour = new ColourLayer(1, 1);
  private readonly world = new Container();
  private readonly stage = new Container();
  private readonly target = new Sprite(Texture.EMPTY);
  private readonly colourHolder = new Container();
  /** Atlases and photos, the near levels of detail. */
  private readonly detail: DetailLayers;
  /** The live colour pyramid, drawn beneath the colour layer when the model holds only some cells. */
  private readonly pyramid: PyramidLayers;
  private overviewWaiters: (() => void)[] = [];
  private readonly empties = new EmptyColours();
  private readonly arrivals = new Arrivals();
  /** The selected tile (white) and the keyboard's focus cell (yellow, as the pages' focus ring). */
  private readonly marker = new CellOutline(0xffffff);
  private readonly focusRing = new CellOutline(0xffd23f);
  private fading: { layer: ColourLayer; holder: Container; t0: number } | null = null;
  private readonly camera_: CameraController;
  private dirty = true;
  private lodDirty = true;
  private raf = 0;
  private readonly ro: ResizeObserver;
  private readonly maxCellPx: number;
  /** Frames actually drawn, for the bench and tests. */
  frames = 0;
  /** The sharp resolution (device pixel ratio, at most 2). */
  private readonly baseResolution: number;
  /** Resolution while the camera moves; below base only on software WebGL. */
  private readonly motionResolution: number;
  /** Asked for blocks of cells the camera needs (numbers as in pyramidPlan.ts); the page loads them. */
  set onNeedRegions(fn: ((blocks: number[]) => void) | null) {
    this.pyramid.onNeedRegions = fn;
  }

  private constructor(
    private readonly renderer: Renderer,
    private readonly opts: BoardOptions,
  ) {
    this.canvas = renderer.canvas as HTMLCanvasElement;
    this.baseResolution = renderer.resolution;
    this.motionResolution =
      opts.motionResolution ?? (isSoftwareGl(renderer) ? this.baseResolution / 2 : this.baseResolution);
    this.maxCellPx = opts.maxCellPx ?? 640;
    this.camera_ = new CameraController(this.maxCellPx, () => {
      this.touch();
      this.onCamera?.(this.camera);
    });
    const onChange = (): void => {
      this.lodDirty = true;
      this.dirty = true;
    };
    this.detail = new DetailLayers(onChange, opts.images);
    this.pyramid = new PyramidLayers(onChange, opts.images.colourTile);
    this.target.alpha = TARGET_ALPHA;
    this.colourHolder.addChild(this.colour.container);
    this.world.addChild(
      this.target,
      this.pyramid.top.container,
      this.pyramid.tiles.container,
      this.colourHolder,
      this.detail.atlases.container,
      this.detail.patches.container,
      this.detail.photos128.container,
      this.detail.photos512.container,
      this.marker.container,
      this.focusRing.container,
      this.arrivals.container,
    );
    this.stage.addChild(this.world);
    opts.parent.appendChild(this.canvas);
    this.ro = new ResizeObserver(() => this.resize());
    this.ro.observe(opts.parent);
    this.resize();
    const loop = (now: number): void => {
      this.raf = requestAnimationFrame(loop);
      this.tick(now);
    };
    this.raf = requestAnimationFrame(loop);
  }

  static async create(opts: BoardOptions): Promise<MosaicBoard> {
    const renderer = await autoDetectRenderer({
      // WebGL, or PixiJS's canvas renderer where WebGL is off. Not WebGPU: the build keeps only
      // the WebGL part of pixi.js/unsafe-eval, so that renderer is not in the page's first load
      // (vite.config.ts), and it would need `new Function`.
      preference: ['webgl', 'canvas'],
      width: Math.max(1, opts.parent.clientWidth),
      height: Math.max(1, opts.parent.clientHeight),
      resolution: Math.min(2, window.devicePixelRatio || 1),
      autoDensity: true,
      antialias: false,
      background: opts.background ?? BACKGROUND,
    });
    const limits = (renderer as unknown as { limits?: { maxBatchableTextures: number } }).limits;
    if (limits)
      limits.maxBatchableTextures = Math.min(limits.maxBatchableTextures, opts.maxBatchTextures ?? 4);
    return new MosaicBoard(renderer, opts);
  }

  get cols(): number {
    return this.model.cols;
  }
  get rows(): number {
    return this.model.rows;
  }
  get tileCount(): number {
    return this.count();
  }
  /** True while the camera flies (fly-to, overview, highlight). */
  get animating(): boolean {
    return this.camera_.animating;
  }
  get camera(): CameraState {
    return { ...this.camera_.state };
  }
  get viewport(): Viewport {
    return { ...this.camera_.viewport };
  }
  private get cam(): CameraState {
    return this.camera_.state;
  }
  private get view(): Viewport {
    return this.camera_.viewport;
  }

  /**
   * Redraws everything from the model after a snapshot or a growth re-layout.
   * A change of geometry cross-fades from the old layout to the new one.
   */
  relayout(model: BoardModel, animate = true): void {
    // The model may be the same object, already grown: the drawn layer knows the old size.
    const old = { cols: this.colour.cols, rows: this.colour.rows };
    this.model = model;
    this.held.clear();
    const { cols, rows } = model;
    const sameSize = cols === old.cols && rows === old.rows;
    this.arrivals.finishAll();
    const layer = sameSize && !model.partial ? this.colour : new ColourLayer(cols, rows);
    // A model that holds only some cells holds none yet: a new layer is transparent already.
    if (!model.partial) layer.paintAll(model);
    if (!sameSize || model.partial) {
      this.replaceColourLayer(layer, animate && old.cols > 1);
      const sx = cols / old.cols;
      const sy = rows / old.rows;
      if (this.fading) this.fading.holder.scale.set(sx, sy);
      if (!sameSize) {
        this.camera_.regrid(cols, rows, sx, sy);
      }
    }
    this.pyramid.relaid(model.partial);
    this.detail.relaid(cols, model.seq, !sameSize);
    this.layoutTarget();
    this.touch();
  }

  /**
   * Draws the far levels from the live colour pyramid (the model holds only some cells): its
   * geometry and each block's version, as the view start gave them. Call after relayout.
   */
  setPyramid(versions: ArrayLike<number>): void {
    this.pyramid.set(this.model.cols, this.model.rows, versions);
    this.touch();
  }

  /** The dimmed target only shows through empty cells; a full mosaic skips drawing it. */
  private updateTargetVisibility(): void {
    const full = this.model.size >= this.model.cols * this.model.rows;
    this.target.visible = !full;
    this.colour.setOpaque(full && !this.model.partial);
  }

  /**
   * Some cells changed in the model (placed, moved, removed). `arrived` lists cells
   * that got a new tile; they land with an animation when `animateArrivals` is on.
   * `removed` lists cells a tile was deleted or hidden from in the same changes: a tile
   * arriving there is not drawn over the atlas block that may still show the one that left.
   * Any other cell that holds a tile now (placed there, or moved there by a swap) is drawn
   * over its atlas block from that tile's 32 px WebP when the board holds the block.
   */
  changed(cells: readonly number[], arrived: readonly number[] = [], removed: readonly number[] = []): void {
    for (const c of cells) this.held.delete(c);
    const m = this.model;
    const seq = m.seq;
    const animate = this.opts.animateArrivals ?? true;
    const landing = new Set<number>();
    if (animate) {
      for (const c of arrived) {
        const id = m.cellId[c]!;
        if (!id) continue;
        const colour = this.colourOfCell(c);
        const ok = this.arrivals.start(c % m.cols, Math.floor(c / m.cols), colour, performance.now(), () => {
          if (this.model === m && m.cellId[c] === id) this.paint(this.colour, c);
          this.dirty = true;
        });
        if (ok) landing.add(c);
      }
    }
    const gone = new Set(removed);
    for (const c of cells) {
      if (c < 0 || c >= m.cols * m.rows) continue;
      const patch = this.opts.patchLandings !== false && m.cellId[c] !== 0 && !gone.has(c);
      this.detail.changed(c % m.cols, Math.floor(c / m.cols), seq, patch);
      this.pyramid.changed(c % m.cols, Math.floor(c / m.cols), seq);
      if (landing.has(c)) this.colour.clear(c % m.cols, Math.floor(c / m.cols));
      else this.paint(this.colour, c);
    }
    this.updateTargetVisibility();
    this.touch();
  }

  /**
   * Cells the model changed that the board is not to show yet (the page is paused): until
   * {@link changed} names them, no photo is asked for or kept there, and their colour stays.
   */
  hold(cells: readonly number[]): void {
    for (const c of cells) this.held.add(c);
    if (cells.length) this.touch();
  }

  setTarget(img: BoardImage): void {
    const res = img instanceof HTMLImageElement || img instanceof ImageBitmap ? img : null;
    if (!res) return;
    this.target.texture = new Texture({ source: new ImageSource({ resource: res }) });
    this.empties.setTarget(res, TARGET_ALPHA, BACKGROUND);
    this.layoutTarget();
    this.touch();
  }

  /** The cell under a screen point, or null outside the grid. */
  cellAtScreen(sx: number, sy: number): number | null {
    const [wx, wy] = screenToWorld(this.cam, sx, sy, this.view);
    const col = Math.floor(wx);
    const row = Math.floor(wy);
    if (col < 0 || row < 0 || col >= this.cols || row >= this.rows) return null;
    return row * this.cols + col;
  }

  /** A block of cells the page was asked for could not be loaded: it is asked for again later. */
  regionFailed(block: number): void {
    this.pyramid.failed(block);
    this.touch();
  }

  /** Marks a block as asked for (the page loads it itself, e.g. for a tap). */
  regionAsked(block: number): boolean {
    return this.pyramid.ask(block);
  }

  tileById(id: number): BoardTile | null {
    const c = this.model.cellOfTile(id);
    return c === undefined ? null : this.tileInCell(c);
  }

  tileInCell(c: number): BoardTile | null {
    const m = this.model;
    const id = m.cellId[c];
    if (!id) return null;
    const t = m.cellTint;
    return {
      id,
      col: c % m.cols,
      row: Math.floor(c / m.cols),
      rgb: m.cellRgb[c]!,
      tint: { r: t[3 * c]!, g: t[3 * c + 1]!, b: t[3 * c + 2]! },
    };
  }

  /** Centre of a cell on screen, in CSS px relative to the canvas. */
  cellToScreen(col: number, row: number): [number, number] {
    return worldToScreen(this.cam, col + 0.5, row + 0.5, this.view);
  }

  /** Animates the camera to a cell at `cellPx` screen px per cell (ms = 0 jumps). */
  flyTo(
    col: number,
    row: number,
    cellPx = Math.min(this.view.width, this.view.height) * 0.6,
    ms = 1600,
    done?: () => void,
  ): void {
    this.camera_.flyTo(col, row, cellPx, ms, done);
  }

  /** Animates back to the whole mosaic. */
  overview(ms = 1200, done?: () => void): void {
    this.camera_.overview(ms, done);
  }

  /** Outlines one cell (the selected tile), or hides the outline with null. */
  mark(col: number | null, row = 0): void {
    this.marker.show(col, row);
    this.touch();
  }

  /** Rings the keyboard's focus cell, or hides the ring with null. */
  focusCell(col: number | null, row = 0): void {
    this.focusRing.show(col, row);
    this.touch();
  }

  /** The keyboard's focus cell as [col, row], or null. */
  get focusedCell(): [number, number] | null {
    return this.focusRing.shown;
  }

  /** Arrivals animate or land in place (reduced motion can be switched on the page). */
  setAnimateArrivals(on: boolean): void {
    this.opts.animateArrivals = on;
    if (!on) this.arrivals.finishAll();
  }

  /** Camera changes from user input; these stop any animation and leave fit mode. */
  zoomBy(factor: number, sx = this.view.width / 2, sy = this.view.height / 2): void {
    this.camera_.zoomBy(factor, sx, sy);
  }

  panBy(dx: number, dy: number): void {
    this.camera_.panBy(dx, dy);
  }

  setCamera(c: CameraState): void {
    this.camera_.set(c);
  }

  /** Colour of a cell as the far level of detail draws it: [r, g, b, a]. */
  cellColour(col: number, row: number): [number, number, number, number] {
    return this.colour.get(col, row);
  }

  stats(): BoardStats {
    return {
      tiles: this.count(),
      cellPx: this.cam.scale,
      atlases: this.detail.shownAtlases,
      patches: this.detail.shownPatches,
      photos: this.detail.shownPhotos,
      gpuBytes: this.colour.bytes + this.detail.bytes + this.pyramid.bytes,
      pyramidTiles: this.pyramid.shown,
      arrivals: this.arrivals.count,
    };
  }

  /**
   * Runs `fn` once, right after the first frame that shows the whole view: at once when the
   * model holds every cell, else once the colour pyramid's tiles for the view have loaded.
   */
  afterOverviewDrawn(fn: () => void): void {
    this.overviewWaiters.push(fn);
    this.dirty = true;
  }

  /** Draws one frame now (the bench calls this to time frames). */
  renderNow(): void {
    this.tick(performance.now(), true);
  }

  /** Blocks until the GPU finished the last frame (reads one pixel back); for timing only. */
  finish(): void {
    const gl = (this.renderer as unknown as { gl?: WebGL2RenderingContext }).gl;
    gl?.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, new Uint8Array(4));
  }

  destroy(): void {
    cancelAnimationFrame(this.raf);
    this.ro.disconnect();
    this.pyramid.destroy();
    this.detail.destroy();
    this.colour.destroy();
    this.renderer.destroy();
    this.canvas.remove();
  }

  private colourOfCell(c: number): number {
    const m = this.model;
    const t = m.cellTint;
    return tintedRgb(m.cellRgb[c]!, t[3 * c]!, t[3 * c + 1]!, t[3 * c + 2]!);
  }

  private paint(layer: ColourLayer, c: number): void {
    const cols = this.model.cols;
    if (!this.model.cellId[c]) {
      if (this.model.partial) {
        // Over the pyramid an empty cell must hide what the pyramid last showed there.
        const k = this.empties.at(c % cols, Math.floor(c / cols), this.model.cols, this.model.rows);
        layer.set(c % cols, Math.floor(c / cols), k >> 16, (k >> 8) & 255, k & 255);
      } else layer.clear(c % cols, Math.floor(c / cols));
      return;
    }
    const k = this.colourOfCell(c);
    layer.set(c % cols, Math.floor(c / cols), k >> 16, (k >> 8) & 255, k & 255);
  }

  private count(): number {
    return this.model.size;
  }

  private replaceColourLayer(layer: ColourLayer, fade: boolean): void {
    if (this.fading) {
      this.fading.layer.destroy();
      this.fading.holder.destroy();
      this.fading = null;
    }
    const old = this.colour;
    this.colourHolder.removeChild(old.container);
    if (fade) {
      const holder = new Container();
      holder.addChild(old.container);
      this.world.addChildAt(holder, this.world.getChildIndex(this.colourHolder) + 1);
      this.fading = { layer: old, holder, t0: performance.now() };
    } else {
      old.destroy();
    }
    this.colour = layer;
    this.colourHolder.addChild(layer.container);
  }

  private layoutTarget(): void {
    this.updateTargetVisibility();
    this.target.position.set(0, 0);
    this.target.width = this.model.cols;
    this.target.height = this.model.rows;
  }

  private resize(): void {
    const w = Math.max(1, this.opts.parent.clientWidth);
    const h = Math.max(1, this.opts.parent.clientHeight);
    if (w === this.view.width && h === this.view.height) return;
    this.renderer.resize(w, h, this.renderer.resolution);
    this.camera_.resize({ width: w, height: h });
  }

  private touch(): void {
    this.dirty = true;
    this.lodDirty = true;
  }

  private tick(now: number, force = false): void {
    this.camera_.tick(now);
    if (this.arrivals.update(now, this.cam.scale) || this.arrivals.count > 0) this.dirty = true;
    if (this.fading) {
      const t = Math.min(1, (now - this.fading.t0) / 900);
      this.fading.holder.alpha = 1 - t;
      this.colour.container.alpha = t;
      this.dirty = true;
      if (t >= 1) {
        this.fading.layer.destroy();
        this.fading.holder.destroy();
        this.fading = null;
      }
    }
    if (this.lodDirty) {
      this.lodDirty = false;
      this.updateLod(now);
    }
    // A moving camera draws at motion resolution; 150 ms after it stops, one sharp frame.
    const moving = this.camera_.animating || now - this.camera_.lastMoveAt < 150;
    const res = moving ? this.motionResolution : this.baseResolution;
    if (res !== this.renderer.resolution) {
      this.renderer.resize(this.view.width, this.view.height, res);
      this.dirty = true;
    }
    if (this.colour.flush() > 0) this.dirty = true;
    if (!this.dirty && !force) return;
    this.dirty = false;
    const { scale, cx, cy } = this.cam;
    this.marker.layout(scale);
    this.focusRing.layout(scale);
    this.world.scale.set(scale);
    this.world.position.set(this.view.width / 2 - cx * scale, this.view.height / 2 - cy * scale);
    this.renderer.render(this.stage);
    this.frames++;
    if (
      this.overviewWaiters.length &&
      this.model !== EMPTY_MODEL &&
      (!this.model.partial || this.pyramid.covers)
    )
      for (const fn of this.overviewWaiters.splice(0)) fn();
  }

  private updateLod(now: number): void {
    // Nothing to plan before the first layout (the placeholder grid would ask for photos).
    if (this.model === EMPTY_MODEL) return;
    const scale = this.cam.scale;
    this.colour.setCellPx(scale);
    this.pyramid.plan(now, this.cam, this.view, this.model);
    const cover = this.detail.plan(now, this.cam, this.view, this.model, scale * this.baseResolution, (c) =>
      this.held.has(c) ? null : this.tileInCell(c),
    );
    // Skip layers that are fully hidden under loaded, current ones: a software rasteriser
    // pays for every covered pixel. Empty cells are transparent in every layer alike.
    this.colour.container.visible = !(cover.atlases || cover.photos);
    this.pyramid.visible = this.colour.container.visible;
  }
}
