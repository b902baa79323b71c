/**
 * What the live layer pushes to one viewer (`npm run bench -- viewerLive`, also run by
 * `npm run bench -- viewer`): bytes per viewer for 60 s of live changes at 50 placements/s,
 * and bytes pushed by one growth of a million-tile mosaic, for a viewer that holds blocks of
 * cells over the colour pyramid (`auth.view = 'regions'`) beside one that holds every cell
 * (the viewer before the pyramid). Real Socket.IO server and clients on 127.0.0.1, over a
 * MemoryLiveSource (test support) so no photo has to be ingested.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { io } from 'socket.io-client';
import { attachRealtime } from '../../server/realtime/attachRealtime.ts';
import { LivePyramid } from '../../server/realtime/LivePyramid.ts';
import { PROTOCOL_VERSION } from '../../shared/protocol.ts';
import { wireParser } from '../../shared/wire.ts';
import { MemoryLiveSource } from '../support/MemoryLiveSource.ts';

const SECONDS = Number(process.env.BENCH_LIVE_SECONDS ?? 60);
const RATE = 50;

/** A viewer's socket counting the bytes of every binary payload it gets, by event. */
function counter(url: string, seq: number, epoch: number, regions: boolean) {
  const bytes = new Map<string, number>();
  const socket = io(url, {
    parser: wireParser,
    transports: ['websocket'],
    forceNew: true,
    auth: { v: PROTOCOL_VERSION, since: seq, epoch, ...(regions ? { view: 'regions' } : {}) },
  });
  socket.onAny((name: string, payload: unknown) => {
    const n =
      payload instanceof ArrayBuffer || ArrayBuffer.isView(payload)
        ? payload.byteLength
        : JSON.stringify(payload).length;
    bytes.set(name, (bytes.get(name) ?? 0) + n);
  });
  const synced = new Promise<void>((r) => socket.once('session:synced', () => r()));
  return { socket, bytes, synced, total: () => [...bytes.values()].reduce((a, b) => a + b, 0) };
}

async function rig(cols: number, rows: number, fill: number) {
  const source = new MemoryLiveSource(cols, rows);
  for (let i = 0; i < fill; i++) source.place({ col: i % cols, row: Math.floor(i / cols) });
  const http = createServer();
  const rt = attachRealtime(http, source, { log: () => {} });
  const pyramid = new LivePyramid(rt.broadcaster, { log: () => {} });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  return {
    source,
    rt,
    url,
    async stop() {
      pyramid.close();
      await rt.close();
      await new Promise((r) => http.close(r));
    },
  };
}

const kb = (b: number) => `${(b / 1024).toFixed(1)} KB`;

export async function run(): Promise<void> {
  console.log(`\n## Live bytes per viewer (real Socket.IO on loopback, MemoryLiveSource)`);
  {
    const r = await rig(1000, 1000, 990_000);
    const epoch = r.rt.broadcaster.epoch;
    const seq = r.rt.broadcaster.lastSeq;
    const viewers = [counter(r.url, seq, epoch, true), counter(r.url, seq, epoch, false)];
    await Promise.all(viewers.map((v) => v.synced));
    for (const v of viewers) v.bytes.clear();
    const t0 = Date.now();
    let placed = 0;
    while (Date.now() - t0 < SECONDS * 1000) {
      const due = Math.floor(((Date.now() - t0) / 1000) * RATE);
      while (placed < due) {
        const i = 990_000 + placed++;
        r.source.place({ col: i % 1000, row: Math.floor(i / 1000) });
      }
      await new Promise((res) => setTimeout(res, 10));
    }
    await new Promise((res) => setTimeout(res, 500));
    const [regions, cells] = viewers.map((v) => v.total());
    console.log(
      `${SECONDS} s at ${RATE} placements/s (${placed} changes): ${kb(regions!)} to a region viewer, ${kb(cells!)} to an every-cell viewer (${(regions! / cells!).toFixed(2)}x); ${(regions! / placed).toFixed(1)} bytes a change. A region viewer also reloads the pyramid tiles in view at most every 30 s while they change (about 5-12 KB each).`,
    );
    for (const v of viewers) v.socket.close();
    await r.stop();
  }
  {
    const r = await rig(1000, 1000, 1_000_000);
    const epoch = r.rt.broadcaster.epoch;
    const seq = r.rt.broadcaster.lastSeq;
    const viewers = [counter(r.url, seq, epoch, true), counter(r.url, seq, epoch, false)];
    await Promise.all(viewers.map((v) => v.synced));
    for (const v of viewers) v.bytes.clear();
    const grown = new Promise<void>((res) => viewers[1]!.socket.once('mosaic:grown', () => res()));
    r.source.grow(2000, 2000);
    await grown;
    await new Promise((res) => setTimeout(res, 500));
    const [regions, cells] = viewers.map((v) => v.total());
    console.log(
      `one growth of a 1,000,000-tile mosaic (1000x1000 -> 2000x2000): ${regions} bytes to a region viewer (the new geometry and seq; it then loads the view start, about 1 KB, and the pyramid tiles in view), ${kb(cells!)} to an every-cell viewer`,
    );
    for (const v of viewers) v.socket.close();
    await r.stop();
  }
}
