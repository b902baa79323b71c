import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { io as connect } from 'socket.io-client';
import { expect, vi } from 'vitest';
import { type ClientSocket, LiveFeed, type LiveOptions } from '../../client/net/live.ts';
import { attachRealtime, type Realtime, type RealtimeOptions } from '../../server/realtime/attachRealtime.ts';
import type { LiveSnapshot } from '../../server/realtime/source.ts';
import {
  type LiveMosaic,
  type ProtocolError,
  rgb565To24,
  rgbTo565,
  type ServerToClientEvents,
  type SessionSynced,
} from '../../shared/protocol.ts';
import { wireParser } from '../../shared/wire.ts';
import { MemoryLiveSource } from '../support/MemoryLiveSource.ts';

export type { ClientSocket };

/** What a {@link Viewer} passes on to the client's live feed. */
export type ViewerOptions = Pick<LiveOptions, 'event' | 'initial' | 'role'>;

/**
 * A viewer as a page runs it: the client's own live feed (client/net/live.ts) over a real
 * socket.io-client connection, recording what it got. Its socket is the feed's, for the
 * requests a page makes and for tests that misbehave on purpose.
 */
export class Viewer {
  /** Sequence numbers of every change record and growth received, in arrival order. */
  readonly seqs: number[] = [];
  /** Cells that got a newly placed tile (the ones a page animates), in order. */
  readonly arrived: number[] = [];
  /** Every event name received, in order. */
  readonly events: string[] = [];
  readonly synced: SessionSynced[] = [];
  /** Gaps, duplicates and invalid changes the feed met (each one makes it resync). */
  readonly problems: string[] = [];
  /** Incoming events still to be dropped before the feed sees them, by name. */
  private readonly drops = new Map<keyof ServerToClientEvents, number>();
  private feed: LiveFeed | null = null;
  private away = false;
  socket!: ClientSocket;

  constructor(
    private readonly url: string,
    private readonly opts: ViewerOptions = {},
  ) {}

  /** The feed's mosaic; reading it before {@link connect} opens the feed. */
  get mosaic(): LiveMosaic {
    return this.open().mosaic;
  }

  /**
   * Connects, or after {@link disconnect} reconnects as the feed does by itself (resuming by
   * `since` and `epoch`), and waits for `session:synced`.
   */
  async connect(): Promise<SessionSynced> {
    this.open();
    const socket = this.socket;
    const synced = new Promise<SessionSynced>((resolve, reject) => {
      const ok = (info: SessionSynced) => {
        socket.off('connect_error', fail);
        resolve(info);
      };
      const fail = (err: Error) => {
        socket.off('session:synced', ok);
        reject(err);
      };
      socket.once('session:synced', ok);
      socket.once('connect_error', fail);
    });
    // The first time the feed connects by itself (after its HTTP snapshot, when given one).
    if (this.away) socket.connect();
    this.away = false;
    return synced;
  }

  /** Goes away as a closed laptop does; {@link connect} brings it back. */
  disconnect(): void {
    this.away = true;
    this.socket?.disconnect();
  }

  /** Follows another rally (or none) as a page does, through the feed. */
  join(code: string | null): void {
    this.open().join(code);
  }

  /** Hides the next `count` `name` events from the feed, as if the network lost them. */
  drop(name: keyof ServerToClientEvents, count = 1): void {
    this.drops.set(name, (this.drops.get(name) ?? 0) + count);
  }

  private open(): LiveFeed {
    if (this.feed) return this.feed;
    this.feed = new LiveFeed(
      {
        relaid: () => {},
        changed: (_m, _cells, arrived) => this.arrived.push(...arrived),
        applied: ({ kind, seqs, result }) => {
          if (kind !== 'snapshot') this.seqs.push(...seqs);
          if (result.status !== 'applied' || result.duplicates)
            this.problems.push(JSON.stringify({ kind, ...result, cells: undefined }));
        },
      },
      {
        ...this.opts,
        url: this.url,
        connect: (url, o) => this.instrument(connect(url, { ...o, forceNew: true })),
      },
    );
    // Only the feed's own listeners, added in its constructor, pass through drop().
    Reflect.deleteProperty(this.socket, 'on');
    return this.feed;
  }

  /** Records what arrives on the feed's socket, its own connection (not shared with other viewers). */
  private instrument(socket: ClientSocket): ClientSocket {
    this.socket = socket;
    socket.onAny((name: string) => this.events.push(name));
    socket.on('session:synced', (info) => this.synced.push(info));
    const on = socket.on;
    const drops = this.drops;
    socket.on = function (
      this: ClientSocket,
      name: keyof ServerToClientEvents,
      fn: (...a: unknown[]) => void,
    ) {
      return on.call(this, name, function (this: unknown, ...args: unknown[]) {
        const n = drops.get(name) ?? 0;
        if (n > 0) drops.set(name, n - 1);
        else fn.apply(this, args);
      });
    } as ClientSocket['on'];
    return socket;
  }

  /** Waits until the viewer is at `seq`. */
  async reach(seq: number): Promise<void> {
    await vi.waitFor(() => expect(this.mosaic.seq).toBe(seq), { timeout: 5000, interval: 5 });
  }

  /** Waits until the viewer has applied `seq` (a commit's later changes, such as moves, may follow it). */
  async reachAtLeast(seq: number, timeout = 5000): Promise<void> {
    await vi.waitFor(() => expect(this.mosaic.seq).toBeGreaterThanOrEqual(seq), { timeout, interval: 5 });
  }

  /** Loads a block of cells as the page does in region mode (see LiveFeed.loadBlock). */
  loadBlock(b: { col: number; row: number; cols: number; rows: number }): Promise<number[] | null> {
    return this.open().loadBlock(b);
  }

  /** Closes the feed for good. */
  close(): void {
    this.feed?.close();
  }
}

/** Connects with the given auth and resolves with the handshake error's data. */
export function refused(
  url: string,
  auth: Record<string, unknown>,
): Promise<ProtocolError & { message: string }> {
  const socket = connect(url, {
    parser: wireParser,
    auth,
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => reject(new Error('connected')));
    socket.once('connect_error', (err) => {
      socket.disconnect();
      resolve((err as Error & { data: ProtocolError }).data);
    });
  });
}

/** A real HTTP + Socket.IO server on port 0 over a MemoryLiveSource. */
export async function startServer(
  opts: RealtimeOptions = {},
  cols = 20,
  rows = 20,
): Promise<{ source: MemoryLiveSource; rt: Realtime; http: HttpServer; url: string; stop(): Promise<void> }> {
  const source = new MemoryLiveSource(cols, rows);
  const http = createServer();
  const rt = attachRealtime(http, source, { log: () => {}, ...opts });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  return {
    source,
    rt,
    http,
    url,
    async stop() {
      await rt.close();
      await new Promise((resolve) => http.close(resolve));
    },
  };
}

/** Asserts a viewer's mosaic is exactly the server's: geometry, seq, every cell, tint and colour. */
export function expectSameState(m: LiveMosaic, snap: LiveSnapshot): void {
  expect({ cols: m.cols, rows: m.rows, seq: m.seq, size: m.size }).toEqual({
    cols: snap.cols,
    rows: snap.rows,
    seq: snap.seq,
    size: snap.tiles.length,
  });
  for (const t of snap.tiles) {
    const cell = t.row * snap.cols + t.col;
    expect(m.cellId[cell], `tile ${t.id}`).toBe(t.id);
    expect([...m.cellTint.subarray(3 * cell, 3 * cell + 3)]).toEqual([t.tint.r, t.tint.g, t.tint.b]);
    expect(m.cellRgb[cell]).toBe(rgb565To24(rgbTo565(...t.rgb)));
  }
}
