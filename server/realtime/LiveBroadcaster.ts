import { performance } from 'node:perf_hooks';
import type { Server, Socket } from 'socket.io';
import type { GrownChange } from '../../shared/mosaic/types.ts';
import {
  CHANGE_RECORD_BYTES,
  type ClientToServerEvents,
  decodeLayout,
  type EventStats,
  encodeCellsFrame,
  encodeChanges,
  encodeFrame,
  eventRoom,
  FRAME_TILE_BYTES,
  LiveMosaic,
  packRgb,
  type ServerToClientEvents,
  type SessionSynced,
  type SocketData,
  SyncMode,
  unpackRgb,
  type WireChange,
} from '../../shared/protocol.ts';
import type { LogChange } from '../core/logChange.ts';
import { ChangeHistory } from './ChangeHistory.ts';
import { EventCounter } from './EventCounter.ts';
import type { LiveCells, LiveSnapshot, LiveSource } from './source.ts';

/** Every connection that has been brought up to date; broadcasts go here. */
export const LIVE_ROOM = 'live';
/** The connections among them that hold every cell: whole growth frames go to these. */
export const CELLS_ROOM = 'live:cells';
/** The connections that hold blocks of cells (`auth.view` = `regions`): they get geometry only. */
export const REGIONS_ROOM = 'live:regions';

/** The typed Socket.IO server of this protocol. */
export type LiveServer = Server<
  ClientToServerEvents,
  ServerToClientEvents,
  Record<string, never>,
  SocketData
>;
/** One typed connection. */
export type LiveSocket = Socket<
  ClientToServerEvents,
  ServerToClientEvents,
  Record<string, never>,
  SocketData
>;

/**
 * Told of every change to the viewers' copy: the cells it changed (null: all of them, after a
 * growth or a reload), the seq it is now at, and whether a tile left the mosaic.
 */
export type ModelWatcher = (cells: readonly number[] | null, seq: number, removed: boolean) => void;

/** Tuning of the broadcaster; every field has a default in attachRealtime. */
export interface LiveBroadcasterOptions {
  /** How long changes are collected before one batch goes out (ms). */
  windowMs: number;
  /** Changes kept for replay (24 bytes each). */
  historyRecords: number;
  /** A batch is sent early once it holds this many records. */
  maxBatchRecords: number;
  /** A cached snapshot is reused while at most this many changes followed it (they are replayed after it). */
  snapshotTailMax: number;
  log: (message: string, error?: unknown) => void;
}

/**
 * Turns the core's change stream into batched binary broadcasts, keeps the replay history
 * and the per-rally counters, and brings a connection up to date (replay or snapshot).
 * Everything runs synchronously on the event loop, so a connection synced here can never
 * miss or double a change: pending changes are flushed to the others before it is synced.
 */
export class LiveBroadcaster {
  readonly history: ChangeHistory;
  readonly counter: EventCounter;
  private seq: number;
  private pending: WireChange[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  private immediate: ReturnType<typeof setImmediate> | null = null;
  private lastFlush = Number.NEGATIVE_INFINITY;
  private cache: { seq: number; bytes: Uint8Array } | null = null;
  /**
   * The mosaic as every viewer holds it, kept by applying the same changes that are
   * broadcast: snapshots are encoded from its typed arrays, never from per-tile objects.
   */
  private readonly model = new LiveMosaic();
  private readonly unsubscribe: () => void;
  private readonly watchers = new Set<ModelWatcher>();
  /** Untinted colour by tile id (see rgbOf). */
  private colours = new Uint32Array(0);

  constructor(
    private readonly source: LiveSource,
    private readonly io: LiveServer,
    private readonly opts: LiveBroadcasterOptions,
  ) {
    const cells = source.snapshotCells?.();
    const snap = cells ? null : source.snapshot();
    this.seq = cells?.seq ?? snap!.seq;
    this.history = new ChangeHistory(opts.historyRecords, this.seq);
    this.counter = new EventCounter(snap?.tiles ?? []);
    if (cells) this.counter.resetFrom(cells.count, (each) => cells.eachEvent(each));
    this.copyFrom(cells ?? snap!);
    this.unsubscribe = source.subscribe((changes) => this.onChanges(changes));
  }

  /** The mosaic as every viewer holds it, at {@link lastSeq}; read it, never write it. */
  get mosaic(): Readonly<LiveMosaic> {
    return this.model;
  }

  /** Calls `fn` after each change to the viewers' copy; returns a function that stops it. */
  watch(fn: ModelWatcher): () => void {
    this.watchers.add(fn);
    return () => this.watchers.delete(fn);
  }

  private told(cells: readonly number[] | null, seq: number, removed: boolean): void {
    for (const w of this.watchers) {
      try {
        w(cells, seq, removed);
      } catch (err) {
        this.opts.log('realtime: a watcher of the live copy failed', err);
      }
    }
  }

  /** The sequence number of the last change received from the core. */
  get lastSeq(): number {
    return this.seq;
  }

  /** A rally's counter now. */
  stats(event: string): EventStats {
    const viewers = this.io.sockets.adapter.rooms.get(eventRoom(event))?.size ?? 0;
    return { event, tiles: this.counter.count(event), viewers, total: this.counter.total, seq: this.seq };
  }

  /** Marks a rally's counter for the next flush (a viewer came or went). */
  touchEvent(event: string): void {
    this.counter.touch(event);
    this.schedule();
  }

  private onChanges(changes: readonly LogChange[]): void {
    for (const c of changes) {
      try {
        if (c.type === 'grown') this.onGrown(c);
        else this.onChange(c);
      } catch (err) {
        this.opts.log(`realtime: change ${c.seq} (${c.type}) could not be handled`, err);
      }
    }
  }

  /**
   * A live tile's untinted colour (0 when unknown). Kept by id, not read from the copy's cells:
   * in a swap the first move overwrites the second tile's cell before its own move comes.
   */
  private rgbOf(id: number): number {
    return id < this.colours.length ? this.colours[id]! : 0;
  }

  private setRgb(id: number, rgb: number): void {
    if (id >= this.colours.length) {
      let n = Math.max(1024, this.colours.length);
      while (n <= id) n *= 2;
      const grown = new Uint32Array(n);
      grown.set(this.colours);
      this.colours = grown;
    }
    this.colours[id] = rgb;
  }

  /** Takes every tile's colour from the copy's cells (after a snapshot or a growth). */
  private coloursFromModel(): void {
    const m = this.model;
    for (let i = 0; i < m.cellId.length; i++) if (m.cellId[i]) this.setRgb(m.cellId[i]!, m.cellRgb[i]!);
  }

  private onChange(c: Exclude<LogChange, GrownChange>): void {
    let wire: WireChange;
    if (c.type === 'removed') {
      wire = { type: 'removed', seq: c.seq, id: c.id, col: c.col, row: c.row };
      this.counter.removed(c.id);
    } else if (c.type === 'placed') {
      const rgb = packRgb(c.rgb[0], c.rgb[1], c.rgb[2]);
      this.setRgb(c.id, rgb);
      wire = { type: 'placed', seq: c.seq, id: c.id, col: c.col, row: c.row, tint: c.tint, rgb };
      this.counter.placed(c.id, c.event);
    } else {
      // A moved tile was placed before: its colour is in the viewers' copy already.
      wire = {
        type: 'moved',
        seq: c.seq,
        id: c.id,
        col: c.col,
        row: c.row,
        tint: c.tint,
        rgb: this.rgbOf(c.id),
      };
    }
    this.seq = c.seq;
    const r = this.model.applyChanges([wire]);
    this.told(r.cells, c.seq, c.type === 'removed');
    this.history.append(wire);
    this.pending.push(wire);
    if (this.pending.length >= this.opts.maxBatchRecords) this.flush();
    else this.schedule();
  }

  private onGrown(c: GrownChange): void {
    this.flush();
    const tiles = c.placements.map((p) => {
      const rgb = this.rgbOf(p.id);
      return { ...p, rgb: unpackRgb(rgb) };
    });
    this.seq = c.seq;
    this.history.reset(c.seq);
    this.cache = null;
    this.counter.total = tiles.length;
    const frame = encodeFrame({ kind: 'grown', seq: c.seq, cols: c.cols, rows: c.rows, tiles });
    this.model.applyLayout(decodeLayout(frame));
    this.coloursFromModel();
    this.told(null, c.seq, true);
    this.io.to(CELLS_ROOM).emit('mosaic:grown', frame);
    this.io.to(REGIONS_ROOM).emit('mosaic:grown', this.geometryFrame('grown'));
  }

  /**
   * At most one batch per window, sent at the window's leading edge: after a quiet window a
   * change goes out on the next turn of the event loop (with whatever the same turn added),
   * so batching costs latency only while changes are actually frequent.
   */
  private schedule(): void {
    if (this.timer || this.immediate) return;
    const wait = this.lastFlush + this.opts.windowMs - performance.now();
    if (wait <= 0) {
      this.immediate = setImmediate(() => this.flush());
    } else {
      this.timer = setTimeout(() => this.flush(), wait);
      this.timer.unref?.();
    }
  }

  /** Sends what is pending now: one `tiles:changed` batch, then any rally counters and highlights. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = null;
    this.immediate = null;
    if (this.pending.length) {
      const batch = encodeChanges(this.pending);
      this.pending = [];
      this.lastFlush = performance.now();
      this.io.to(LIVE_ROOM).emit('tiles:changed', batch);
    }
    if (!this.counter.hasDirty) return;
    for (const { event, placed } of this.counter.drain()) {
      const room = eventRoom(event);
      if (!this.io.sockets.adapter.rooms.has(room)) continue;
      this.io.to(room).emit('stats:updated', this.stats(event));
      if (placed.length) this.io.to(room).emit('tiles:highlighted', { event, ids: placed });
    }
  }

  /**
   * Brings one connection up to date and adds it to the broadcast room: the changes after
   * `since` when they are held and cheaper than a snapshot, else a snapshot (plus the few
   * changes after a cached one). Ends with `session:synced`. A `since` from another epoch
   * (another mosaic's numbers) counts as none.
   */
  sync(socket: LiveSocket, since: number | null, epoch: number | null = null): SessionSynced {
    this.flush();
    if (epoch !== null && epoch !== this.epoch) since = null;
    let mode: SyncMode;
    const regions = socket.data.view === 'regions';
    if (regions && !(since !== null && this.history.covers(since))) {
      socket.emit('mosaic:snapshot', this.geometryFrame('snapshot'));
      mode = SyncMode.SNAPSHOT;
    } else if (
      since !== null &&
      this.history.covers(since) &&
      (regions || this.replayIsCheaper(this.seq - since))
    ) {
      for (const b of this.history.batchesAfter(since)) socket.emit('tiles:changed', b);
      mode = SyncMode.REPLAY;
    } else {
      const snap = this.snapshotFrame();
      socket.emit('mosaic:snapshot', snap.bytes);
      if (snap.seq < this.seq && this.history.covers(snap.seq)) {
        for (const b of this.history.batchesAfter(snap.seq)) socket.emit('tiles:changed', b);
      }
      mode = SyncMode.SNAPSHOT;
    }
    socket.join([LIVE_ROOM, regions ? REGIONS_ROOM : CELLS_ROOM]);
    const info: SessionSynced = {
      mode,
      seq: this.seq,
      event: socket.data.event ?? null,
      epoch: this.epoch,
    };
    socket.emit('session:synced', info);
    return info;
  }

  /** A frame with the geometry and seq and no tiles: "load the view start again". */
  private geometryFrame(kind: 'snapshot' | 'grown'): Uint8Array {
    return encodeFrame({ kind, seq: this.seq, cols: this.model.cols, rows: this.model.rows, tiles: [] });
  }

  private replayIsCheaper(changes: number): boolean {
    return changes <= 4096 || changes * CHANGE_RECORD_BYTES <= this.counter.total * FRAME_TILE_BYTES;
  }

  /**
   * The encoded snapshot: a cached one while few changes followed it (a client replays them
   * from the history after it) and it is at `atLeast` or later, else a fresh one from the
   * viewers' copy.
   */
  snapshotFrame(atLeast = 0): { seq: number; bytes: Uint8Array } {
    const c = this.cache;
    if (
      c &&
      c.seq >= atLeast &&
      c.seq <= this.seq &&
      this.history.covers(c.seq) &&
      this.seq - c.seq <= this.opts.snapshotTailMax
    ) {
      return c;
    }
    if (this.model.seq !== this.seq) {
      // A change could not be applied (it was logged): start the copy again from the core.
      this.copyFrom(this.source.snapshotCells?.() ?? this.source.snapshot());
    }
    this.cache = { seq: this.model.seq, bytes: encodeCellsFrame('snapshot', this.model) };
    return this.cache;
  }

  /** The epoch of the mosaic the snapshots and sequence numbers belong to. */
  get epoch(): number {
    return this.source.epoch;
  }

  /** Sets the viewers' copy (from which snapshots are encoded) to the core's state. */
  private copyFrom(s: LiveSnapshot | LiveCells): void {
    const frame = 'cellId' in s ? encodeCellsFrame('snapshot', s) : encodeFrame({ kind: 'snapshot', ...s });
    this.model.applyLayout(decodeLayout(frame));
    this.coloursFromModel();
    this.told(null, this.model.seq, true);
  }

  /** Stops listening to the core and drops what is pending. */
  close(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = null;
    this.immediate = null;
    this.pending = [];
    this.unsubscribe();
  }
}
