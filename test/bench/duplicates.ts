/**
 * The duplicate check at a million stored tiles (`npm run bench -- duplicates`): the
 * multi-index query of DuplicateIndex beside the full Hamming scan of the same index,
 * measured in the same run on the same queries (half near-copies of stored hashes, half new).
 * The stored hashes are uniformly random 64-bit values; real photos' hashes cluster more,
 * which fills some buckets more than others.
 */
import { DuplicateIndex } from '../../server/safety/DuplicateIndex.ts';
import { mulberry32 } from '../../shared/mosaic/rng.ts';

const hex = (hi: number, lo: number) =>
  (hi >>> 0).toString(16).padStart(8, '0') + (lo >>> 0).toString(16).padStart(8, '0');

export async function run(): Promise<void> {
  const N = Number(process.env.BENCH_DUPLICATES_N ?? 1_000_000);
  const Q = 2000;
  const r = mulberry32(7);
  const word = () => Math.floor(r() * 2 ** 32) | 0;
  console.log(`\n## Duplicate check: ${N.toLocaleString('en-US')} stored pHashes, threshold 6`);
  const idx = new DuplicateIndex(6);
  const stored: [number, number][] = [];
  let t0 = performance.now();
  for (let id = 1; id <= N; id++) {
    const w: [number, number] = [word(), word()];
    if (id % 100 === 0) stored.push(w);
    idx.add(id, hex(w[0], w[1]));
  }
  const addSecs = (performance.now() - t0) / 1000;
  const queries: [number, number][] = [];
  for (let q = 0; q < Q; q++) {
    if (q % 2) {
      let [h, l] = stored[Math.floor(r() * stored.length)]!;
      for (let k = Math.floor(r() * 7); k > 0; k--) {
        const bit = Math.floor(r() * 64);
        if (bit < 32) h ^= 1 << bit;
        else l ^= 1 << (bit - 32);
      }
      queries.push([h, l]);
    } else queries.push([word(), word()]);
  }
  const hashes = queries.map(([h, l]) => hex(h, l));
  let found = 0;
  t0 = performance.now();
  for (const h of hashes) if (idx.find(h) !== null) found++;
  const indexed = (performance.now() - t0) / Q;
  let foundScan = 0;
  const S = 200;
  t0 = performance.now();
  for (let q = 0; q < S; q++) if (idx.scan(queries[q]![0], queries[q]![1]) !== null) foundScan++;
  const scan = (performance.now() - t0) / S;
  const agree = hashes
    .slice(0, S)
    .every((h, q) => (idx.find(h) === null) === (idx.scan(queries[q]![0], queries[q]![1]) === null));
  console.log(
    `index built in ${addSecs.toFixed(1)} s; heap ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MB`,
  );
  console.log(
    `multi-index query: ${(indexed * 1000).toFixed(1)} µs per upload (${found}/${Q} duplicates found); full scan: ${(scan * 1000).toFixed(0)} µs (${foundScan}/${S})`,
  );
  console.log(
    `ratio scan / multi-index: ${(scan / indexed).toFixed(0)}x faster; same answers on ${S} queries: ${agree}`,
  );
}
