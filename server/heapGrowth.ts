import { setFlagsFromString } from 'node:v8';

/**
 * How far V8 lets the old generation grow past what survived a full collection before it
 * starts the next one: factor 1 + percent / 100.
 *
 * V8 picks the factor from how fast JavaScript allocates against how fast it collects. This
 * server's JavaScript allocates slowly (the photos' work is in libvips and the kernel), so V8
 * settles on 1.1-1.8 and starts a full collection every few photos, while each photo's buffers
 * (external memory, outside that count) make every collection cost more: about 40 ms of CPU
 * each here. At a fixed 3 (200 %), V8's own growth for a busy heap of this size, an import of
 * 384 photos runs one full collection instead of 40-46 (docs/BENCHMARKS.md). The heap then
 * holds up to three times what is live (about 21 MB after start) between collections.
 * 0 leaves V8's choice.
 */
export function setHeapGrowth(percent: number): void {
  // V8 reads this flag each time it sets a limit, so setting it after start takes effect.
  setFlagsFromString(`--heap-growing-percent=${Math.max(0, Math.round(percent))}`);
}
