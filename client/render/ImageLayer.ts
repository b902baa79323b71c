import { CanvasSource, Container, ImageSource, Sprite, Texture, type TextureSource } from 'pixi.js';
import type { BoardImage } from './types.ts';

/** Something the layer should show this frame, in world (cell) units. */
export interface WantedImage {
  key: string;
  x: number;
  y: number;
  size: number;
  /** Bumped when the image's content changed (e.g. the atlas block's last seq). */
  version: number;
  /** How the image is sampled when drawn larger or smaller (default linear). */
  scaleMode?: 'nearest' | 'linear';
  load: (signal: AbortSignal) => Promise<BoardImage>;
}

/** How long a failed image waits before it is asked for again (a venue's Wi-Fi dropped). */
export const RETRY_MS = 2000;

interface Entry {
  key: string;
  sprite: Sprite | null;
  bytes: number;
  version: number;
  loadedAt: number;
  /** When its last load failed (0: it did not). */
  failedAt: number;
  lastWanted: number;
  loading: AbortController | null;
  loadingVersion: number;
}

export interface ImageLayerOptions {
  /** GPU bytes this layer may keep, visible or not. */
  budgetBytes: number;
  /** Images it may keep, visible or not (bounds the JS objects too, for hours-long screens). */
  maxEntries?: number;
  maxInflight: number;
  /** Minimum ms between two reloads of the same key (a busy atlas block). */
  minReloadMs: number;
  /** Called when a load finished, so the owner schedules a frame. */
  onChange: () => void;
}

function sourceOf(img: BoardImage, scaleMode: 'nearest' | 'linear' = 'linear'): TextureSource {
  if (img instanceof ImageBitmap || img instanceof HTMLImageElement)
    return new ImageSource({ resource: img, scaleMode });
  return new CanvasSource({ resource: img, scaleMode });
}

/**
 * Square images laid out in world space, loaded on demand and kept under a byte budget:
 * what leaves the view stays cached until the budget needs its room (least recently wanted first).
 */
export class ImageLayer {
  readonly container = new Container();
  private entries = new Map<string, Entry>();
  private inflight = 0;
  private frame = 0;
  private usedBytes = 0;
  private recheckTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly opts: ImageLayerOptions) {}

  get bytes(): number {
    return this.usedBytes;
  }

  get shown(): number {
    let n = 0;
    for (const e of this.entries.values()) if (e.sprite?.visible) n++;
    return n;
  }

  /** True when the key has a drawable image (maybe of an older version). */
  ready(key: string): boolean {
    return this.entries.get(key)?.sprite != null;
  }

  /** True when the key is drawable at `version` or newer. */
  current(key: string, version: number): boolean {
    const e = this.entries.get(key);
    return e?.sprite != null && e.version >= version;
  }

  /** The version of the key's drawable image, or -1 when it has none. */
  loadedVersion(key: string): number {
    const e = this.entries.get(key);
    return e?.sprite != null ? e.version : -1;
  }

  /** Shows exactly `items` (in priority order), starting loads as room allows. */
  want(items: readonly WantedImage[], now: number): void {
    this.frame++;
    let recheck = Number.POSITIVE_INFINITY;
    for (const it of items) {
      let e = this.entries.get(it.key);
      if (!e) {
        e = {
          key: it.key,
          sprite: null,
          bytes: 0,
          version: -1,
          loadedAt: 0,
          failedAt: 0,
          lastWanted: 0,
          loading: null,
          loadingVersion: -1,
        };
        this.entries.set(it.key, e);
      }
      e.lastWanted = this.frame;
      if (e.sprite) {
        e.sprite.visible = true;
        e.sprite.position.set(it.x, it.y);
        e.sprite.width = it.size;
        e.sprite.height = it.size;
      }
      const outdated = e.version < it.version;
      // A change that came too soon after the last load is fetched once the delay is over, and
      // a failed load once its retry delay is over, even if nothing else moves by then (a
      // delete must not linger in a cached image because one request failed).
      const due = Math.max(
        outdated && e.sprite ? e.loadedAt + this.opts.minReloadMs : 0,
        e.failedAt ? e.failedAt + RETRY_MS : 0,
      );
      if ((e.sprite === null || outdated) && !e.loading) {
        if (now < due) recheck = Math.min(recheck, due - now);
        else if (this.inflight < this.opts.maxInflight) this.load(e, it);
      }
    }
    for (const e of this.entries.values()) {
      if (e.lastWanted === this.frame) continue;
      if (e.sprite) e.sprite.visible = false;
      if (e.loading) {
        e.loading.abort();
        e.loading = null;
      }
      if (!e.sprite) this.entries.delete(e.key);
    }
    this.evict();
    if (recheck < Number.POSITIVE_INFINITY) this.scheduleRecheck(recheck);
  }

  /** Asks the owner for a frame in `ms` (one timer at a time: the next want sets the next). */
  private scheduleRecheck(ms: number): void {
    if (this.recheckTimer) return;
    this.recheckTimer = setTimeout(() => {
      this.recheckTimer = null;
      this.opts.onChange();
    }, ms + 5);
  }

  private load(e: Entry, it: WantedImage): void {
    const ctl = new AbortController();
    e.loading = ctl;
    e.loadingVersion = it.version;
    this.inflight++;
    it.load(ctl.signal).then(
      (img) => {
        this.inflight--;
        if (e.loading !== ctl) {
          if (img instanceof ImageBitmap) img.close();
          return;
        }
        e.loading = null;
        const tex = new Texture({ source: sourceOf(img, it.scaleMode) });
        const bytes = tex.source.pixelWidth * tex.source.pixelHeight * 4;
        const sprite = new Sprite(tex);
        sprite.position.set(it.x, it.y);
        sprite.width = it.size;
        sprite.height = it.size;
        sprite.visible = e.lastWanted === this.frame;
        if (e.sprite) this.drop(e);
        if (!this.entries.has(e.key)) this.entries.set(e.key, e);
        e.sprite = sprite;
        e.bytes = bytes;
        this.usedBytes += bytes;
        e.version = e.loadingVersion;
        e.loadedAt = performance.now();
        e.failedAt = 0;
        this.container.addChild(sprite);
        this.evict();
        this.opts.onChange();
      },
      () => {
        this.inflight--;
        if (e.loading === ctl) {
          e.loading = null;
          // Asked for again after RETRY_MS; what it shows meanwhile stays at its own version.
          e.failedAt = performance.now();
          this.scheduleRecheck(RETRY_MS);
        }
        if (!e.sprite && e.lastWanted !== this.frame) this.entries.delete(e.key);
      },
    );
  }

  private drop(e: Entry): void {
    if (!e.sprite) return;
    const tex = e.sprite.texture;
    const res = tex.source.resource as unknown;
    e.sprite.destroy();
    tex.destroy(true);
    if (res instanceof ImageBitmap) res.close();
    this.usedBytes -= e.bytes;
    e.sprite = null;
    e.bytes = 0;
  }

  private evict(): void {
    const maxEntries = this.opts.maxEntries ?? Number.POSITIVE_INFINITY;
    const over = (): boolean => this.usedBytes > this.opts.budgetBytes || this.entries.size > maxEntries;
    if (!over()) return;
    const idle = [...this.entries.values()]
      .filter((e) => e.sprite && e.lastWanted !== this.frame)
      .sort((a, b) => a.lastWanted - b.lastWanted);
    for (const e of idle) {
      if (!over()) break;
      this.drop(e);
      this.entries.delete(e.key);
    }
  }

  /** Forgets every image (after a growth re-layout, when every position changed). */
  clear(): void {
    for (const e of this.entries.values()) {
      e.loading?.abort();
      this.drop(e);
    }
    this.entries.clear();
  }

  /** Marks one key stale so it reloads when next wanted. */
  invalidate(key: string): void {
    const e = this.entries.get(key);
    if (e) e.version = -1;
  }

  destroy(): void {
    if (this.recheckTimer) clearTimeout(this.recheckTimer);
    this.clear();
    this.container.destroy();
  }
}
