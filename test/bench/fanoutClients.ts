/**
 * Child process of the fan-out benchmark: N socket.io-client viewers on loopback. It stamps
 * each change's arrival with the machine's clock (performance.timeOrigin + now(), the same
 * clock the parent stamps commits with), then, told the commit times over IPC, answers with
 * latency percentiles.
 *
 * argv: url mode(binary|json) viewers seqBase capacity
 */
import { performance } from 'node:perf_hooks';
import { io } from 'socket.io-client';
import { decodeChanges, PROTOCOL_VERSION } from '../../shared/protocol.ts';
import { wireParser } from '../../shared/wire.ts';

const [url = '', mode = 'binary', nArg = '1000', baseArg = '1', capArg = '2000'] = process.argv.slice(2);
const n = Number(nArg);
const seqBase = Number(baseArg);
const cap = Number(capArg);
const recv = new Float64Array(n * cap).fill(Number.NaN);
const now = () => performance.timeOrigin + performance.now();
const sockets: ReturnType<typeof io>[] = [];

function connectOne(i: number): Promise<void> {
  const socket = io(url, {
    ...(mode === 'binary' ? { parser: wireParser } : {}),
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    auth: { v: PROTOCOL_VERSION },
  });
  sockets.push(socket);
  const stamp = (seq: number, t: number) => {
    const k = seq - seqBase;
    if (k >= 0 && k < cap) recv[i * cap + k] = t;
  };
  if (mode === 'binary') {
    socket.on('tiles:changed', (b: ArrayBuffer) => {
      const t = now();
      for (const c of decodeChanges(b)) stamp(c.seq, t);
    });
  } else {
    socket.on('tile:placed', (c: { seq: number }) => stamp(c.seq, now()));
  }
  return new Promise((resolve, reject) => {
    socket.once(mode === 'binary' ? 'session:synced' : 'connect', () => resolve());
    socket.once('connect_error', reject);
  });
}

async function connectAll(): Promise<void> {
  for (let i = 0; i < n; i += 50) {
    const wave: Promise<void>[] = [];
    for (let j = i; j < Math.min(n, i + 50); j++) wave.push(connectOne(j));
    await Promise.all(wave);
  }
}

function pct(sorted: Float64Array, p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]! : Number.NaN;
}

process.on('message', (msg: { type: string; commits?: number[]; skip?: number }) => {
  if (msg.type !== 'finish' || !msg.commits) return;
  const used = process.cpuUsage(cpu0);
  const clientCpu = (used.user + used.system) / 1000 / (now() - wall0);
  const commits = msg.commits;
  const skip = msg.skip ?? 0;
  const lat = new Float64Array(n * commits.length);
  let k = 0;
  let lost = 0;
  for (let i = 0; i < n; i++) {
    for (let s = skip; s < commits.length; s++) {
      const r = recv[i * cap + s]!;
      if (Number.isNaN(r)) lost++;
      else lat[k++] = r - commits[s]!;
    }
  }
  const sorted = lat.subarray(0, k).sort();
  for (const s of sockets) s.disconnect();
  const result = {
    type: 'result',
    clientCpu,
    p50: pct(sorted, 0.5),
    p99: pct(sorted, 0.99),
    max: pct(sorted, 1),
    lost,
    got: k,
  };
  process.send?.(result, () => process.exit(0));
});

let cpu0 = process.cpuUsage();
let wall0 = now();
connectAll().then(
  () => {
    cpu0 = process.cpuUsage();
    wall0 = now();
    process.send?.({ type: 'ready' });
  },
  (err: Error) => process.send?.({ type: 'error', message: err.message }),
);
