/**
 * Child process of test/bench/cluster.ts: many LIGHT viewers on raw WebSockets, speaking
 * Engine.IO v4 + Socket.IO with the msgpack parser by hand, so that one process can hold a
 * thousand of them on a shared machine. Each viewer opens
 * `ws://host/socket.io/?EIO=4&transport=websocket`, reads the open packet, sends the
 * Socket.IO CONNECT packet (msgpack via notepack.io, as socket.io-msgpack-parser writes it, with the protocol version as auth), answers pings, and
 * reads only what it needs of each binary frame: a `tiles:changed` batch is found by its
 * event name and read record by record for the seqs (shared/protocolChanges.ts: 8-byte
 * header, 24-byte records, seq at offset 4); `session:synced` is decoded for its seq.
 *
 * Each viewer stamps the first receipt of each seq (performance.timeOrigin + now(), the
 * clock the parent stamps commits with) and checks that the seqs it is sent follow on one
 * by one from its `session:synced` seq (gaps and duplicates are counted).
 *
 * IPC from the parent: connect { urls, viewers, base, cap } -> ready; mark -> mark (frames
 * so far); finish { commits, sent, finalSeq } -> result (latency percentiles and losses).
 */
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { PROTOCOL_VERSION } from '../../shared/protocol.ts';
import { wireParser } from '../../shared/wire.ts';

const now = () => performance.timeOrigin + performance.now();
const CHANGED = Buffer.concat([Buffer.from([0xa0 | 13]), Buffer.from('tiles:changed')]);
const SYNCED = Buffer.from('session:synced');
// socket.io-msgpack-parser: one notepack.io (msgpack) buffer per packet.
const CONNECT = (
  new wireParser.Encoder().encode({ type: 0, nsp: '/', data: { v: PROTOCOL_VERSION } }) as unknown as Buffer[]
)[0]!;
const decoder = new wireParser.Decoder();

interface Viewer {
  ws: WebSocket;
  /** The last seq applied (from session:synced on), or -1 before it. */
  last: number;
  gaps: number;
  dups: number;
  closed: boolean;
}

const viewers: Viewer[] = [];
let base = 0;
let cap = 0;
let recv = new Float64Array(0);
let frames = 0;
let bytes = 0;
let closedUnasked = 0;
let finishing = false;

/** Where the bytes of a msgpack bin start and how many, at `p` (bin8/16/32). */
function binAt(b: Buffer, p: number): [number, number] | null {
  const t = b[p];
  if (t === 0xc4) return [p + 2, b[p + 1]!];
  if (t === 0xc5) return [p + 3, b.readUInt16BE(p + 1)];
  if (t === 0xc6) return [p + 5, b.readUInt32BE(p + 1)];
  return null;
}

function onBinary(i: number, v: Viewer, b: Buffer): void {
  const t = now();
  const at = b.indexOf(CHANGED);
  if (at >= 0) {
    frames++;
    bytes += b.length;
    const bin = binAt(b, at + CHANGED.length);
    if (!bin) return;
    const [start, len] = bin;
    if (b[start] !== 3 || b[start + 1] !== 1) return;
    const count = b.readUInt32LE(start + 4);
    for (let k = 0; k < count && 8 + k * 24 + 24 <= len; k++) {
      const seq = b.readUInt32LE(start + 8 + k * 24 + 4);
      if (v.last >= 0) {
        if (seq <= v.last) v.dups++;
        else {
          if (seq > v.last + 1) v.gaps += seq - v.last - 1;
          v.last = seq;
        }
      }
      const s = seq - base;
      if (s >= 0 && s < cap && Number.isNaN(recv[i * cap + s]!)) recv[i * cap + s] = t;
    }
    return;
  }
  if (b.indexOf(SYNCED) >= 0) {
    decoding = v;
    decoder.add(b);
  }
}

let decoding: Viewer | null = null;
decoder.on('decoded', (p: { data?: [string, { seq: number }] }) => {
  const v = decoding;
  if (v && p.data?.[0] === 'session:synced') {
    v.last = p.data[1].seq;
    synced.get(v)?.();
  }
});

const synced = new Map<Viewer, () => void>();

function connectOne(i: number, url: string): Promise<void> {
  const u = new URL('/socket.io/', url.replace(/^http/, 'ws'));
  u.search = '?EIO=4&transport=websocket';
  const ws = new WebSocket(u, { perMessageDeflate: false });
  const v: Viewer = { ws, last: -1, gaps: 0, dups: 0, closed: false };
  viewers[i] = v;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`viewer ${i} not synced in 20 s`)), 20_000);
    synced.set(v, () => {
      clearTimeout(timer);
      synced.delete(v);
      resolve();
    });
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) return onBinary(i, v, data);
      const s = data.toString();
      if (s === '2') ws.send('3');
      else if (s.startsWith('0')) ws.send(CONNECT);
    });
    ws.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    ws.on('close', () => {
      if (!v.closed && !finishing) closedUnasked++;
      v.closed = true;
    });
  });
}

async function connectAll(urls: string[], n: number): Promise<void> {
  for (let i = 0; i < n; i += 50) {
    const wave: Promise<void>[] = [];
    for (let j = i; j < Math.min(n, i + 50); j++) wave.push(connectOne(j, urls[j % urls.length]!));
    await Promise.all(wave);
  }
}

function pct(sorted: Float64Array, p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]! : Number.NaN;
}

/** Latency percentiles of every (viewer, seq) receipt against `stamps` ([seq, time] pairs). */
function latency(stamps: [number, number][]) {
  const n = viewers.length;
  const lat = new Float64Array(n * stamps.length);
  let k = 0;
  let lost = 0;
  for (let i = 0; i < n; i++) {
    for (const [seq, t0] of stamps) {
      const s = seq - base;
      const r = s >= 0 && s < cap ? recv[i * cap + s]! : Number.NaN;
      if (Number.isNaN(r)) lost++;
      else lat[k++] = r - t0;
    }
  }
  const sorted = lat.subarray(0, k).sort();
  return { p50: pct(sorted, 0.5), p99: pct(sorted, 0.99), max: pct(sorted, 1), lost, got: k };
}

let cpu0 = process.cpuUsage();
let wall0 = now();

type Msg =
  | { type: 'connect'; urls: string[]; viewers: number; base: number; cap: number }
  | { type: 'mark' }
  | { type: 'finish'; commits: [number, number][]; sent: [number, number][]; finalSeq: number };

process.on('message', (m: Msg) => {
  if (m.type === 'connect') {
    base = m.base;
    cap = m.cap;
    recv = new Float64Array(m.viewers * m.cap).fill(Number.NaN);
    const t0 = now();
    connectAll(m.urls, m.viewers).then(
      () => {
        cpu0 = process.cpuUsage();
        wall0 = now();
        process.send?.({ type: 'ready', connectS: (now() - t0) / 1000 });
      },
      (e: Error) => process.send?.({ type: 'error', message: e.message }),
    );
  } else if (m.type === 'mark') {
    process.send?.({ type: 'mark', frames, bytes, closed: closedUnasked });
  } else if (m.type === 'finish') {
    const used = process.cpuUsage(cpu0);
    let gaps = 0;
    let dups = 0;
    let behind = 0;
    for (const v of viewers) {
      gaps += v.gaps;
      dups += v.dups;
      if (v.last < m.finalSeq) behind++;
    }
    finishing = true;
    const result = {
      type: 'result',
      clientCpu: (used.user + used.system) / 1000 / (now() - wall0),
      commit: latency(m.commits),
      sent: latency(m.sent),
      gaps,
      dups,
      behind,
      closed: closedUnasked,
      frames,
    };
    for (const v of viewers) v.ws.terminate();
    process.send?.(result, () => process.exit(0));
  }
});
