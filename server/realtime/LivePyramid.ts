import { readFileSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  COLOUR_TILE,
  type ColourPyramid,
  type ColourTileId,
  colourPyramidOf,
  colourTileKey,
  colourTileOfKey,
  hasColourTile,
  levelGrid,
  renderColourTile,
  tilesOfCell,
  tileVersion,
} from '../../shared/mosaic/colourPyramid.ts';
import type { LiveMosaic } from '../../shared/protocol.ts';
import { sharp } from '../ingest/sharp.ts';
import type { ModelWatcher } from './LiveBroadcaster.ts';

/** What the pyramid reads: the live layer's copy of the mosaic, and its changes. */
export interface PyramidSource {
  readonly mosaic: Readonly<LiveMosaic>;
  /** The mosaic's epoch (a cache on disk belongs to one). */
  readonly epoch: number;
  watch(fn: ModelWatcher): () => void;
}

export interface LivePyramidOptions {
  /** Shortest time between two publishes, ms (a delete waits no longer than this). Default 100. */
  minIntervalMs?: number;
  /** Share of one core the renders may take on average; later publishes wait. Default 0.2. */
  cpuShare?: number;
  /**
   * WebP quality. Default 80, with sharp's smart chroma subsampling: a 256 px tile of a real
   * million-tile mosaic is 5-12 KB, where lossless WebP is 85 KB and PNG 130 KB.
   */
  quality?: number;
  log?: (message: string, error?: unknown) => void;
  /**
   * A folder to keep the rendered tiles in (see {@link PyramidDiskCache}); without it they are
   * kept in memory only and a restart renders them all again.
   */
  cacheDir?: string | null;
}

/** The pyramid as published: every tile's content is the mosaic at `seq`. */
export interface PublishedPyramid {
  seq: number;
  pyramid: ColourPyramid;
  /** Per block (level-0 tile), the seq of its last change up to `seq`. */
  versions: Uint32Array;
  /** Tiles in the mosaic at `seq`. */
  size: number;
}

interface Tile {
  v: number;
  bytes: Buffer;
}

/**
 * The live colour pyramid (see shared/mosaic/colourPyramid.ts), kept current from the live
 * layer's copy of the mosaic: each change marks the tiles above its cells, and a publish
 * renders just those, from one consistent state, encodes them (WebP) and swaps them in at
 * once. A burst of changes costs one render per tile per publish, and publishes are spaced
 * so that they take at most `cpuShare` of a core. Pending and deleted tiles are in no level:
 * only the live copy's tiles are drawn, and a delete's tiles are re-rendered at the next
 * publish (at most `minIntervalMs` later), after which every version from before it is refused.
 * The rendered tiles are kept in memory (5-12 KB each) and, with `cacheDir`, on disk: a
 * restart of an unchanged mosaic then renders nothing, and reads each tile from disk the first
 * time it is asked for (rendering it again if its file is missing or unreadable).
 */
export class LivePyramid {
  private pyramid: ColourPyramid;
  private versions: Uint32Array;
  private dirty = new Set<string>();
  private tiles = new Map<string, Tile>();
  /** Per tile, the seq of the last delete under it: versions before it are refused. */
  private purgedAt = new Map<string, number>();
  /** Deletes (and re-layouts) waiting for the next publish: tile key -> seq. */
  private purge = new Map<string, number>();
  private published: PublishedPyramid | null = null;
  private running = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private lastEnd = Number.NEGATIVE_INFINITY;
  private lastCost = 0;
  private waiters: (() => void)[] = [];
  private readonly stop: () => void;
  private readonly o: Required<Omit<LivePyramidOptions, 'cacheDir'>>;
  private readonly disk: PyramidDiskCache | null;
  private closed = false;
  /** Tiles rendered since start, for tests and the bench. */
  rendered = 0;
  /** The keys (`level/tx_ty`) the last publish rendered, for tests. */
  lastRendered: string[] = [];

  constructor(
    private readonly source: PyramidSource,
    opts: LivePyramidOptions = {},
  ) {
    this.o = {
      minIntervalMs: opts.minIntervalMs ?? 100,
      cpuShare: opts.cpuShare ?? 0.2,
      quality: opts.quality ?? 80,
      log: opts.log ?? ((m, e) => console.error(m, e ?? '')),
    };
    this.disk = opts.cacheDir ? new PyramidDiskCache(opts.cacheDir, this.o.log) : null;
    this.pyramid = colourPyramidOf(1, 1);
    this.versions = new Uint32Array(1);
    if (!this.resume()) this.reset(source.mosaic.seq, false);
    this.stop = source.watch((cells, seq, removed) => this.changed(cells, seq, removed));
  }

  /**
   * The published pyramid, waiting for the first publish and for one in the mosaic's current
   * geometry; with `atLeast`, also for one of that seq or later, for at most `waitMs` (a change
   * is published a moment after it), after which the latest one is given.
   */
  async current(atLeast = 0, waitMs = 2000): Promise<PublishedPyramid> {
    const until = performance.now() + waitMs;
    for (;;) {
      while (!this.published || (this.published.pyramid !== this.pyramid && !this.closed))
        await this.nextPublish();
      const left = until - performance.now();
      if (this.published.seq >= atLeast || this.closed || left <= 0) return this.published;
      await this.nextPublish(left);
    }
  }

  /**
   * A tile's bytes for version `v`: the current tile when `v` is its version or older, as
   * long as no delete touched the tile after `v` (a version from before a delete is refused:
   * 'stale'). A tile never shows less current a state than its URL names, and never a
   * deleted tile. A version newer than the published one waits for a publish or two (a node
   * whose copy is behind the one a viewer heard from). 'missing' when there is no such tile.
   */
  async tile(t: ColourTileId, v: number, waitMs = 2000): Promise<Buffer | 'stale' | 'missing'> {
    const until = performance.now() + waitMs;
    for (;;) {
      const p = await this.current();
      if (!hasColourTile(p.pyramid, t)) return 'missing';
      const key = colourTileKey(t);
      const cur = this.tiles.get(key) ?? (await this.fromDisk(key, p));
      if (cur && v < (this.purgedAt.get(key) ?? 0)) return 'stale';
      if (cur && v <= cur.v) return cur.bytes;
      const left = until - performance.now();
      if (left <= 0 || this.closed) return 'stale';
      await this.nextPublish(left);
    }
  }

  /** Resolves once every rendered tile has been written to the disk cache. */
  flush(): Promise<void> {
    return this.disk?.flush() ?? Promise.resolve();
  }

  close(): void {
    this.closed = true;
    this.stop();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const w of this.waiters.splice(0)) w();
  }

  /** Resolves at the next publish, or after `ms` when given, whichever is first. */
  private async nextPublish(ms?: number): Promise<void> {
    const next = new Promise<void>((r) => this.waiters.push(r));
    if (ms === undefined) return next;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([next, new Promise((r) => (timer = setTimeout(r, ms)))]);
    clearTimeout(timer);
  }

  /**
   * Takes the published pyramid from the disk cache when it is of this very mosaic state
   * (epoch, seq, size and geometry): its tiles are then read from disk as they are asked for.
   */
  private resume(): boolean {
    const m = this.source.mosaic;
    const saved = this.disk?.manifest();
    if (
      !saved ||
      saved.epoch !== this.source.epoch ||
      saved.seq !== m.seq ||
      saved.size !== m.size ||
      saved.cols !== m.cols ||
      saved.rows !== m.rows
    )
      return false;
    const p = colourPyramidOf(Math.max(1, m.cols), Math.max(1, m.rows));
    if (saved.versions.length !== p.blockCols * p.blockRows) return false;
    this.pyramid = p;
    this.versions = Uint32Array.from(saved.versions);
    for (const [k, at] of Object.entries(saved.purgedAt)) this.purgedAt.set(k, at);
    this.published = { seq: m.seq, pyramid: p, versions: this.versions.slice(), size: m.size };
    return true;
  }

  /** A tile of the published pyramid `p` read from the disk cache; rendered again when it cannot be. */
  private async fromDisk(key: string, p: PublishedPyramid): Promise<Tile | undefined> {
    if (!this.disk || this.dirty.has(key)) return undefined;
    const bytes = await this.disk.read(key);
    if (this.tiles.has(key) || this.published !== p) return this.tiles.get(key);
    if (!bytes) {
      this.dirty.add(key);
      this.schedule(true);
      return undefined;
    }
    const tile = { v: tileVersion(p.pyramid, p.versions, colourTileOfKey(key)), bytes };
    this.tiles.set(key, tile);
    return tile;
  }

  /** New geometry, or every cell changed: every tile is re-rendered, and no old one is kept. */
  private reset(seq: number, drop: boolean): void {
    const m = this.source.mosaic;
    this.pyramid = colourPyramidOf(Math.max(1, m.cols), Math.max(1, m.rows));
    this.versions = new Uint32Array(this.pyramid.blockCols * this.pyramid.blockRows).fill(seq);
    this.dirty.clear();
    for (let level = 0; level <= this.pyramid.top; level++) {
      const g = levelGrid(this.pyramid, level);
      for (let ty = 0; ty < g.rows; ty++)
        for (let tx = 0; tx < g.cols; tx++) this.dirty.add(colourTileKey({ level, tx, ty }));
    }
    if (drop) for (const k of this.tiles.keys()) this.purge.set(k, seq);
    this.schedule(true);
  }

  private changed(cells: readonly number[] | null, seq: number, removed: boolean): void {
    if (this.closed) return;
    const m = this.source.mosaic;
    if (cells === null || m.cols !== this.pyramid.cols || m.rows !== this.pyramid.rows) {
      this.reset(seq, true);
      return;
    }
    const p = this.pyramid;
    for (const cell of cells) {
      const col = cell % p.cols;
      const row = (cell - col) / p.cols;
      this.versions[Math.floor(row / COLOUR_TILE) * p.blockCols + Math.floor(col / COLOUR_TILE)] = seq;
      for (const t of tilesOfCell(p, col, row)) {
        const key = colourTileKey(t);
        this.dirty.add(key);
        if (removed) this.purge.set(key, seq);
      }
    }
    this.schedule(removed);
  }

  private schedule(urgent: boolean): void {
    if (this.running || this.closed || this.dirty.size === 0) return;
    const since = performance.now() - this.lastEnd;
    const spacing = urgent
      ? this.o.minIntervalMs
      : Math.max(this.o.minIntervalMs, this.lastCost / this.o.cpuShare - this.lastCost);
    const wait = Math.max(0, spacing - since);
    if (this.timer && !urgent) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.publish();
    }, wait);
    this.timer.unref?.();
  }

  private async publish(): Promise<void> {
    this.running = true;
    const t0 = performance.now();
    const m = this.source.mosaic;
    const p = this.pyramid;
    const versions = this.versions.slice();
    const keys = [...this.dirty];
    const purge = this.purge;
    this.dirty = new Set();
    this.purge = new Map();
    const colour = (cell: number) => m.farColour(cell) ?? -1;
    // Rendered in one go from one state; only the encoding runs while changes arrive.
    const raws = keys.map((key) => {
      const t = colourTileOfKey(key);
      return { key, v: tileVersion(p, versions, t), raw: renderColourTile(p, t, colour) };
    });
    const seq = m.seq;
    const size = m.size;
    try {
      const encoded = await Promise.all(
        raws.map(async (r) => ({
          ...r,
          bytes: await sharp(r.raw, { raw: { width: COLOUR_TILE, height: COLOUR_TILE, channels: 4 } })
            .webp({ quality: this.o.quality, alphaQuality: 100, effort: 2, smartSubsample: true })
            .toBuffer(),
        })),
      );
      if (this.closed) return;
      const rendered = new Set(keys);
      for (const [k, at] of purge) {
        this.purgedAt.set(k, at);
        if (!rendered.has(k)) this.tiles.delete(k);
      }
      for (const e of encoded) this.tiles.set(e.key, { v: e.v, bytes: e.bytes });
      this.disk?.save(
        encoded,
        [...purge.keys()].filter((k) => !rendered.has(k)),
        {
          epoch: this.source.epoch,
          seq,
          size,
          cols: p.cols,
          rows: p.rows,
          versions: [...versions],
          purgedAt: Object.fromEntries(this.purgedAt),
        },
      );
      this.rendered += encoded.length;
      this.lastRendered = keys;
      this.published = { seq, pyramid: p, versions, size };
    } catch (err) {
      this.o.log('pyramid: tiles could not be rendered; retrying', err);
      for (const k of keys) this.dirty.add(k);
      for (const [k, at] of purge) this.purge.set(k, Math.max(at, this.purge.get(k) ?? 0));
    } finally {
      this.running = false;
      this.lastEnd = performance.now();
      this.lastCost = this.lastEnd - t0;
      for (const w of this.waiters.splice(0)) w();
      this.schedule(this.purge.size > 0);
    }
  }
}

/** What the disk cache's manifest says: the state its tiles show. */
export interface PyramidManifest {
  epoch: number;
  seq: number;
  size: number;
  cols: number;
  rows: number;
  versions: number[];
  purgedAt: Record<string, number>;
}

const MANIFEST = 'pyramid.json';

/**
 * The colour pyramid's tiles on disk: `{dir}/{level}/{tx}_{ty}.webp`, and `pyramid.json`, the
 * state they show. Each publish's tiles are written (each to a temporary name, then renamed)
 * before its manifest, one publish after the other, so a manifest never names a state its
 * tiles are older than; a crash between the two leaves tiles newer than the manifest, which a
 * restart tells by the mosaic's seq no longer matching it. A tile that leaves the pyramid (a
 * growth) has its file removed. Failures are logged and cost only a render after a restart.
 */
export class PyramidDiskCache {
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly dir: string,
    private readonly log: (message: string, error?: unknown) => void,
  ) {}

  private file(key: string): string {
    return join(this.dir, `${key}.webp`);
  }

  /** The manifest, or null when there is none that can be read. */
  manifest(): PyramidManifest | null {
    try {
      const m = JSON.parse(readFileSync(join(this.dir, MANIFEST), 'utf8')) as PyramidManifest;
      return Array.isArray(m.versions) && typeof m.seq === 'number' ? m : null;
    } catch {
      return null;
    }
  }

  /** A tile's bytes, or null when its file is missing or cannot be read. */
  async read(key: string): Promise<Buffer | null> {
    return readFile(this.file(key)).catch(() => null);
  }

  /** Writes a publish: its tiles, the removal of `gone` tiles' files, then its manifest. */
  save(
    tiles: readonly { key: string; bytes: Buffer }[],
    gone: readonly string[],
    manifest: PyramidManifest,
  ): void {
    this.queue = this.queue.then(async () => {
      try {
        await Promise.all(tiles.map((t) => this.write(this.file(t.key), t.bytes)));
        await Promise.all(gone.map((k) => rm(this.file(k), { force: true })));
        await this.write(join(this.dir, MANIFEST), Buffer.from(JSON.stringify(manifest)));
      } catch (err) {
        this.log('pyramid: the tile cache could not be written (tiles are served from memory)', err);
        await rm(join(this.dir, MANIFEST), { force: true }).catch(() => undefined);
      }
    });
  }

  flush(): Promise<void> {
    return this.queue;
  }

  private async write(file: string, bytes: Buffer): Promise<void> {
    await mkdir(dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, bytes);
    await rename(tmp, file);
  }
}
