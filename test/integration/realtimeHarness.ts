import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { io as connect, type Socket } from 'socket.io-client';
import { expect, vi } from 'vitest';
import { attachRealtime, type Realtime, type RealtimeOptions } from '../../server/realtime/attachRealtime.ts';
import type { LiveSnapshot } from '../../server/realtime/source.ts';
import {
  type ClientToServerEvents,
  decodeChanges,
  decodeFrame,
  LiveMosaic,
  PROTOCOL_VERSION,
  type ProtocolError,
  rgb565To24,
  rgbTo565,
  type ServerToClientEvents,
  type SessionSynced,
} from '../../shared/protocol.ts';
import { wireParser } from '../../shared/wire.ts';
import { MemoryLiveSource } from '../support/MemoryLiveSource.ts';

export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** A real viewer: a socket.io-client connection feeding a LiveMosaic, recording what it got. */
export class Viewer {
  readonly mosaic = new LiveMosaic();
  /** Sequence numbers of every change record and growth received, in arrival order. */
  readonly seqs: number[] = [];
  /** Every event name received, in order. */
  readonly events: string[] = [];
  readonly synced: SessionSynced[] = [];
  readonly problems: string[] = [];
  socket!: ClientSocket;

  constructor(private readonly url: string) {}

  /** Connects (with `since` = what it holds when `resume`) and waits for `session:synced`. */
  async connect(auth: Record<string, unknown> = {}, resume = false): Promise<SessionSynced> {
    const since = resume ? { since: this.mosaic.seq } : {};
    const socket: ClientSocket = connect(this.url, {
      parser: wireParser,
      auth: { v: PROTOCOL_VERSION, ...since, ...auth },
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
    });
    this.socket = socket;
    socket.onAny((name) => this.events.push(name));
    socket.on('mosaic:snapshot', (b) => this.check(this.mosaic.applyFrame(decodeFrame(b))));
    socket.on('mosaic:grown', (b) => {
      const f = decodeFrame(b);
      this.seqs.push(f.seq);
      this.check(this.mosaic.applyFrame(f));
    });
    socket.on('tiles:changed', (b) => {
      const changes = decodeChanges(b);
      for (const c of changes) this.seqs.push(c.seq);
      this.check(this.mosaic.applyChanges(changes));
    });
    return new Promise((resolve, reject) => {
      socket.once('session:synced', (info) => {
        this.synced.push(info);
        resolve(info);
      });
      socket.once('connect_error', reject);
    });
  }

  private check(r: ReturnType<LiveMosaic['applyChanges']>): void {
    if (r.status !== 'applied' || r.duplicates)
      this.problems.push(JSON.stringify({ ...r, cells: undefined }));
  }

  /** Waits until the viewer is at `seq`. */
  async reach(seq: number): Promise<void> {
    await vi.waitFor(() => expect(this.mosaic.seq).toBe(seq), { timeout: 5000, interval: 5 });
  }

  /** Waits until the viewer has applied `seq` (a commit's later changes, such as moves, may follow it). */
  async reachAtLeast(seq: number, timeout = 5000): Promise<void> {
    await vi.waitFor(() => expect(this.mosaic.seq).toBeGreaterThanOrEqual(seq), { timeout, interval: 5 });
  }

  close(): void {
    this.socket?.disconnect();
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
