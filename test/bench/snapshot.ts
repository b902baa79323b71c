/**
 * Snapshot benchmark: bytes and time to encode + decode (into a client's mosaic) a 100k- and a
 * 1M-tile mosaic as the binary frame, beside JSON of the same LiveSnapshot in the same run.
 * Target: <= 12 B/tile and a 1M-tile snapshot encoded and decoded in < 300 ms.
 */
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import type { LiveSnapshot, LiveTile } from '../../server/realtime/source.ts';
import { decodeLayout, encodeFrame, LiveMosaic } from '../../shared/protocol.ts';

function mosaic(n: number): LiveSnapshot {
  const cols = Math.ceil(Math.sqrt(n * 1.25));
  const rows = Math.ceil(n / cols);
  let x = 12345;
  const rnd = (m: number) => {
    x = (x * 1103515245 + 12345) >>> 0;
    return (x >>> 8) % m;
  };
  const tiles: LiveTile[] = new Array(n);
  for (let i = 0; i < n; i++) {
    tiles[i] = {
      id: i + 1,
      col: i % cols,
      row: Math.floor(i / cols),
      tint: { r: rnd(155) - 77, g: rnd(155) - 77, b: rnd(155) - 77 },
      rgb: [rnd(256), rnd(256), rnd(256)],
      event: i % 10 === 0 ? 'london' : null,
    };
  }
  return { cols, rows, seq: n, tiles };
}

/** Median of `runs` timings of fn, in ms, after one untimed warm-up call. */
function time<T>(runs: number, fn: () => T): { ms: number; out: T } {
  const ms: number[] = [];
  let out: T = fn();
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    out = fn();
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  return { ms: ms[Math.floor(ms.length / 2)]!, out };
}

const f1 = (v: number) => v.toFixed(1);

export async function run(): Promise<void> {
  console.log('snapshot: binary frame vs JSON of the same LiveSnapshot (median of runs, this process)');
  for (const n of [100_000, 1_000_000]) {
    const snap = mosaic(n);
    const input = { kind: 'snapshot' as const, ...snap };
    const runs = n > 500_000 ? 3 : 5;
    const enc = time(runs, () => encodeFrame(input));
    // What the viewer does: bytes straight into the cell arrays its mosaic takes over.
    const dec = time(runs, () => new LiveMosaic().applyLayout(decodeLayout(enc.out)));
    const jEnc = time(n > 500_000 ? 1 : 3, () => JSON.stringify(snap));
    const jDec = time(n > 500_000 ? 1 : 3, () => JSON.parse(jEnc.out) as LiveSnapshot);
    const jBytes = Buffer.byteLength(jEnc.out);
    const bin = enc.ms + dec.ms;
    const json = jEnc.ms + jDec.ms;
    const label = n >= 1_000_000 ? `${n / 1_000_000}M` : `${n / 1000}k`;
    console.log(
      `  ${label} tiles: binary ${(enc.out.byteLength / n).toFixed(2)} B/tile (${f1(enc.out.byteLength / 1e6)} MB), ` +
        `encode ${f1(enc.ms)} ms + decode into a viewer's mosaic ${f1(dec.ms)} ms = ${f1(bin)} ms` +
        `${n === 1_000_000 ? ` (target < 300: ${bin < 300 ? 'met' : 'MISSED'})` : ''}`,
    );
    console.log(
      `  ${label} tiles: JSON   ${(jBytes / n).toFixed(2)} B/tile (${f1(jBytes / 1e6)} MB), ` +
        `stringify ${f1(jEnc.ms)} ms + parse ${f1(jDec.ms)} ms = ${f1(json)} ms`,
    );
    console.log(
      `  ${label} tiles: binary/JSON bytes ${(enc.out.byteLength / jBytes).toFixed(3)}x, time ${(bin / json).toFixed(3)}x`,
    );
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
