/**
 * The live connection: the ONLY importer of socket.io-client. It keeps a LiveMosaic
 * current from binary frames and change batches, resumes from its last seq after any
 * disconnect, and tells the page what changed in plain values.
 */

import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import {
  type ApplyResult,
  type ClientToServerEvents,
  decodeChanges,
  decodeLayout,
  type EventHighlight,
  type EventStats,
  type HandshakeAuth,
  type Layout,
  LiveMosaic,
  type LiveRole,
  PROTOCOL_VERSION,
  type ProtocolError,
  type ServerToClientEvents,
  type WireChange,
} from '../../shared/protocol.ts';
import { type CellBlock, readFrameHeader } from '../../shared/protocolFrame.ts';
import { wireParser } from '../../shared/wire.ts';
import { type LoadedView, startFresh } from './snapshot.ts';

/** Changes kept for bringing a late block of cells up to date (24 bytes each on the wire). */
const RECENT_CHANGES = 16_384;

/** `unknown-event`: the server takes only registered rallies and this page's is not one (no retry). */
export type LiveStatus = 'connecting' | 'live' | 'reconnecting' | 'outdated' | 'unknown-event';

/** The typed socket.io-client connection of this protocol. */
export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Opens a connection: socket.io-client's `io` in the page, a wrapped one in a test. */
export type ConnectSocket = (url: string, opts: Partial<ManagerOptions & SocketOptions>) => ClientSocket;

/** One frame or batch as applied: after a gap or an invalid change the feed resyncs; duplicates are skipped. */
export interface LiveApplied {
  /** A snapshot (over the socket or HTTP), a growth, or a `tiles:changed` batch. */
  kind: 'snapshot' | 'grown' | 'changes';
  /** The seq of every change it carried, in order; a frame's own seq. */
  seqs: number[];
  result: ApplyResult;
}

export interface LiveHandlers {
  /**
   * A snapshot or a growth replaced the layout; `grown` is true for a growth. When the
   * model holds only some cells (`model.partial`), `versions` are the colour pyramid's.
   */
  relaid(model: LiveMosaic, grown: boolean, versions?: readonly number[]): void;
  /** Cells changed; `arrived` are cells that got a newly placed tile. */
  changed(model: LiveMosaic, cells: number[], arrived: number[], changes: readonly WireChange[]): void;
  status?(status: LiveStatus): void;
  stats?(stats: EventStats): void;
  highlighted?(h: EventHighlight): void;
  /** Every frame and batch with what applying it did, for diagnostics. */
  applied?(a: LiveApplied): void;
}

export interface LiveOptions {
  /** The rally followed (its counter and highlights; the console counts its viewers and screens). */
  event?: string | null;
  /** A person's viewer page or a rally's screen; by default the page's path says (`/screen`). */
  role?: LiveRole;
  /** Where to connect; the page's own origin by default. */
  url?: string;
  /**
   * The view start fetched over HTTP and decoded (see snapshot.ts). When given, it is applied
   * first and the connection opens with `since` = its seq, so only later changes come over
   * the socket; when it resolves to null, the socket sends the snapshot as usual.
   */
  initial?: Promise<LoadedView | null>;
  /** Loads a fresh view start (after a growth in region mode); snapshot.ts's by default. */
  reload?: () => Promise<LoadedView | null>;
  /** Opens the socket; socket.io-client's `io` by default. */
  connect?: ConnectSocket;
}

/** The role of the page this runs in: `screen` on the rally screen's path, else `viewer`. */
function pageRole(): LiveRole {
  return typeof location !== 'undefined' && /^\/screen\/?$/.test(location.pathname) ? 'screen' : 'viewer';
}

export class LiveFeed {
  readonly mosaic = new LiveMosaic();
  private readonly socket: ClientSocket;
  private resyncing = false;
  private closed = false;
  /** The epoch the mosaic's seq counts in, once known; sent back with `since`. */
  private epoch: number | null = null;
  private status: LiveStatus = 'connecting';
  private retry: ReturnType<typeof setTimeout> | null = null;
  /** True when the mosaic is held a block at a time over the colour pyramid. */
  private regions = false;
  private reloading = false;
  private readonly recent: WireChange[] = [];
  private readonly origin: string;
  private readonly reload: () => Promise<LoadedView | null>;
  /** The rally followed: sent in every handshake, so a reconnect keeps the one last joined. */
  private event: string | undefined;

  constructor(
    private readonly h: LiveHandlers,
    opts: LiveOptions = {},
  ) {
    this.origin = opts.url?.replace(/\/$/, '') ?? '';
    this.reload = opts.reload ?? (() => startFresh(this.origin));
    this.event = opts.event ?? undefined;
    const role = opts.role ?? pageRole();
    const auth = (cb: (data: HandshakeAuth) => void): void =>
      cb({
        v: PROTOCOL_VERSION,
        ...(this.mosaic.ready ? { since: this.mosaic.seq } : {}),
        ...(this.mosaic.ready && this.epoch !== null ? { epoch: this.epoch } : {}),
        ...(this.event ? { event: this.event } : {}),
        ...(this.regions ? { view: 'regions' as const } : {}),
        role,
      });
    const connect: ConnectSocket = opts.connect ?? io;
    this.socket = connect(opts.url ?? '/', {
      auth,
      parser: wireParser,
      transports: ['websocket', 'polling'],
      reconnectionDelayMax: 4000,
      autoConnect: !opts.initial,
    });
    const s = this.socket;
    s.on('connect', () => this.setStatus(this.mosaic.ready ? 'reconnecting' : 'connecting'));
    s.on('session:synced', (info) => {
      this.epoch = info.epoch;
      this.resyncing = false;
      this.setStatus('live');
    });
    s.on('disconnect', (reason) => {
      if (this.status !== 'outdated' && this.status !== 'unknown-event') this.setStatus('reconnecting');
      // A server-side disconnect is not retried by Socket.IO itself.
      if (reason === 'io server disconnect') this.retry = setTimeout(() => s.connect(), 1000);
    });
    s.on('connect_error', (err) => {
      const data = (err as Error & { data?: ProtocolError }).data;
      if (data?.code === 'UNKNOWN_EVENT' && role === 'viewer' && this.event) {
        // A viewer with a link to a rally that is not listed still sees the mosaic.
        this.event = undefined;
        s.connect();
        return;
      }
      if (data?.code === 'VERSION_MISMATCH' || data?.code === 'UNKNOWN_EVENT') {
        this.setStatus(data.code === 'VERSION_MISMATCH' ? 'outdated' : 'unknown-event');
        s.disconnect();
        return;
      }
      this.setStatus('reconnecting');
    });
    s.on('mosaic:snapshot', (b) => this.frame(b));
    s.on('mosaic:grown', (b) => this.frame(b));
    s.on('tiles:changed', (b) => this.batch(b));
    s.on('stats:updated', (st) => h.stats?.(st));
    s.on('tiles:highlighted', (hl) => h.highlighted?.(hl));
    opts.initial?.then(
      (d) => this.start(d),
      () => this.start(null),
    );
  }

  /** Applies the HTTP view start (when it came and decoded), then opens the live connection. */
  private start(d: LoadedView | null): void {
    if (this.closed) return;
    if (d) this.adopt(d, false);
    this.socket.connect();
  }

  /** Takes a view start: every cell, or (region mode) the geometry and the pyramid's versions. */
  private adopt(d: LoadedView, grown: boolean): void {
    this.epoch = d.start.epoch;
    if (d.layout) {
      this.regions = false;
      this.layout(grown ? { ...d.layout, kind: 'snapshot' } : d.layout, false, grown);
      return;
    }
    this.regions = true;
    this.recent.length = 0;
    this.mosaic.applyGeometry(d.start);
    performance.mark('kiss:frame-applied');
    this.h.relaid(this.mosaic, grown, d.start.versions ?? []);
  }

  /**
   * Loads a block of cells (region mode) and brings it up to the feed's seq; the board is
   * told through `changed`. Returns its cells, or null when it could not be had.
   */
  async loadBlock(b: CellBlock, signal?: AbortSignal): Promise<number[] | null> {
    if (!this.regions) return null;
    const q = `col=${b.col}&row=${b.row}&cols=${b.cols}&rows=${b.rows}&min=${this.mosaic.seq}`;
    const res = await fetch(`${this.origin}/api/mosaic/cells?${q}`, { signal });
    if (!res.ok) return null;
    const cells = this.mosaic.applyRegion(await res.arrayBuffer(), b, this.recent);
    if (cells) this.h.changed(this.mosaic, cells, [], []);
    return cells;
  }

  get connected(): boolean {
    return this.socket.connected;
  }

  private setStatus(st: LiveStatus): void {
    if (st === this.status) return;
    this.status = st;
    this.h.status?.(st);
  }

  private frame(b: ArrayBuffer | ArrayBufferView): void {
    const h = readFrameHeader(b);
    // Region mode: a frame with no tiles says "the geometry changed or the replay is too
    // old: load the view start again".
    if (this.regions && h.count === 0) {
      void this.restart(h.kind === 'grown');
      return;
    }
    this.layout(decodeLayout(b), true);
  }

  private async restart(grown: boolean): Promise<void> {
    if (this.reloading) return;
    this.reloading = true;
    try {
      const d = await this.reload();
      if (this.closed) return;
      if (d) this.adopt(d, grown);
    } finally {
      this.reloading = false;
    }
    // Whatever came while the view start loaded is asked for again from its seq.
    this.resync();
  }

  private layout(l: Layout, live: boolean, grown = l.kind === 'grown'): void {
    const r = this.mosaic.applyLayout(l);
    // A mark for the load-time measurements (test/bench/phoneTiming.ts prints it).
    performance.mark('kiss:frame-applied');
    this.h.applied?.({ kind: l.kind, seqs: [l.seq], result: r });
    if (r.status === 'applied' && r.applied > 0) this.h.relaid(this.mosaic, grown);
    else if (r.status !== 'applied' && live) this.resync();
  }

  private batch(b: ArrayBuffer | ArrayBufferView): void {
    if (this.reloading) return;
    const changes = decodeChanges(b);
    const before = this.mosaic.seq;
    const r = this.mosaic.applyChanges(changes);
    if (this.regions) {
      for (const c of changes) if (c.seq > before && c.seq <= this.mosaic.seq) this.recent.push(c);
      if (this.recent.length > 2 * RECENT_CHANGES) this.recent.splice(0, this.recent.length - RECENT_CHANGES);
    }
    this.h.applied?.({ kind: 'changes', seqs: changes.map((c) => c.seq), result: r });
    if (r.cells.length > 0) {
      const arrived: number[] = [];
      const cols = this.mosaic.cols;
      for (const c of changes) {
        if (
          c.type === 'placed' &&
          c.seq > before &&
          c.seq <= this.mosaic.seq &&
          this.mosaic.cellId[c.row * cols + c.col] === c.id
        ) {
          arrived.push(c.row * cols + c.col);
        }
      }
      this.h.changed(this.mosaic, r.cells, arrived, changes);
    }
    if (r.status !== 'applied') this.resync();
  }

  /** A change is missing: ask the server for everything after our seq. */
  private resync(): void {
    if (this.resyncing || this.reloading || !this.socket.connected) return;
    this.resyncing = true;
    this.socket.emit('mosaic:resync', this.mosaic.ready ? this.mosaic.seq : null, () => {
      this.resyncing = false;
    });
  }

  /** Follows another rally (or none). */
  join(code: string | null): void {
    this.event = code ?? undefined;
    if (code) this.socket.emit('event:join', code, () => {});
    else this.socket.emit('event:leave', () => {});
  }

  close(): void {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    this.socket.close();
  }
}
