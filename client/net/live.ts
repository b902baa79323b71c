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
  PROTOCOL_VERSION,
  type ProtocolError,
  type ServerToClientEvents,
  type WireChange,
} from '../../shared/protocol.ts';
import { wireParser } from '../../shared/wire.ts';
import type { DecodedSnapshot } from './snapshot.ts';

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
  /** A snapshot or a growth replaced the layout; `grown` is true for a growth. */
  relaid(model: LiveMosaic, grown: boolean): void;
  /** Cells changed; `arrived` are cells that got a newly placed tile. */
  changed(model: LiveMosaic, cells: number[], arrived: number[], changes: readonly WireChange[]): void;
  status?(status: LiveStatus): void;
  stats?(stats: EventStats): void;
  highlighted?(h: EventHighlight): void;
  /** Every frame and batch with what applying it did, for diagnostics. */
  applied?(a: LiveApplied): void;
}

export interface LiveOptions {
  event?: string | null;
  /** Where to connect; the page's own origin by default. */
  url?: string;
  /**
   * The snapshot fetched over HTTP and decoded (see snapshot.ts). When given, it is applied
   * first and the connection opens with `since` = its seq, so only later changes come over
   * the socket; when it resolves to null, the socket sends the snapshot as usual.
   */
  initial?: Promise<DecodedSnapshot | null>;
  /** Opens the socket; socket.io-client's `io` by default. */
  connect?: ConnectSocket;
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

  constructor(
    private readonly h: LiveHandlers,
    opts: LiveOptions = {},
  ) {
    const event = opts.event ?? undefined;
    const auth = (cb: (data: HandshakeAuth) => void): void =>
      cb({
        v: PROTOCOL_VERSION,
        ...(this.mosaic.ready ? { since: this.mosaic.seq } : {}),
        ...(this.mosaic.ready && this.epoch !== null ? { epoch: this.epoch } : {}),
        ...(event ? { event } : {}),
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

  /** Applies the HTTP snapshot (when it came and decoded), then opens the live connection. */
  private start(d: DecodedSnapshot | null): void {
    if (this.closed) return;
    if (d) {
      this.epoch = d.epoch;
      this.layout(d.layout, false);
    }
    this.socket.connect();
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
    this.layout(decodeLayout(b), true);
  }

  private layout(l: Layout, live: boolean): void {
    const r = this.mosaic.applyLayout(l);
    // A mark for the load-time measurements (test/bench/viewerTiming.ts reads it).
    performance.mark('kiss:frame-applied');
    this.h.applied?.({ kind: l.kind, seqs: [l.seq], result: r });
    if (r.status === 'applied' && r.applied > 0) this.h.relaid(this.mosaic, l.kind === 'grown');
    else if (r.status !== 'applied' && live) this.resync();
  }

  private batch(b: ArrayBuffer | ArrayBufferView): void {
    const changes = decodeChanges(b);
    const before = this.mosaic.seq;
    const r = this.mosaic.applyChanges(changes);
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
    if (this.resyncing || !this.socket.connected) return;
    this.resyncing = true;
    this.socket.emit('mosaic:resync', this.mosaic.ready ? this.mosaic.seq : null, () => {
      this.resyncing = false;
    });
  }

  /** Follows another rally (or none). */
  join(code: string | null): void {
    if (code) this.socket.emit('event:join', code, () => {});
    else this.socket.emit('event:leave', () => {});
  }

  close(): void {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    this.socket.close();
  }
}
